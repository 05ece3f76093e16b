#!/usr/bin/env python
"""Page-speed benchmark of ShortScience at arXiv scale (``make bench``; see docs/performance.md).

1. Makes sure the bench database (``shortscience_bench`` on the site's PostgreSQL server) holds data
   at the requested scale, generating it with ``manage.py generate_bench_data`` (niced) when missing.
2. Boots Django against that database with production-like settings (DEBUG off, real cache).
3. Discovers the site's pages: a list of named scenarios (home, paper pages, venue-year page of arXiv, search,
   feeds, sitemaps, API, admin changelists …) whose URL names resolve *now*, plus every other GET page without
   URL arguments; scenarios whose URL does not exist yet are listed as skipped.
4. Measures each page in-process with the Django test client: the first (cold) request, then N timed requests
   after a warm-up (p50/p95/max), the SQL query count and the slowest query of one request.
5. Prints a table, writes ``bench-results.json`` and exits 1 if a page's p95 exceeds the budget (50 ms) unless
   ``--no-fail``. ``--explain`` prints EXPLAIN (ANALYZE, BUFFERS) of the slowest queries of the slowest pages;
   ``--http`` then runs ``scripts/bench_http.py`` (gunicorn with gunicorn.conf.py, wrk against every page and a
   hello-world view, see there).

Usage: ``scripts/bench.py [--full | --papers N --summaries M] [--requests 20] [--only REGEX] [--explain]
[--http [--http-args "--rounds 3 …"]] [--no-fail]``.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE = "shortscience_bench"
DEFAULT_SCALE = (250_000, 100_000)
FULL_SCALE = (2_500_000, 1_000_000)
BUDGET_MS = 50.0


# --- Django against the bench database -------------------------------------------------------------------


def production_like_environment(debug: bool) -> None:
    """Environment for settings as in production, minus HTTPS redirects (the test client speaks plain HTTP)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shortscience.settings")
    if not debug:
        os.environ["DEBUG"] = "0"
        os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    hosts = [h for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h]
    os.environ["ALLOWED_HOSTS"] = ",".join(dict.fromkeys([*hosts, "testserver", "127.0.0.1", "localhost"]))
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
    # Templates use {% static %}; the hashed manifest needs collectstatic, which a benchmark should not need.
    os.environ.setdefault("STATIC_MANIFEST", "0")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # This benchmark measures what rendering a page costs; answers from the page cache for anonymous readers are
    # measured over HTTP by scripts/bench_http.py (PAGE_CACHE_SECONDS=120 here would time cache reads).
    os.environ.setdefault("PAGE_CACHE_SECONDS", "0")


def setup_django(database: str, *, debug: bool = False, cache: bool = True) -> None:
    production_like_environment(debug)
    from django.conf import settings

    # Point the default connection at the bench database before anything connects.
    settings.DATABASES["default"]["NAME"] = database
    if not cache:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    import logging
    import warnings

    import django

    # whitenoise warns that STATIC_ROOT does not exist (no collectstatic for a benchmark).
    warnings.filterwarnings("ignore", message="No directory at")

    django.setup()
    # Errors are reported in the table; the request logger's tracebacks would drown it.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)


def ensure_data(database: str, papers: int, summaries: int, *, generate: bool) -> dict:
    """Generate bench data at this scale if the bench database does not hold it yet (idempotent)."""
    if generate:
        command = [
            "nice",
            "-n",
            "10",
            sys.executable,
            str(ROOT / "manage.py"),
            "generate_bench_data",
            "--papers",
            str(papers),
            "--summaries",
            str(summaries),
            "--database-name",
            database,
        ]
        env = {**os.environ, "DEBUG": "1"}
        print(f"$ {' '.join(command[3:])}", flush=True)
        subprocess.run(command, check=True, env=env, cwd=ROOT)
    return {}


# --- Sample objects and scenarios ------------------------------------------------------------------------


@dataclass
class Samples:
    """Representative objects of the bench data: the heaviest cases each page meets."""

    values: dict = field(default_factory=dict)

    @classmethod
    def collect(cls) -> Samples:
        from django.contrib.contenttypes.models import ContentType
        from django.db import connection
        from django.db.models import Count

        from accounts.models import User
        from papers.models import Paper, PaperAuthor, Venue
        from summaries.models import Summary

        v: dict = {}
        popular = Paper.objects.live().order_by("-summary_count", "id").first()
        v["popular_paper"] = popular
        with connection.cursor() as cursor:
            # A paper without summaries from the middle of the table (not first/last rows).
            cursor.execute("SELECT max(id) FROM papers_paper")
            middle = (cursor.fetchone()[0] or 0) // 2
        v["plain_paper"] = (
            Paper.objects.live().filter(summary_count=0, id__gte=middle).exclude(arxiv_id=None).order_by("id").first()
        )
        v["summary"] = Summary.objects.listed().filter(paper=popular).order_by("-comment_count", "id").first()
        v["busy_summary"] = Summary.objects.listed().order_by("-comment_count", "-score").first() or v["summary"]
        arxiv = Venue.objects.order_by("-paper_count").first()
        v["venue"] = arxiv
        year_counts = Paper.objects.filter(venue=arxiv).values("year").annotate(n=Count("id")).order_by("-n")
        v["venue_year"] = year_counts[0]["year"] if year_counts else 2020
        v["year"] = v["venue_year"]
        v["small_venue"] = Venue.objects.filter(paper_count__gt=0).order_by("paper_count").first()
        v["writer"] = User.objects.filter(summary_count__gt=0).order_by("-total_score", "id").first()
        v["member"] = User.objects.filter(is_superuser=False, banned_at=None).order_by("id").first()
        v["admin"] = User.objects.filter(is_superuser=True).order_by("id").first()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT author_id FROM papers_paperauthor WHERE author_id < 2000 GROUP BY author_id "
                "ORDER BY count(*) DESC LIMIT 1"
            )
            row = cursor.fetchone()
        from papers.models import Author

        v["author"] = Author.objects.filter(pk=row[0]).first() if row else Author.objects.first()
        v["author_papers"] = PaperAuthor.objects.filter(author=v["author"]).count() if v["author"] else 0
        from taggit.models import Tag, TaggedItem

        paper_type = ContentType.objects.get_for_model(Paper)
        top_tag = (
            TaggedItem.objects.filter(content_type=paper_type, tag_id__lte=50)
            .values("tag_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        v["keyword"] = Tag.objects.filter(pk=top_tag["tag_id"]).first() if top_tag else Tag.objects.first()
        # A rare word: the coined name in a paper title (appears in a handful of papers only).
        v["rare_word"] = "transformers"
        for title in Paper.objects.filter(title__contains=" with ").values_list("title", flat=True)[:50]:
            word = title.rsplit(" ", 1)[-1]
            if word.isalpha() and word[0].isupper():
                v["rare_word"] = word
                break
        v["common_word"] = "learning"
        return cls(v)

    def get(self, name):
        return self.values.get(name)


@dataclass
class Scenario:
    label: str
    url_names: list[str]
    kwargs: callable = None  # Samples -> dict of URL kwargs (None when the samples lack the object)
    query: callable = None  # Samples -> dict of GET parameters
    user: str = "anonymous"  # anonymous | member | writer | admin
    group: str = "reading"


def _slug(obj):
    return getattr(obj, "slug", None)


SCENARIOS = [
    Scenario("home", ["home"]),
    Scenario("home, page 20", ["home"], None, lambda s: {"page": 20}),
    Scenario("home, top of the week", ["home"], None, lambda s: {"top": "week"}),
    Scenario("home, top of the month", ["home"], None, lambda s: {"top": "month"}),
    Scenario("home, top of all time", ["home"], None, lambda s: {"top": "all"}),
    Scenario("paper, most summaries", ["discovery:paper"], lambda s: {"slug": _slug(s.get("popular_paper"))}),
    Scenario("paper, no summary", ["discovery:paper"], lambda s: {"slug": _slug(s.get("plain_paper"))}),
    Scenario("paper BibTeX", ["papers:bibtex"], lambda s: {"slug": _slug(s.get("popular_paper"))}),
    Scenario(
        "arXiv id look-up (redirect)",
        ["papers:arxiv"],
        lambda s: {"arxiv_id": s.get("plain_paper").arxiv_id} if s.get("plain_paper") else None,
    ),
    Scenario(
        "old /paper?bibtexKey= (redirect)",
        ["legacy:paper"],
        None,
        lambda s: {"bibtexKey": s.get("plain_paper").arxiv_id} if s.get("plain_paper") else None,
    ),
    Scenario(
        "summary page", ["discovery:summary"], lambda s: {"pk": s.get("summary").pk} if s.get("summary") else None
    ),
    Scenario(
        "summary page, most comments",
        ["discovery:summary"],
        lambda s: {"pk": s.get("busy_summary").pk} if s.get("busy_summary") else None,
    ),
    Scenario("venues", ["papers:venues", "papers:venue_list"]),
    Scenario("venue arXiv", ["papers:venue"], lambda s: {"slug": _slug(s.get("venue"))}),
    Scenario("venue, smallest", ["papers:venue"], lambda s: {"slug": _slug(s.get("small_venue"))}),
    Scenario(
        "venue-year arXiv",
        ["papers:venue_year"],
        lambda s: {"slug": _slug(s.get("venue")), "year": s.get("venue_year")},
    ),
    Scenario(
        "venue-year arXiv, page 40",
        ["papers:venue_year"],
        lambda s: {"slug": _slug(s.get("venue")), "year": s.get("venue_year")},
        lambda s: {"page": 40},
    ),
    Scenario("year", ["papers:year"], lambda s: {"year": s.get("year")}),
    Scenario("year, page 40", ["papers:year"], lambda s: {"year": s.get("year")}, lambda s: {"page": 40}),
    Scenario("writers", ["summaries:writers"]),
    Scenario("random summary (redirect)", ["summaries:random"]),
    Scenario("keyword, most used", ["papers:keyword"], lambda s: {"slug": _slug(s.get("keyword"))}),
    Scenario("author, most papers", ["papers:author"], lambda s: {"slug": _slug(s.get("author"))}),
    Scenario(
        "profile, top writer",
        ["members:profile"],
        lambda s: {"username": s.get("writer").username} if s.get("writer") else None,
    ),
    Scenario("search, common word", ["discovery:search"], None, lambda s: {"q": s.get("common_word")}),
    Scenario(
        "search, common word, page 5", ["discovery:search"], None, lambda s: {"q": s.get("common_word"), "page": 5}
    ),
    Scenario("search, two words", ["discovery:search"], None, lambda s: {"q": "contrastive transformers"}),
    Scenario("search, rare word", ["discovery:search"], None, lambda s: {"q": s.get("rare_word")}),
    Scenario("search, Chinese", ["discovery:search"], None, lambda s: {"q": "注意力"}),
    Scenario(
        "search, common word in arXiv 2020",
        ["discovery:search"],
        None,
        lambda s: {"q": s.get("common_word"), "venue": _slug(s.get("venue")), "year_from": 2020, "year_to": 2020},
    ),
    Scenario(
        "search, arXiv id (redirect)",
        ["discovery:search"],
        None,
        lambda s: {"q": s.get("plain_paper").arxiv_id} if s.get("plain_paper") else None,
    ),
    Scenario("search, no match", ["discovery:search"], None, lambda s: {"q": "qwertyuiopasdf"}),
    Scenario("feed latest (RSS)", ["discovery:feed-latest-rss"], group="feeds"),
    Scenario("feed latest (Atom)", ["discovery:feed-latest-atom"], group="feeds"),
    Scenario(
        "feed paper", ["discovery:feed-paper-rss"], lambda s: {"slug": _slug(s.get("popular_paper"))}, group="feeds"
    ),
    Scenario(
        "feed writer",
        ["discovery:feed-user-rss"],
        lambda s: {"username": s.get("writer").username} if s.get("writer") else None,
        group="feeds",
    ),
    Scenario(
        "feed venue arXiv", ["discovery:feed-venue-rss"], lambda s: {"slug": _slug(s.get("venue"))}, group="feeds"
    ),
    Scenario("sitemap index", ["discovery:sitemap"], group="feeds"),
    Scenario("robots.txt", ["discovery:robots"], group="feeds"),
    Scenario(
        "API paper look-up",
        ["api:paper-lookup"],
        None,
        lambda s: {"arxiv": s.get("popular_paper").arxiv_id or ""} if s.get("popular_paper") else None,
        group="api",
    ),
    Scenario(
        "API paper summaries",
        ["api:paper-summaries"],
        lambda s: {"pk": s.get("popular_paper").pk} if s.get("popular_paper") else None,
        group="api",
    ),
    Scenario("API latest summaries", ["api:latest-summaries"], group="api"),
    Scenario(
        "write page (member)",
        ["summaries:write"],
        lambda s: {"slug": _slug(s.get("popular_paper"))},
        user="member",
        group="member",
    ),
    Scenario(
        "summary revisions (writer)",
        ["summaries:revisions"],
        lambda s: {"pk": s.get("summary").pk} if s.get("summary") else None,
        user="writer",
        group="member",
    ),
    Scenario("settings (member)", ["members:settings"], user="member", group="member"),
    Scenario("home (member)", ["home"], user="member", group="member"),
    Scenario(
        "paper, most summaries (member)",
        ["discovery:paper"],
        lambda s: {"slug": _slug(s.get("popular_paper"))},
        user="member",
        group="member",
    ),
    Scenario("admin index", ["admin:index"], user="admin", group="admin"),
]
# Admin changelists (and a search on the biggest ones) are added for every registered model at run time.
ADMIN_SEARCHES = {"papers.paper": "learning", "summaries.summary": "gradient", "accounts.user": "reader1"}
# GET pages without URL arguments found by walking the URL conf are measured too, unless they only act.
# (OAuth provider endpoints are left out too: they need a configured provider; and ``/health/``, which also answers
# for the Celery worker's heartbeat, 503 without one: the bench runs none. ``/health/web/`` is measured.)
AUTO_EXCLUDE = re.compile(
    r"logout|delete|upload|preview|markdownify|vote|reauthenticate|inactive|confirm|email"
    r"|^(github|google|orcid)_|socialaccount_|^health$"
)


@dataclass
class Page:
    label: str
    url: str
    user: str
    group: str
    auto: bool = False


def build_pages(samples: Samples, only: str | None) -> tuple[list[Page], list[str]]:
    from django.contrib import admin
    from django.urls import NoReverseMatch, reverse

    pages, skipped, covered = [], [], set()
    for scenario in SCENARIOS:
        kwargs = scenario.kwargs(samples) if scenario.kwargs else {}
        query = scenario.query(samples) if scenario.query else {}
        if kwargs is None or query is None or any(value in (None, "") for value in (kwargs or {}).values()):
            skipped.append(f"{scenario.label} (no sample data)")
            continue
        url = None
        for name in scenario.url_names:
            try:
                url = reverse(name, kwargs=kwargs or None)
                covered.add(name)
                break
            except NoReverseMatch:
                continue
        if url is None:
            skipped.append(f"{scenario.label} ({' / '.join(scenario.url_names)} not built yet)")
            continue
        if query:
            url += "?" + urlencode(query)
        pages.append(Page(scenario.label, url, scenario.user, scenario.group))
    # Sitemap pages: the first section page listed by the index, and the last one (deep in the data).
    pages += sitemap_pages()
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        try:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        except NoReverseMatch:
            continue
        pages.append(Page(f"admin {opts.app_label}.{opts.model_name}", url, "admin", "admin"))
        term = ADMIN_SEARCHES.get(opts.label_lower)
        if term and model_admin.search_fields:
            pages.append(Page(f"admin {opts.label_lower} search", f"{url}?{urlencode({'q': term})}", "admin", "admin"))
    for name, route in parameterless_routes():
        if name in covered or AUTO_EXCLUDE.search(name) or name.startswith("admin:"):
            continue
        pages.append(Page(f"{name}", route, "anonymous", "other", auto=True))
    if only:
        pattern = re.compile(only, re.IGNORECASE)
        pages = [page for page in pages if pattern.search(page.label) or pattern.search(page.url)]
    return pages, skipped


def parameterless_routes() -> list[tuple[str, str]]:
    """(URL name, path) of every named route that takes no arguments."""
    from django.urls import NoReverseMatch, get_resolver, reverse

    found = []
    resolver = get_resolver()

    def walk(patterns, namespace):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace)
            elif pattern.name:
                name = namespace + pattern.name
                with contextlib.suppress(NoReverseMatch):
                    found.append((name, reverse(name)))

    walk(resolver.url_patterns, "")
    return sorted(set(found))


def sitemap_pages() -> list[Page]:
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    try:
        index = reverse("discovery:sitemap")
    except NoReverseMatch:
        return []
    response = Client().get(index)
    if response.status_code != 200:
        return []
    locations = re.findall(r"<loc>\s*https?://[^/<]+(/[^<\s]*)\s*</loc>", response.content.decode())
    if not locations:
        return []
    # The first page of each section (e.g. /sitemap-papers.xml), plus the deepest page of the biggest one.
    chosen = list(dict.fromkeys(loc for loc in locations if "p=" not in loc))
    deep = [loc for loc in locations if "p=" in loc]
    if deep:
        chosen.append(deep[-1])
    return [Page(f"sitemap {loc}", loc, "anonymous", "feeds") for loc in chosen[:6]]


# --- Measuring --------------------------------------------------------------------------------------------


@dataclass
class Result:
    label: str
    url: str
    user: str
    group: str
    status: int = 0
    first_ms: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    max_ms: float = 0.0
    # Median CPU time of this (Python) process per request: rendering and ORM work, without database time.
    cpu_ms: float = 0.0
    queries: int = 0
    query_ms: float = 0.0
    slowest_query_ms: float = 0.0
    slowest_query: str = ""
    bytes: int = 0
    error: str = ""
    auto: bool = False


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def measure(pages: list[Page], samples: Samples, *, requests: int, warmup: int) -> list[Result]:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    clients = {"anonymous": Client()}
    for role, sample in (("member", "member"), ("writer", "writer"), ("admin", "admin")):
        user = samples.get(sample)
        if user is not None:
            client = Client()
            client.force_login(user)
            clients[role] = client
    # The writer of the sample summary, for writer-only pages.
    summary = samples.get("summary")
    if summary is not None and summary.writer_id:
        client = Client()
        client.force_login(summary.writer)
        clients["writer"] = client

    # Every request comes from another client address, as bench_http.py's do: the per-address rate limits (120
    # searches in 10 minutes) would otherwise answer the later search scenarios with 429 pages, measured as if
    # they were searches.
    addresses = (f"10.{n // 250 % 250}.{n % 250}.9" for n in itertools.count())

    def get(client, url):
        return client.get(url, REMOTE_ADDR=next(addresses))

    results = []
    for page in pages:
        client = clients.get(page.user)
        result = Result(page.label, page.url, page.user, page.group, auto=page.auto)
        if client is None:
            result.error = f"no {page.user} account in the bench data"
            results.append(result)
            continue
        try:
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                response = get(client, page.url)
            result.first_ms = (time.perf_counter() - started) * 1000
            result.status = response.status_code
            result.bytes = len(getattr(response, "content", b"") or b"")
            queries = captured.captured_queries
            result.queries = len(queries)
            result.query_ms = sum(float(q["time"]) for q in queries) * 1000
            if queries:
                slowest = max(queries, key=lambda q: float(q["time"]))
                result.slowest_query_ms = float(slowest["time"]) * 1000
                result.slowest_query = slowest["sql"]
            for _ in range(warmup):
                get(client, page.url)
            timings, cpu, statuses = [], [], set()
            for _ in range(requests):
                started, started_cpu = time.perf_counter(), time.process_time()
                statuses.add(get(client, page.url).status_code)
                timings.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
            if statuses - {result.status}:
                # Timings of other answers than the first one's would be measured as the page's.
                raise RuntimeError(f"answered {sorted(statuses)} after {result.status} on the first request")
            reset_queries()
            result.p50_ms = statistics.median(timings)
            result.p95_ms = percentile(timings, 0.95)
            result.max_ms = max(timings)
            result.cpu_ms = statistics.median(cpu)
        except Exception as error:  # a broken page is a result too
            result.error = f"{type(error).__name__}: {error}"[:300]
        results.append(result)
        print(_row(result), flush=True)
    return results


def _row(r: Result) -> str:
    flag = "" if r.error else ("  OVER" if r.p95_ms > BUDGET_MS else "")
    if r.error:
        return f"{r.label[:38]:<38} {'ERROR':>5}  {r.error[:90]}"
    return (
        f"{r.label[:38]:<38} {r.status:>5} {r.first_ms:8.1f} {r.p50_ms:7.1f} {r.p95_ms:7.1f} {r.max_ms:7.1f} "
        f"{r.cpu_ms:6.1f} {r.queries:5d} {r.slowest_query_ms:8.1f}{flag}"
    )


HEADER = (
    f"{'page':<38} {'code':>5} {'first':>8} {'p50':>7} {'p95':>7} {'max':>7} {'app':>6} {'SQL':>5} {'slowest':>8}\n"
    f"{'':<38} {'':>5} {'ms':>8} {'ms':>7} {'ms':>7} {'ms':>7} {'CPU ms':>6} {'#':>5} {'SQL ms':>8}"
)


def markdown_table(results: list[Result]) -> str:
    """The results as a Markdown table (for docs/performance.md)."""
    lines = [
        "| page | status | first ms | p50 ms | p95 ms | max ms | app CPU ms | SQL queries | slowest SQL ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        if r.error:
            lines.append(f"| {r.label} | error | | | | | | | {r.error[:60]} |")
            continue
        over = " **over**" if r.p95_ms > BUDGET_MS else ""
        lines.append(
            f"| {r.label} | {r.status} | {r.first_ms:.0f} | {r.p50_ms:.1f} | {r.p95_ms:.1f}{over} | {r.max_ms:.0f} "
            f"| {r.cpu_ms:.1f} | {r.queries} | {r.slowest_query_ms:.1f} |"
        )
    return "\n".join(lines) + "\n"


def explain(results: list[Result], top: int) -> list[dict]:
    from django.db import connection

    plans = []
    candidates = sorted((r for r in results if r.slowest_query), key=lambda r: r.p95_ms, reverse=True)[:top]
    for result in candidates:
        sql = result.slowest_query
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            continue
        with connection.cursor() as cursor:
            try:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            except Exception as error:
                plan = f"(could not explain: {error})"
        plans.append({"page": result.label, "url": result.url, "sql": sql, "plan": plan})
        print(
            f"\n=== {result.label} ({result.url}) p95 {result.p95_ms:.1f} ms; slowest query "
            f"{result.slowest_query_ms:.1f} ms\n{sql[:1500]}\n--- plan\n{plan}"
        )
    return plans


# --- HTTP throughput (gunicorn) --------------------------------------------------------------------------
# scripts/bench_http.py: gunicorn with gunicorn.conf.py and wrk against every page, next to a hello-world view.


# --- Main -------------------------------------------------------------------------------------------------


def data_description() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_meta') IS NOT NULL")
        meta = {}
        if cursor.fetchone()[0]:
            cursor.execute("SELECT value FROM bench_meta WHERE key = 'spec'")
            row = cursor.fetchone()
            meta = (json.loads(row[0]) if isinstance(row[0], str) else row[0]) if row else {}
        cursor.execute("SELECT version()")
        meta["postgres"] = cursor.fetchone()[0].split(" on ")[0]
        cursor.execute("SHOW shared_buffers")
        meta["shared_buffers"] = cursor.fetchone()[0]
    return meta


def main(argv=None) -> int:
    global BUDGET_MS
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-name", default=DEFAULT_DATABASE)
    parser.add_argument("--papers", type=int, default=None)
    parser.add_argument("--summaries", type=int, default=None)
    parser.add_argument("--full", action="store_true", help="2.5 million papers and 1 million summaries")
    parser.add_argument("--no-generate", action="store_true", help="measure whatever the bench database holds")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--budget", type=float, default=BUDGET_MS, help="p95 budget per page in ms")
    parser.add_argument("--only", help="regular expression: only pages whose label or URL matches")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slowest pages' slowest query")
    parser.add_argument("--explain-top", type=int, default=8)
    parser.add_argument(
        "--http",
        action="store_true",
        help="also measure throughput over HTTP (scripts/bench_http.py: gunicorn + wrk, ratio to hello-world)",
    )
    parser.add_argument("--http-args", default="", help="more arguments for scripts/bench_http.py, quoted")
    parser.add_argument("--no-cache", action="store_true", help="dummy cache: measure every page uncached")
    parser.add_argument("--debug", action="store_true", help="keep DEBUG from the environment")
    parser.add_argument("--no-fail", action="store_true", help="report only; exit 0 even over budget")
    parser.add_argument("--output", default=str(ROOT / "bench-results.json"))
    parser.add_argument("--markdown", metavar="PATH", help="also write the table as Markdown to PATH")
    args = parser.parse_args(argv)
    BUDGET_MS = args.budget
    papers, summaries = FULL_SCALE if args.full else DEFAULT_SCALE
    papers = args.papers or papers
    summaries = args.summaries or summaries
    if not args.no_generate:
        ensure_data(args.database_name, papers, summaries, generate=True)
    setup_django(args.database_name, debug=args.debug, cache=not args.no_cache)
    from django.conf import settings

    data = data_description()
    print(
        f"\nBench database {args.database_name}: {data.get('papers', '?'):,} papers, {data.get('summaries', '?'):,}"
        f" summaries, {data.get('users', '?')} members ({data.get('size', '?')}); {data.get('postgres')},"
        f" shared_buffers {data.get('shared_buffers')}; DEBUG={settings.DEBUG}; cache"
        f" {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}; {args.requests} requests per page after"
        f" {args.warmup} warm-up; budget p95 <= {BUDGET_MS:.0f} ms\n"
        if isinstance(data.get("papers"), int)
        else f"\nBench database {args.database_name}: {data}\n"
    )
    load_before = os.getloadavg()
    print(
        f"Load average before measuring: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f} "
        f"({os.cpu_count()} CPUs): wall-clock times grow with it."
    )
    samples = Samples.collect()
    pages, skipped = build_pages(samples, args.only)
    print(HEADER)
    results = measure(pages, samples, requests=args.requests, warmup=args.warmup)
    over = [r for r in results if not r.error and r.p95_ms > BUDGET_MS]
    broken = [r for r in results if r.error or r.status >= 500]
    if skipped:
        print("\nSkipped (URL not built yet or no sample):\n  " + "\n  ".join(skipped))
    print(f"\n{len(results)} pages measured; {len(over)} over the {BUDGET_MS:.0f} ms p95 budget; {len(broken)} broken.")
    for r in over:
        print(
            f"  OVER  {r.label}: p95 {r.p95_ms:.1f} ms, {r.queries} queries, slowest query {r.slowest_query_ms:.1f} ms"
        )
    for r in broken:
        print(f"  BROKEN  {r.label} ({r.url}): {r.error or r.status}")
    plans = explain(results, args.explain_top) if args.explain else []
    http = None
    if args.http:
        import shlex

        from django.db import connections

        connections.close_all()
        command = [sys.executable, str(ROOT / "scripts" / "bench_http.py"), "--database-name", args.database_name]
        command += shlex.split(args.http_args)
        print(f"\n$ {' '.join(command[1:])}", flush=True)
        http = {"exit_status": subprocess.run(command, cwd=ROOT).returncode, "results": "bench-http-results.json"}
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": sys.platform,
            "python": sys.version.split()[0],
            "load_average_before": load_before,
            "load_average_after": os.getloadavg(),
        },
        "database": args.database_name,
        "data": data,
        "budget_ms": BUDGET_MS,
        "requests_per_page": args.requests,
        "results": [asdict(r) for r in results],
        "skipped": skipped,
        "explain": plans,
        "http": http,
    }
    Path(args.output).write_text(json.dumps(report, indent=2, default=str))
    if args.markdown:
        Path(args.markdown).write_text(markdown_table(results))
    print(f"Results written to {args.output}")
    if (over or broken) and not args.no_fail:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
