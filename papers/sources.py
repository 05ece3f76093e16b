"""Paper metadata from arXiv, Crossref and pasted BibTeX.

Pure Python on purpose (no Django import): everything here returns a
``PaperMetadata`` dataclass and the papers app decides what to store.

Every network call goes through ``MetadataClient._get`` so that timeouts, HTTP
errors, connection failures and unreadable answers all become a ``SourceError``
whose message can be shown to the reader as is. Views obtain their client from
``get_client()``, the one seam tests patch; the client's ``http_get`` argument is
the second seam, used by tests to replay recorded responses.
"""

from __future__ import annotations

import datetime
import html
import http.client
import json
import logging
import re
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from papers.links import web_url_or_empty
from shortscience.lib.identifiers import parse_arxiv_id, parse_doi, parse_identifier
from shortscience.lib.numbers import ascii_int

logger = logging.getLogger(__name__)

ARXIV_API_URL = "https://export.arxiv.org/api/query"
CROSSREF_API_URL = "https://api.crossref.org/works/"
# Neither service sends anything near this for one record; a bigger answer is
# an error page or something hostile, and reading it all would tie up a worker.
MAX_RESPONSE_BYTES = 2 * 1024 * 1024

HttpGet = Callable[[str, Mapping[str, str], Mapping[str, str], float], tuple[int, str]]


@dataclass
class PaperMetadata:
    title: str
    authors: list[str]  # in byline order, "First Last"
    abstract: str = ""
    year: int | None = None
    published_on: datetime.date | None = None  # only when the day is known
    venue_name: str = ""
    venue_acronym: str = ""
    venue_kind: str = ""  # "preprint" | "conference" | "journal" | "workshop" | ""
    arxiv_id: str = ""
    arxiv_version: int | None = None
    doi: str = ""
    dblp_key: str = ""
    url: str = ""
    pdf_url: str = ""
    keywords: list[str] = field(default_factory=list)  # e.g. ["cs.LG", "stat.ML"]
    source: str = ""  # "arxiv" | "crossref" | "bibtex"


class SourceError(Exception):
    """Import failed; the message is user-facing (no tracebacks, no URLs with keys)."""


class NotFound(SourceError):
    """The service answered, and it has no such paper."""


class InvalidIdentifier(SourceError, ValueError):
    """The text given to ``MetadataClient.fetch`` is not an identifier we can look up."""


class ResponseTooLarge(Exception):
    """Raised by ``urllib_http_get`` when a body exceeds ``MAX_RESPONSE_BYTES``."""


# --------------------------------------------------------------------------- HTTP


def urllib_http_get(url: str, params: Mapping[str, str], headers: Mapping[str, str], timeout: float) -> tuple[int, str]:
    """Default transport: GET with urllib; returns (status, body) for any HTTP status.

    Network failures (timeouts, refused connections, DNS) propagate as OSError.
    """
    if params:
        url = f"{url}?{urllib.parse.urlencode(params)}"
    request = urllib.request.Request(url, headers=dict(headers), method="GET")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        body = response.read(MAX_RESPONSE_BYTES + 1)
        if len(body) > MAX_RESPONSE_BYTES:
            raise ResponseTooLarge(url)
        charset = response.headers.get_content_charset() if response.headers else None
        return response.status, body.decode(charset or "utf-8", errors="replace")


# ---------------------------------------------------------------- text helpers

_WS_RE = re.compile(r"\s+")


def _collapse(text: str | None) -> str:
    return _WS_RE.sub(" ", text or "").strip()


def _unique(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item and item.lower() not in seen:
            seen.add(item.lower())
            out.append(item)
    return out


def _make_date(year: int | None, month: int | None, day: int | None) -> datetime.date | None:
    if not (year and month and day):
        return None
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


_ACRONYM_IN_PARENS_RE = re.compile(r"\(([A-Z][A-Za-z0-9&\-]{1,15})\)\s*$")


def _acronym_from_name(name: str) -> str:
    """``"2016 IEEE Conference on ... (CVPR)"`` → ``"CVPR"``."""
    match = _ACRONYM_IN_PARENS_RE.search(name or "")
    return match.group(1) if match else ""


def _arxiv_id_from_doi(doi: str) -> str:
    """arXiv's own DataCite DOIs (10.48550/arXiv.<id>) name the preprint, not a publication."""
    match = re.match(r"^10\.48550/arxiv\.(.+)$", doi or "", re.IGNORECASE)
    parsed = parse_arxiv_id(match.group(1)) if match else None
    return parsed.id if parsed else ""


def _arxiv_venue(meta: PaperMetadata) -> None:
    meta.venue_name = "arXiv"
    meta.venue_acronym = "arXiv"
    meta.venue_kind = "preprint"


# ------------------------------------------------------------------- the client


class MetadataClient:
    """Looks papers up on arXiv and Crossref: one request per look-up, never retried.

    arXiv asks API users for a descriptive User-Agent and no bursts, so a failed
    request is reported to the reader rather than retried behind their back.
    """

    def __init__(
        self,
        *,
        timeout: float = 8.0,
        user_agent: str = "ShortScience/1.0 (+https://shortscience.org)",
        http_get: HttpGet | None = None,
    ):
        self.timeout = timeout
        self.user_agent = user_agent
        self.http_get = http_get or urllib_http_get

    # -- dispatch

    def fetch(self, identifier: str) -> PaperMetadata:
        """Look up an arXiv id/URL or a DOI/DOI URL typed by a reader."""
        parsed = parse_identifier(identifier)
        if parsed is None:
            shown = _collapse(identifier)[:80]
            raise InvalidIdentifier(
                f"“{shown}” is not an arXiv id, arXiv link or DOI. "
                "Try something like 1706.03762, https://arxiv.org/abs/1706.03762 or 10.1145/3065386."
                if shown
                else "Enter an arXiv id, arXiv link or DOI, e.g. 1706.03762 or 10.1145/3065386."
            )
        if parsed.kind == "arxiv":
            return self.fetch_arxiv(f"{parsed.value}v{parsed.version}" if parsed.version else parsed.value)
        if parsed.kind == "doi":
            arxiv_id = _arxiv_id_from_doi(parsed.value)
            if arxiv_id:
                # Crossref does not know DataCite DOIs; arXiv is the authority for these.
                return self.fetch_arxiv(arxiv_id)
            return self.fetch_crossref(parsed.value)
        raise InvalidIdentifier(
            "DBLP keys cannot be looked up directly. Open the paper on dblp.org, "
            "export its BibTeX and paste that instead."
        )

    # -- arXiv

    def fetch_arxiv(self, arxiv_id: str) -> PaperMetadata:
        """Metadata for one arXiv paper. A versioned id (``2101.00001v2``) fetches that version."""
        requested = parse_arxiv_id(arxiv_id)
        if requested is None:
            raise InvalidIdentifier(f"“{_collapse(arxiv_id)[:80]}” is not an arXiv id, e.g. 1706.03762.")
        status, text = self._get("arXiv", ARXIV_API_URL, {"id_list": str(requested)}, "application/atom+xml")
        # arXiv answers a bad query with HTTP 400 and an Atom feed describing the error.
        if status != 200 and not (status == 400 and "<feed" in text):
            raise self._status_error("arXiv", status)
        root = _parse_xml("arXiv", text)
        entries = root.findall(f"{_ATOM}entry")
        if not entries:
            raise NotFound(f"arXiv has no paper with the id {requested.id}.")
        meta = _arxiv_entry(entries[0])
        if meta is None:  # an error entry, or the blank entry arXiv sends for unknown ids
            raise NotFound(f"arXiv has no paper with the id {requested.id}.")
        if meta.arxiv_id != requested.id or (requested.version and meta.arxiv_version != requested.version):
            logger.warning("arXiv answered %s for %s", meta.arxiv_id, requested)
            raise SourceError("arXiv sent back a different paper than the one asked for — try again later.")
        return meta

    # -- Crossref

    def fetch_crossref(self, doi: str) -> PaperMetadata:
        canonical = parse_doi(doi)
        if canonical is None:
            raise InvalidIdentifier(f"“{_collapse(doi)[:80]}” is not a DOI, e.g. 10.1145/3065386.")
        url = CROSSREF_API_URL + urllib.parse.quote(canonical, safe="/:;()")
        status, text = self._get("Crossref", url, {}, "application/json")
        if status == 404:
            raise NotFound(f"Crossref has no record of the DOI {canonical}.")
        if status != 200:
            raise self._status_error("Crossref", status)
        try:
            payload = json.loads(text)
            message = payload["message"]
            if payload.get("status") != "ok" or payload.get("message-type") != "work":
                raise ValueError(payload.get("message-type"))
            return _crossref_work(message, canonical)
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as error:
            logger.warning("Unreadable Crossref answer for %s: %r", canonical, error)
            raise SourceError(_unreadable("Crossref")) from error

    # -- plumbing

    def _get(self, service: str, url: str, params: dict[str, str], accept: str) -> tuple[int, str]:
        headers = {"User-Agent": self.user_agent, "Accept": accept}
        try:
            status, text = self.http_get(url, params, headers, self.timeout)
        except urllib.error.HTTPError as error:  # a transport that raises for HTTP statuses
            return error.code, ""
        except ResponseTooLarge as error:
            logger.warning("%s answer too large: %s", service, error)
            raise SourceError(_unreadable(service)) from error
        except TimeoutError as error:
            logger.info("%s timed out: %r", service, error)
            raise SourceError(f"{service} did not answer in time — try again in a minute.") from error
        except urllib.error.URLError as error:
            logger.info("%s unreachable: %r", service, error)
            if isinstance(error.reason, TimeoutError):
                raise SourceError(f"{service} did not answer in time — try again in a minute.") from error
            raise SourceError(f"Could not reach {service} — try again in a minute.") from error
        except (OSError, http.client.HTTPException) as error:
            logger.info("%s connection failed: %r", service, error)
            raise SourceError(f"Could not reach {service} — try again in a minute.") from error
        if len(text) > MAX_RESPONSE_BYTES:
            raise SourceError(_unreadable(service))
        return status, text

    @staticmethod
    def _status_error(service: str, status: int) -> SourceError:
        logger.warning("%s answered HTTP %s", service, status)
        if status == 429 or status >= 500:
            return SourceError(f"{service} is busy or having problems right now — try again in a few minutes.")
        return SourceError(f"{service} refused the request (HTTP {status}). Paste the BibTeX instead.")


def _unreadable(service: str) -> str:
    return f"{service} sent an answer we could not read — try again later, or paste the BibTeX instead."


def get_client() -> MetadataClient:
    """The client views use; tests patch this to avoid the network."""
    return MetadataClient()


# ----------------------------------------------------------------------- arXiv

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
# Archive-style category names (cs.LG, hep-th, cond-mat.stat-mech); keeps out the
# ACM ("I.2.7") and MSC ("68T05") classes arXiv lists as categories too.
_CATEGORY_RE = re.compile(r"^[a-z][a-z\-]*(?:\.[A-Za-z\-]+)?$")
_DTD_RE = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def _parse_xml(service: str, text: str) -> ET.Element:
    # xml.etree expands internal entities; refusing any DTD rules out entity
    # expansion attacks ("billion laughs") and external entities. Atom needs none.
    if _DTD_RE.search(text):
        logger.warning("%s answer contains a DTD; refused", service)
        raise SourceError(_unreadable(service))
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        logger.warning("%s answer is not XML: %s", service, error)
        raise SourceError(_unreadable(service)) from error
    if root.tag != f"{_ATOM}feed":
        raise SourceError(_unreadable(service))
    return root


def _parse_timestamp(value: str | None) -> datetime.date | None:
    try:
        return datetime.datetime.fromisoformat((value or "").strip().replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _https(url: str) -> str:
    return re.sub(r"^http://(?:export\.)?arxiv\.org/", "https://arxiv.org/", url or "")


def _arxiv_entry(entry: ET.Element) -> PaperMetadata | None:
    """One Atom ``<entry>`` → metadata; None for arXiv's error or blank entries."""
    parsed = parse_arxiv_id(_collapse(entry.findtext(f"{_ATOM}id")))
    title = _collapse(entry.findtext(f"{_ATOM}title"))
    if parsed is None or not title:
        return None
    published = _parse_timestamp(entry.findtext(f"{_ATOM}published"))
    meta = PaperMetadata(
        title=title,
        authors=[
            name for name in (_collapse(a.findtext(f"{_ATOM}name")) for a in entry.findall(f"{_ATOM}author")) if name
        ],
        abstract=_collapse(entry.findtext(f"{_ATOM}summary")),
        year=published.year if published else None,
        published_on=published,  # the first version's date: when the work became public
        arxiv_id=parsed.id,
        arxiv_version=parsed.version,
        url=f"https://arxiv.org/abs/{parsed.id}",
        source="arxiv",
    )
    _arxiv_venue(meta)
    for link in entry.findall(f"{_ATOM}link"):
        if link.get("title") == "pdf" and link.get("href"):
            meta.pdf_url = web_url_or_empty(_https(link.get("href", "")))
    primary = entry.find(f"{_ARXIV}primary_category")
    terms = [primary.get("term", "")] if primary is not None else []
    terms += [c.get("term", "") for c in entry.findall(f"{_ATOM}category")]
    meta.keywords = _unique([t.strip() for t in terms if _CATEGORY_RE.match(t.strip())])
    # The DOI of the published version, if the authors gave one; a journal
    # reference sometimes carries a DOI too (journal_ref is free text otherwise).
    for text in (entry.findtext(f"{_ARXIV}doi"), entry.findtext(f"{_ARXIV}journal_ref")):
        doi = _find_doi(text or "")
        if doi and not _arxiv_id_from_doi(doi):
            meta.doi = doi
            break
    return meta


_DOI_IN_TEXT_RE = re.compile(r"\b10\.\d{4,9}/[^\s,;\"'<>]+")


def _find_doi(text: str) -> str:
    match = _DOI_IN_TEXT_RE.search(text)
    return (parse_doi(match.group(0)) or "") if match else ""


# -------------------------------------------------------------------- Crossref

_CROSSREF_KINDS = {
    "journal-article": "journal",
    "proceedings-article": "conference",
    "posted-content": "preprint",
}
_JATS_TITLE_RE = re.compile(r"<(?:jats:)?title\b[^>]*>.*?</(?:jats:)?title>", re.IGNORECASE | re.DOTALL)
_JATS_PARA_END_RE = re.compile(r"</(?:jats:)?p>", re.IGNORECASE)
_BLOCK_TAG_RE = re.compile(r"<(?:br|/?(?:jats:)?(?:p|sec|list|list-item))\b[^>]*>", re.IGNORECASE)
_TAG_RE = re.compile(r"<[^>]+>")


def _strip_markup(text: str) -> str:
    """Crossref titles and abstracts carry JATS/HTML tags and entities."""
    # Inline tags (<i>, <sub>) sit inside words: "CO<sub>2</sub>" must stay "CO2".
    return _collapse(html.unescape(_TAG_RE.sub("", _BLOCK_TAG_RE.sub(" ", text or ""))))


def _crossref_abstract(jats: str) -> str:
    # Section headings ("Abstract") are dropped; paragraphs stay paragraphs.
    text = _JATS_TITLE_RE.sub(" ", jats or "")
    paragraphs = (_strip_markup(p) for p in _JATS_PARA_END_RE.split(text))
    return "\n\n".join(p for p in paragraphs if p)


def _crossref_date(message: dict) -> tuple[int | None, datetime.date | None]:
    # The print date is what citations use; the others stand in when it is missing.
    for key in ("published-print", "published-online", "issued", "published"):
        parts = ((message.get(key) or {}).get("date-parts") or [[None]])[0]
        parts = [int(p) for p in parts if p is not None] if parts else []
        if parts:
            year, month, day = [*parts, None, None][:3]
            return year, _make_date(year, month, day)
    return None, None


def _first(values) -> str:
    if isinstance(values, list):
        return _strip_markup(values[0]) if values else ""
    return _strip_markup(values or "")


def _crossref_work(message: dict, doi: str) -> PaperMetadata:
    title = _first(message.get("title"))
    subtitle = _first(message.get("subtitle"))
    if subtitle and subtitle.lower() not in title.lower():
        title = f"{title}: {subtitle}"
    if not title:
        raise ValueError("work without a title")
    authors = []
    for person in message.get("author") or []:
        name = _collapse(f"{person.get('given', '')} {person.get('family', '')}") or _collapse(person.get("name"))
        if name:
            authors.append(name)
    kind = _CROSSREF_KINDS.get(message.get("type", ""), "")
    event = message.get("event") or {}
    venue = _first(message.get("container-title")) or _strip_markup(event.get("name", ""))
    if kind == "conference" and "workshop" in venue.lower():
        kind = "workshop"
    acronym = re.sub(r"\s*'?\d{2,4}$", "", _collapse(event.get("acronym"))) or _acronym_from_name(venue)
    short = _first(message.get("short-container-title"))
    if not acronym and kind == "journal" and short.lower() != venue.lower():
        acronym = short
    year, published_on = _crossref_date(message)
    doi = parse_doi(message.get("DOI") or "") or doi
    return PaperMetadata(
        title=title,
        authors=authors,
        abstract=_crossref_abstract(message.get("abstract", "")),
        year=year,
        published_on=published_on,
        venue_name=venue,
        venue_acronym=acronym,
        venue_kind=kind,
        doi=doi,
        url=web_url_or_empty(f"https://doi.org/{doi}"),
        source="crossref",
    )


# ---------------------------------------------------------------------- BibTeX

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_NAME_CHARS_RE = re.compile(r"[^\s\"#%'(),={}]+")
_NOT_ENTRIES = {"comment", "preamble", "string"}


class _BibTeXReader:
    """A small recursive-descent reader for .bib text.

    Returns every entry as (type, key, {field: raw value}); values keep their
    inner braces (they protect case and group accents) for ``_latex_to_text``.
    """

    def __init__(self, text: str):
        self.text = text
        self.pos = 0
        self.macros = {name: str(number) for name, number in _MONTHS.items() if len(name) == 3}

    def entries(self) -> list[tuple[str, str, dict[str, str]]]:
        found = []
        while True:
            at = self.text.find("@", self.pos)
            if at < 0:
                return found
            self.pos = at + 1
            kind = self._name().lower()
            self._skip_space()
            if not kind or self._peek() not in "{(":
                continue  # an "@" in surrounding text, e.g. an e-mail address
            close = "}" if self._peek() == "{" else ")"
            start_line = self._line()
            self.pos += 1
            if kind == "comment":
                self._braced_body(close)
            elif kind == "preamble":
                self._value()
                self._expect(close, start_line)
            elif kind == "string":
                self._skip_space()
                name = self._name().lower()
                self._skip_space()
                self._expect("=", start_line)
                self.macros[name] = self._value()
                self._expect(close, start_line)
            else:
                found.append(self._entry(kind, close, start_line))

    def _entry(self, kind: str, close: str, start_line: int) -> tuple[str, str, dict[str, str]]:
        self._skip_space()
        end = self.pos
        while end < len(self.text) and self.text[end] not in f",{close}\n":
            end += 1
        key = self.text[self.pos : end].strip()
        if "=" in key:
            key = ""  # no key: the entry starts straight with its first field
        else:
            self.pos = end
        fields: dict[str, str] = {}
        while True:
            self._skip_space()
            char = self._peek()
            if char == close:
                self.pos += 1
                return kind, key, fields
            if char == ",":
                self.pos += 1
                continue
            if not char:
                raise SourceError(
                    f"The BibTeX entry starting on line {start_line} is incomplete — "
                    "check that every { has a matching }."
                )
            name = self._name().lower()
            if not name:
                raise SourceError(
                    f"Unexpected “{char}” on line {self._line()} of the BibTeX — fields should look like title = {{…}}."
                )
            self._skip_space()
            self._expect("=", start_line)
            value = self._value()
            fields.setdefault(name, value)  # BibTeX itself keeps the first of duplicate fields

    def _value(self) -> str:
        parts = []
        while True:
            self._skip_space()
            char = self._peek()
            if char == "{":
                self.pos += 1
                parts.append(self._braced_body("}"))
            elif char == '"':
                self.pos += 1
                parts.append(self._quoted_body())
            elif char and (char.isalnum() or char in "_-.:+/"):
                word = self._name()
                parts.append(word if ascii_int(word) is not None else self.macros.get(word.lower(), ""))
            else:
                where = f"“{char}”" if char else "the end of the text"
                raise SourceError(f"Expected a field value on line {self._line()} of the BibTeX but found {where}.")
            self._skip_space()
            if self._peek() != "#":
                return "".join(parts)
            self.pos += 1

    def _braced_body(self, close: str) -> str:
        """Text up to the ``close`` that balances an opening already consumed."""
        start, depth = self.pos, 0
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "{":
                depth += 1
            elif char == "}" and depth:
                depth -= 1
            elif char == close and not depth:
                self.pos += 1
                return self.text[start : self.pos - 1]
            self.pos += 1
        raise SourceError(
            f"The BibTeX is incomplete: a {{ on line {self._line(start)} is never closed — "
            "check that every { has a matching }."
        )

    def _quoted_body(self) -> str:
        start, depth = self.pos, 0
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
            elif char == '"' and depth <= 0:
                self.pos += 1
                return self.text[start : self.pos - 1]
            self.pos += 1
        raise SourceError(f'The BibTeX is incomplete: a " on line {self._line(start)} is never closed.')

    def _name(self) -> str:
        match = _NAME_CHARS_RE.match(self.text, self.pos)
        if not match:
            return ""
        self.pos = match.end()
        return match.group(0)

    def _expect(self, char: str, start_line: int) -> None:
        self._skip_space()
        if self._peek() != char:
            found = f"“{self._peek()}”" if self._peek() else "the end of the text"
            raise SourceError(
                f"Expected “{char}” on line {self._line()} of the BibTeX entry starting on line "
                f"{start_line}, found {found}."
            )
        self.pos += 1

    def _skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _line(self, pos: int | None = None) -> int:
        return self.text.count("\n", 0, self.pos if pos is None else pos) + 1


# LaTeX → Unicode. Accents become combining marks and are composed with NFC.
_ACCENT_MARKS = {
    '"': "\u0308",
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
    "d": "\u0323",
    "b": "\u0331",
}
# The accented letter: {x}, {\i}, or a bare x / \i.
_ACCENTED = r"\s*(?:\{\s*(\\[ij]|[A-Za-z])\s*\}|(\\[ij](?![A-Za-z])|[A-Za-z]))"
_SYMBOL_ACCENT_RE = re.compile(r"""\\(["'`^~=.])""" + _ACCENTED)
_LETTER_ACCENT_RE = re.compile(r"\\([uvHckrdb])(?![A-Za-z])" + _ACCENTED)
_NAMED = {
    "ss": "ß",
    "o": "ø",
    "O": "Ø",
    "aa": "å",
    "AA": "Å",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "j": "ȷ",
    "LaTeX": "LaTeX",
    "TeX": "TeX",
    "ldots": "…",
    "dots": "…",
    "textendash": "–",
    "textemdash": "—",
    "textquoteright": "’",
    "textquoteleft": "‘",
    "textasciitilde": "~",
}
_NAMED_RE = re.compile(r"\\(" + "|".join(sorted(_NAMED, key=len, reverse=True)) + r")(?![A-Za-z])(?:\{\})?\s?")
_ESCAPED = {
    "&": "&",
    "%": "%",
    "$": "$",
    "#": "#",
    "_": "_",
    "{": "\ue000",
    "}": "\ue001",
    " ": " ",
    ",": " ",
}
_ESCAPED_RE = re.compile(r"\\([&%$#_{} ,])")
_COMMAND_RE = re.compile(r"\\[A-Za-z]+\*?\s*")  # \emph, \textbf, …: keep the argument, drop the command
_MATH_RE = re.compile(r"(?<!\\)\$.*?(?<!\\)\$", re.DOTALL)


def _accent(match: re.Match) -> str:
    base = match.group(2) or match.group(3)
    base = {"\\i": "i", "\\j": "j"}.get(base, base)
    return base + _ACCENT_MARKS[match.group(1)]


def _latex_text_part(text: str) -> str:
    text = text.replace("\\\\", " ")
    text = _SYMBOL_ACCENT_RE.sub(_accent, text)
    text = _LETTER_ACCENT_RE.sub(_accent, text)
    text = _NAMED_RE.sub(lambda m: _NAMED[m.group(1)], text)
    text = _ESCAPED_RE.sub(lambda m: _ESCAPED[m.group(1)], text)
    text = _COMMAND_RE.sub("", text)
    text = text.replace("---", "—").replace("--", "–").replace("``", "“").replace("''", "”")
    text = text.replace("~", " ").replace("{", "").replace("}", "")
    return text.replace("\ue000", "{").replace("\ue001", "}")


def _latex_to_text(value: str) -> str:
    """Decode the LaTeX found in titles and names; math (``$…$``) is left as written."""
    out, last = [], 0
    for match in _MATH_RE.finditer(value):
        out.append(_latex_text_part(value[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_latex_text_part(value[last:]))
    return _collapse(unicodedata.normalize("NFC", "".join(out)))


def _split_top_level(value: str, separator: str) -> list[str]:
    """Split on ``separator`` (a word like "and", or ",") outside braces."""
    parts, current, depth, i = [], [], 0, 0
    word = separator.isalpha()
    while i < len(value):
        char = value[i]
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            if word:
                match = re.match(rf"\s+{separator}\s+", value[i:], re.IGNORECASE)
                if match:
                    parts.append("".join(current))
                    current, i = [], i + match.end()
                    continue
            elif char == separator:
                parts.append("".join(current))
                current, i = [], i + 1
                continue
        current.append(char)
        i += 1
    parts.append("".join(current))
    return parts


def _bibtex_name(raw: str) -> str:
    """``"von Last, Jr, First"`` / ``"Last, First"`` / ``"First von Last"`` → ``"First von Last Jr"``."""
    parts = [_latex_to_text(p) for p in _split_top_level(raw.strip(), ",")]
    if len(parts) == 2:
        parts = [parts[1], parts[0]]
    elif len(parts) >= 3:
        parts = [parts[2], parts[0], parts[1]]
    name = _collapse(" ".join(parts))
    # DBLP tells namesakes apart with a number ("Wei Liu 0005"); it is not part of the name.
    return re.sub(r"\s+\d{4}$", "", name)


def _bibtex_authors(value: str) -> list[str]:
    names = [_bibtex_name(n) for n in _split_top_level(_collapse(value), "and")]
    return [n for n in names if n and n.lower() != "others"]


def _bibtex_year(value: str) -> int | None:
    match = re.search(r"\b(\d{4})\b", value or "")
    return int(match.group(1)) if match else None


def _bibtex_month(value: str) -> int | None:
    value = _latex_to_text(value or "").strip().lower().rstrip(".")
    number = ascii_int(value)
    if number is not None:
        return number if 1 <= number <= 12 else None
    return _MONTHS.get(value)


def _bibtex_arxiv(fields: dict[str, str]) -> tuple[str, int | None]:
    prefix = _collapse(fields.get("archiveprefix") or fields.get("eprinttype")).lower()
    candidates = []
    if prefix in ("", "arxiv"):
        candidates.append(fields.get("eprint", ""))
    if _collapse(fields.get("journal")).lower() == "corr":  # DBLP: volume = {abs/1706.03762}
        candidates.append(re.sub(r"^abs/", "", _collapse(fields.get("volume"))))
    for name in ("url", "journal", "journaltitle", "note", "howpublished", "doi"):
        text = fields.get(name, "")
        match = re.search(r"arxiv\.org/(?:abs|pdf)/(\S+?)(?:\.pdf)?(?:[?#}\s]|$)", text, re.IGNORECASE)
        match = match or re.search(r"arxiv:\s*([\w.\-/]+)", text, re.IGNORECASE)
        if match:
            candidates.append(match.group(1))
        elif name == "doi" and _arxiv_id_from_doi(parse_doi(text) or ""):
            candidates.append(_arxiv_id_from_doi(parse_doi(text) or ""))
    for candidate in candidates:
        parsed = parse_arxiv_id(_collapse(candidate).strip("{}"))
        if parsed:
            return parsed.id, parsed.version
    return "", None


def _bibtex_keywords(fields: dict[str, str]) -> list[str]:
    words = []
    primary = _collapse(fields.get("primaryclass"))
    if _CATEGORY_RE.match(primary):
        words.append(primary)
    for word in re.split(r"[,;]", _latex_to_text(fields.get("keywords") or fields.get("keyword") or "")):
        word = _collapse(word)
        # arXiv's DataCite export writes categories as "Machine Learning (cs.LG)".
        category = re.search(r"\(([a-z][a-z\-]*\.[A-Za-z\-]+)\)$", word)
        words.append(category.group(1) if category else word)
    return _unique(words)


def _bibtex_verbatim(value: str) -> str:
    """URLs and DOIs are not LaTeX text, but some exporters still escape ``_``, ``%``, ``&``, ``#``."""
    return re.sub(r"\\([_%&#~])", r"\1", _collapse(value).strip("{}")).replace(" ", "")


def _is_arxiv_venue(name: str) -> bool:
    return bool(re.match(r"^(?:corr|arxiv)\b", name.strip(), re.IGNORECASE))


def parse_bibtex(text: str) -> PaperMetadata:
    """Read ONE BibTeX entry (the first one, if several are pasted).

    ``@string`` macros and a ``crossref`` to a ``@proceedings`` entry pasted along
    with it (DBLP's "with crossref" export) are resolved.
    """
    if not text or not text.strip():
        raise SourceError("Paste a BibTeX entry, e.g. @article{key, title = {…}, author = {…}, year = {…}}.")
    entries = [e for e in _BibTeXReader(text).entries() if e[0] not in _NOT_ENTRIES]
    if not entries:
        raise SourceError(
            "This does not look like BibTeX: an entry starts with something like "
            "@article{key, … or @inproceedings{key, …"
        )
    kind, key, fields = entries[0]
    parent_key = _collapse(fields.get("crossref")).lower()
    for other_kind, other_key, other_fields in entries[1:]:
        if parent_key and other_key.lower() == parent_key:
            inherited = dict(other_fields)
            if other_kind == "proceedings" and "title" in inherited:
                inherited.setdefault("booktitle", inherited["title"])
            for name in ("booktitle", "journal", "year", "month", "publisher", "series", "volume"):
                if name in inherited:
                    fields.setdefault(name, inherited[name])

    title = _latex_to_text(fields.get("title", ""))
    if not title:
        raise SourceError("The BibTeX entry has no title = {…} field.")

    meta = PaperMetadata(
        title=title,
        authors=_bibtex_authors(fields.get("author", "")),
        abstract=_latex_to_text(fields.get("abstract", "")),
        source="bibtex",
    )
    if key.upper().startswith("DBLP:"):
        meta.dblp_key = key[5:]

    date = re.match(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", _collapse(fields.get("date")))
    if date:  # biblatex
        meta.year = int(date.group(1))
        meta.published_on = _make_date(meta.year, int(date.group(2) or 0) or None, int(date.group(3) or 0) or None)
    else:
        meta.year = _bibtex_year(_latex_to_text(fields.get("year", "")))
        day = re.sub(r"\D", "", fields.get("day", ""))
        meta.published_on = _make_date(meta.year, _bibtex_month(fields.get("month", "")), int(day or 0) or None)

    meta.arxiv_id, meta.arxiv_version = _bibtex_arxiv(fields)
    meta.url = web_url_or_empty(_bibtex_verbatim(fields.get("url", "")))
    doi = parse_doi(_bibtex_verbatim(fields.get("doi", ""))) or ""
    if not doi and "doi.org/" in meta.url:
        doi = parse_doi(meta.url) or ""
    meta.doi = "" if _arxiv_id_from_doi(doi) else doi
    meta.keywords = _bibtex_keywords(fields)

    journal = _latex_to_text(fields.get("journal") or fields.get("journaltitle") or "")
    booktitle = _latex_to_text(fields.get("booktitle", ""))
    if kind in ("inproceedings", "conference") and booktitle:
        meta.venue_name = booktitle
        meta.venue_kind = "workshop" if "workshop" in booktitle.lower() else "conference"
    elif journal and not _is_arxiv_venue(journal):
        meta.venue_name = journal
        meta.venue_kind = "journal" if kind == "article" else ""
    elif meta.arxiv_id:
        _arxiv_venue(meta)
    elif booktitle:
        meta.venue_name = booktitle

    if meta.venue_kind != "preprint":
        meta.venue_acronym = _acronym_from_name(meta.venue_name)
        conf = re.match(r"^conf/([a-z0-9]+)/", meta.dblp_key)
        if not meta.venue_acronym and conf and meta.venue_kind in ("conference", "workshop"):
            meta.venue_acronym = conf.group(1).upper()
    return meta
