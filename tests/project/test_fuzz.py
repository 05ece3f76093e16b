"""Fuzz suite: malformed input anywhere in a request never gets a server error (5xx).

The URL resolver is walked, so every URL pattern of the site (admin and allauth included) is fuzzed: one test
per pattern, one per admin app for the admin's. For each pattern, as an anonymous visitor and as a signed-in
member (rate limits off, so they do not hide the views behind them), the suite sends:

* the malformed values in place of each route argument (path converters and regex groups);
* the pattern with valid arguments and the malformed values in the query parameters the views read and in
  the request headers a view or middleware looks at;
* POSTs with the malformed values in every form field name the site's forms use, and raw bodies that are not
  valid UTF-8 or not valid multipart.

Query parameters, headers and form fields are batched: one request carries a different malformed value in each
parameter, so the whole table goes through every pattern in a few dozen requests. Values with control
characters are refused by the edge middleware whatever else the request holds, so they are sent one by one and
only a sample of them per pattern (tests/project/test_edge.py covers the middleware itself). The path arguments
are the slow part (every value is one request), so they take the core values, not the whole table, and only
the values the argument's converter lets through to the view (plus two it refuses); the user for whom the page
does something (the member on sign-in-only pages) gets all of them, the other a sample. About 50 s of CPU.
"""

from __future__ import annotations

import itertools
import re
from urllib.parse import quote, unquote, urlencode

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import get_converters

from accounts import ratelimit
from accounts.models import User
from tests.factories import AuthorFactory, CommentFactory, PaperFactory, SummaryFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db

# --- the table of malformed values ------------------------------------------------------------------------

CONTROL = ["\x00", "a\x00b", "10.1145/3065386\x00", *(chr(c) for c in range(1, 32)), "\x7f", "%00"]
NUMBERS = [
    "²", "¹²³", "٣", "१२", "０", "0", "-1", "-0", "+1", "1.5", "1e3", "1e309", "NaN", "inf", "-inf",
    "2147483647", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808",
    "-9223372036854775809", "99999999999999999999", "1" * 100, "0x10", "010", " 1", "1 ", "1,000", "1_000",
    "32767", "32768", "65536", "0000000000001",
]  # fmt: skip
TRAVERSAL = [
    "../", "../../etc/passwd", "..%2f..%2f", "%2e%2e/", "%2e%2e%2f", "/", "//", "./", ".", "..", "\\",
    "..\\..\\windows\\win.ini", "/etc/passwd", "....//", "%5c..%5c",
]  # fmt: skip
ENCODING = [
    "%", "%zz", "%z", "%C0%AE", "%C0%AE%C0%AE/", "%c0%af", "%ff", "%fe%ff", "%e2%82", "%ed%a0%80", "%f4%90%80%80",
    "%%", "%u0000", "%25", "%2500", "%25zz", "%%30%30", "%80", "%c3%28", "%e2%28%a1",
]  # fmt: skip
UNICODE = [
    "\u202eevil", "\u200f", "\u2028", "\u2029", "\ufeff", "\ufffd", "\uffff", "\U0010ffff", "\u0085", "\u00a0",
    "مرحبا", "שלום", "😀", "👩\u200d🔬", "🏳️\u200d🌈", "e\u0301" * 50, "İ", "ß", "ﬁ", "Ω", "\u3000", "㐀",
    "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇", "𝐀𝐁𝐂", "\u0000".replace("\u0000", "x"),
]  # fmt: skip
LENGTH = ["", " ", "   ", "a" * 300, "a" * 5_000, "é" * 2_000, "-" * 1_000, "a-" * 2_000, "x" * 70_000]
SQL = [
    "' OR '1'='1", "1; DROP TABLE papers_paper;--", '" OR ""="', "1' UNION SELECT NULL--", "%' --", "\\'",
    "$$", "1::text", "'||pg_sleep(0)||'", "*", "?", "%_", "_", "\\", "'", '"', "`", ";", "--", "/*", "(", ")",
    "[", "]", "{", "}", "&", "=", "+", "#", "|", "!", ":", "a:b:c", "@", "~",
]  # fmt: skip
MARKUP = [
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)", "{{7*7}}",
    "{% debug %}", "${7*7}", "&amp;", "&#0;", "&#x0;", "<!--", "]]>", "\\u0000", "<?xml?>", "$x$", "$$x$$",
    "\\begin{x}", "@article{", "@article{k, month={²}}", "}", "@{}", "](javascript:x)", "<svg onload=x>",
]  # fmt: skip
FORMATS = [
    "10.", "10.1145/", "10.1145/3065386", "10.1/%00", "arXiv:", "1706.03762", "1706.03762v99999999999999999999",
    "1706.03762v²", "1706.99999", "hep-th/99", "hep-th/9901001", "dblp:", "DBLP:journals/corr", "journals/",
    "http://", "https://", "//evil.example", "mailto:x", "data:text/html,x", "file:///etc/passwd", "\\\\evil",
    "https://evil.example/", "http://localhost:8000/admin/", "a=b&c=d", "true", "false", "null", "None",
    "undefined", "[]", "{}", "summary", "comment", "paper", "public", "private", "1,2", "-", "0.0", "1/0",
]  # fmt: skip
CORE = list(
    dict.fromkeys(
        [
            *("\x00", "\x01", "\x1f", "\x7f"),
            *NUMBERS[:22],
            *TRAVERSAL[:8],
            *ENCODING[:8],
            *UNICODE[:6],
            *LENGTH[:5],
            *SQL[:5],
            *MARKUP[:6],
            *FORMATS[:10],
        ]
    )
)
_BASE = list(dict.fromkeys(CONTROL + NUMBERS + TRAVERSAL + ENCODING + UNICODE + LENGTH + SQL + MARKUP + FORMATS))
# The whole table: every base value alone, behind a plausible id and in front of one (≈ 500 values).
INPUTS = list(dict.fromkeys(_BASE + [f"1{v}" for v in _BASE if len(v) < 300] + [f"{v}1" for v in _BASE[:60]]))

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]|%(?:0[0-9a-f]|1[0-9a-f]|7f)", re.IGNORECASE)
PLAIN_INPUTS = [v for v in INPUTS if not _CONTROL_RE.search(v)]
CONTROL_INPUTS = [v for v in INPUTS if _CONTROL_RE.search(v)]

# What views read from the query string (grep GET.get) and what the site's forms post.
QUERY_PARAMS = [
    "q", "page", "p", "start", "top", "year", "year_from", "year_to", "venue", "key", "bibtexKey", "name",
    "arxiv", "doi", "identifier", "next", "sort", "format", "kind", "o", "e", "all", "_changelist_filters",
    "action", "token", "section", "paper", "summary", "writer", "state",
]  # fmt: skip
FORM_FIELDS = [
    "login", "password", "remember", "email", "username", "password1", "password2", "identifier", "token",
    "manual-title", "manual-authors", "manual-venue", "manual-year", "manual-abstract", "manual-arxiv_id",
    "manual-doi", "manual-url", "manual-keywords", "body", "visibility", "is_anonymous", "audience",
    "arxiv_version", "revision_number", "action", "value", "parent", "reason", "details", "display_name",
    "affiliation", "bio", "website", "orcid", "email_on_comment", "email_on_reply", "email_on_discussion",
    "content", "next", "until", "hide_content", "revision", "key", "code", "csrfmiddlewaretoken",
]  # fmt: skip
HEADERS = [
    "HTTP_ACCEPT", "HTTP_ACCEPT_LANGUAGE", "HTTP_REFERER", "HTTP_USER_AGENT", "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO", "HTTP_X_REQUESTED_WITH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_NONE_MATCH",
    "HTTP_ORIGIN", "HTTP_RANGE",
]  # fmt: skip
RAW_BODIES = [
    ("application/x-www-form-urlencoded", b"body=\xff\xfe\x00&a=%zz&%C0%AE=1&&&=&" + b"x" * 100),
    ("application/x-www-form-urlencoded; charset=latin-1", "body=caf\xe9".encode("latin-1")),
    ("application/x-www-form-urlencoded; charset=no-such-charset", b"body=x"),
    ("multipart/form-data; boundary=xyz", b'--xyz\r\nContent-Disposition: form-data; name="body"\r\n\r\n\xff\x00'),
    ("multipart/form-data", b"no boundary at all"),
    ("multipart/form-data; boundary=", b"--\r\n"),
    ("application/json", b'{"body": "\\u0000", "value": 1e999}'),
    ("text/plain", b"\x00\xff"),
]


# --- the URL patterns -------------------------------------------------------------------------------------

_ARGUMENT_RE = re.compile(
    r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>|\(\?P<(?P<group>\w+)>(?P<body>(?:[^()]|\([^()]*\))*)\)"
)


def _walk(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def _routes() -> list[str]:
    return sorted(set(_walk(get_resolver().url_patterns)))


def _fill(route: str, value_for) -> str:
    """The path of ``route`` with each argument replaced by ``value_for(name, converter_or_regex)`` (raw)."""

    def replace(match):
        name = match.group("name") or match.group("group")
        return value_for(name, match.group("converter") or match.group("body") or "str")

    path = _ARGUMENT_RE.sub(replace, route)
    # What is left of a regex route: anchors, an optional trailing slash, escaped dots.
    path = path.replace("^", "").replace("\\Z", "").replace("$", "").replace("/?", "/").replace("\\.", ".")
    return "/" + path


def _has_arguments(route: str) -> bool:
    return bool(_ARGUMENT_RE.search(route))


def _converter_regexes(route: str) -> list[re.Pattern]:
    regexes = []
    for match in _ARGUMENT_RE.finditer(route):
        if match.group("name"):
            regexes.append(re.compile(get_converters()[match.group("converter") or "str"].regex))
        else:
            regexes.append(re.compile(match.group("body")))
    return regexes


def _path_values(route: str, values: list[str]) -> list[str]:
    """The values that reach the view through every argument of ``route``, and two that cannot (the resolver
    answers those with the same 404 whatever they hold)."""
    regexes = _converter_regexes(route)

    def fits(value: str) -> bool:
        decoded = unquote(value)
        return all(regex.fullmatch(decoded) for regex in regexes)

    return [v for v in values if fits(v)] + [v for v in values if not fits(v)][:2]


def _encode(value: str) -> str:
    """A value as it goes on the wire in a path: percent-escapes the fuzz table spells out are kept as typed."""
    return quote(value, safe="%/")


@pytest.fixture
def world(db):
    member = UserFactory(username="member", email="member@example.org")
    other = UserFactory(username="other", email="other@example.org")
    venue = VenueFactory(dblp_key="journals/corr")
    paper = PaperFactory(venue=venue, arxiv_id="1706.03762", doi="10.1145/3065386", author_names=["Ada Lovelace"])
    paper.keywords.add("learning")
    own = SummaryFactory(paper=paper, writer=member)
    theirs = SummaryFactory(paper=PaperFactory(venue=venue), writer=other)
    comment = CommentFactory(summary=theirs, writer=member)
    shared = SummaryFactory(paper=PaperFactory(venue=venue), writer=other, visibility="private")
    author = AuthorFactory() if not paper.authors.exists() else paper.authors.first()
    return {
        "member": member,
        "values": {
            "paper/": paper.slug,
            "venues/": venue.slug,
            "authors/": author.slug,
            "keywords/": paper.keywords.first().slug,
            "users/": member.username,
            "summary/": str(theirs.pk),
            "comments/": str(comment.pk),
            "report/shared/": shared.ensure_share_token(),  # before "report/": the more specific prefix first
            "report/": {"kind": "summary", "pk": str(theirs.pk)},
            "arxiv/": "1706.03762",
            "doi/": "10.1145/3065386",
            "api/v1/": str(paper.pk),
            "sitemap-": "papers",
            "own": str(own.pk),
        },
    }


def _valid_value(world, route: str):
    values = world["values"]

    def value_for(name: str, converter: str) -> str:
        for prefix, value in values.items():
            if route.startswith(prefix):
                return value[name] if isinstance(value, dict) else value
        if "|" in converter and re.fullmatch(r"[\w|]+", converter):  # admin app_label=(auth|accounts|…)
            return converter.split("|")[0]
        return "1"

    return value_for


def _clients(world):
    anonymous = Client(raise_request_exception=False)
    member = Client(raise_request_exception=False)
    member.force_login(world["member"])
    return {"anonymous": anonymous, "member": member}


def _batches(values: list[str], names: list[str], rotation: int):
    """Dicts giving each name a different value; together they carry every value once (rotated per pattern, so
    a value meets different parameters in different tests)."""
    values = values[rotation % len(values) :] + values[: rotation % len(values)]
    for start in range(0, len(values), len(names)):
        chunk = values[start : start + len(names)]
        yield dict(zip(names, itertools.cycle(chunk) if len(chunk) < len(names) else chunk, strict=False))


ROUTES = _routes()


def _groups() -> dict[str, list[str]]:
    """One test per URL pattern; the admin's patterns, which send anonymous visitors and members to the admin's
    sign-in page before any view code runs, one test per admin app."""
    groups: dict[str, list[str]] = {}
    for route in ROUTES:
        key = "/".join(route.split("/")[:2]) if route.startswith("admin/") and route.count("/") > 2 else route
        groups.setdefault(key, []).append(route)
    return groups


GROUPS = _groups()


@pytest.mark.parametrize("group", GROUPS)
def test_no_malformed_input_gets_a_server_error(world, group, monkeypatch):
    # Rate limits would answer 429 after a few posts and hide the views behind them.
    monkeypatch.setattr(ratelimit, "_hit", lambda *args, **kwargs: True)
    clients = _clients(world)
    failures = []
    for route in GROUPS[group]:
        failures += _fuzz(clients, world, route)
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(failures[:50])


def _fuzz(clients, world, route: str) -> list[str]:
    valid_path = _fill(route, _valid_value(world, route))
    rotation = ROUTES.index(route)
    failures = []

    def send(who, verb, url, shown, **extra):
        client = clients[who]
        response = client.generic("POST", url, **extra) if verb == "raw" else getattr(client, verb)(url, **extra)
        if response.status_code >= 500:
            failures.append(f"{who} {verb.upper()} {url[:200]} ← {shown!r:.200} → {response.status_code}")
        return response

    is_admin = route.startswith("admin/")
    # A page that sends visitors to sign in shows members what the fuzzed arguments do; others show everyone.
    members_only = clients["anonymous"].get(valid_path).status_code in (301, 302) and not is_admin
    for who in clients:
        # 1. Route arguments.
        if _has_arguments(route):
            path_values = _path_values(route, CORE if (who == "member") == members_only else CORE[::8])
            for value in path_values:
                send(who, "get", _fill(route, lambda name, converter, v=value: _encode(v)), value)
        # 2. Query parameters and headers, with valid arguments.
        query_values = PLAIN_INPUTS if who == "anonymous" and not is_admin else CORE
        for batch in _batches([v for v in query_values if not _CONTROL_RE.search(v)], QUERY_PARAMS, rotation):
            headers = {
                header: value.encode("utf-8").decode("latin-1")
                for header, value in zip(HEADERS, batch.values(), strict=False)
            }
            send(who, "get", f"{valid_path}?{urlencode(batch)}", batch, **headers)
        for value in CONTROL_INPUTS[rotation % 7 :: 40]:
            send(who, "get", f"{valid_path}?q={quote(value, safe='%')}", value)
        # 3. Form fields and raw bodies.
        response = clients[who].post(valid_path, {})
        if response.status_code >= 500:
            failures.append(f"{who} POST {valid_path} (empty) → {response.status_code}")
        if response.status_code == 405:
            continue
        form_values = PLAIN_INPUTS if who == "member" and not is_admin else CORE
        for batch in _batches(form_values, FORM_FIELDS, rotation):
            send(who, "post", valid_path, batch, data=batch)
        # Forms refuse NUL themselves (a form error, the input kept): always one, plus a sample of the rest.
        for value in dict.fromkeys(["a\x00b", *CONTROL_INPUTS[rotation % 5 :: 20]]):
            send(who, "post", valid_path, value, data=dict.fromkeys(FORM_FIELDS, value))
        for content_type, body in RAW_BODIES:
            send(who, "raw", valid_path, body, data=body, content_type=content_type)
    return failures


def test_the_fuzz_table_is_big_and_covers_every_kind_of_malformed_input():
    assert 450 <= len(INPUTS) <= 700
    assert "\x00" in INPUTS and "²" in INPUTS and "%zz" in INPUTS and "%C0%AE" in INPUTS and "../" in INPUTS
    assert any(len(v) > 10_000 for v in INPUTS) and "" in INPUTS and "😀" in INPUTS and "\u202eevil" in INPUTS
    assert len(ROUTES) > 150 and sum(len(routes) for routes in GROUPS.values()) == len(ROUTES)
    assert User.objects.count() == 0  # collection did not touch the database
