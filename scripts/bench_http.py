#!/usr/bin/env python
"""Throughput over real HTTP: gunicorn (gunicorn.conf.py) on the bench data, wrk against every public page.

``make bench BENCH_ARGS=--http`` (or ``make bench-http``; see docs/performance.md, "Throughput"):

1. Uses the bench database ``bench.py`` fills (``--database-name``, default ``shortscience_bench``) and picks
   the same sample objects: the paper with most summaries, its busiest summary, arXiv's busiest year, the most
   used keyword, the most prolific author, the top writer, a signed-in member (a real session in the database).
2. Starts gunicorn with the site's configuration file (``--config``; worker class, workers and threads can be
   overridden) and ``BENCH=1``, which adds ``/bench/hello/``: a plain ``HttpResponse`` through the same middleware.
3. Times the first request of the fresh server (``/bench/hello/``, then every page once: empty page cache).
4. For hello-world (at the start and at the end: the reference is their mean) and every page: warm-up, then
   ``--rounds`` rounds of ``wrk -c --connections -d --duration --latency``; prints each page's req/s (median of
   the rounds), its share of hello-world's, p50, p95 and p99 (median of the rounds) and the load average.
   "search, miss" sends a new query each request (two vocabulary words and a page, never repeated in a run:
   each wrk thread and each round walks its own part of a permutation of every such query; ``search_miss_lua``).
5. Writes everything to ``--output`` (JSON) and, with ``--markdown PATH``, the table as Markdown.

Needs ``wrk`` (``apt-get install wrk``). Usage: ``scripts/bench_http.py [--database-name N] [--rounds 3]
[--duration 10] [--connections 8] [--only REGEX] [--worker-class sync|gthread] [--workers N] [--threads N]
[--page-cache-seconds S] [--no-preload] [--redis-url URL] [--label TEXT]``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench  # noqa: E402  (scripts/bench.py: the bench database, Django set-up and sample objects)

SECRET_KEY = "bench-http-only-" + secrets.token_urlsafe(40)

# Lua for wrk: every request comes from another of 60,000 client addresses (X-Forwarded-For, with the server
# trusting one proxy), as on a real site: the per-address rate limits (120 searches in 10 minutes) stay out of
# the measurement.
CLIENTS_LUA = """
local n = 0
local function headers()
  n = n + 1
  local h = {}
  for k, v in pairs(wrk.headers) do h[k] = v end
  h["X-Forwarded-For"] = "10." .. (n %% 240) .. "." .. (math.floor(n / 240) %% 250) .. ".7"
  return h
end
"""
FIXED_PATH_LUA = (
    CLIENTS_LUA
    + """
request = function() return wrk.format("GET", %s, headers()) end
"""
)
# wrk's --latency table stops at 50/75/90/99 %; the members' target is a p95.
P95_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("p95_us %d\\n", latency:percentile(95)))
end
"""
# A search nobody made before on every request: two words of the bench vocabulary and a page (1–3). Every such
# query is a number k in [0, space); a round's requests take k = base, base + 1, … (thread t of T takes
# base + t + T·(n - 1)), through a permutation of the space (k·PERMUTE mod space) so consecutive requests search
# unrelated words. Rounds get disjoint runs of k (``search_miss_lua``): no query repeats within a bench run, whose
# cache is its own (CACHE_KEY_PREFIX). Without this, every round and both wrk threads replayed the same queries, and
# many requests were answered from the search or page cache.
SEARCH_MISS_LUA = (
    CLIENTS_LUA
    + """
local words = {%s}
local base, threads, permute = %d, %d, %d
local space = #words * #words * 3
local count = 0
function setup(thread)
  thread:set("tid", count)
  count = count + 1
end
request = function()
  local h = headers()
  local k = ((base + tid + threads * (n - 1)) %% space) * permute %% space
  local i = k %% #words + 1
  local j = math.floor(k / #words) %% #words + 1
  local page = math.floor(k / (#words * #words)) + 1
  return wrk.format("GET", "/search/?q=" .. words[i] .. "+" .. words[j] .. "&page=" .. page, h)
end
"""
)
# A prime that shares no factor with the space (76 words: 17,328 = 2^4 · 3 · 19^2), so k·PERMUTE mod space
# visits every query once.
SEARCH_MISS_PERMUTE = 7919


@dataclass
class Target:
    label: str
    path: str
    user: str = "anonymous"  # anonymous | member
    # A wrk script instead of a fixed path: ``lua(round, rounds, threads)`` builds each round's.
    lua: Callable[[int, int, int], str] | None = None


@dataclass
class Row:
    label: str
    path: str
    user: str
    rps: float = 0.0
    rps_rounds: list = field(default_factory=list)
    ratio: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    first_ms: float = 0.0
    non_2xx: int = 0
    errors: int = 0
    status: int = 0
    load: tuple = ()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def targets(samples, session_cookie: str) -> list[Target]:
    from django.urls import NoReverseMatch, reverse

    s = samples.get
    wanted = [
        ("home", "home", {}, {}),
        ("paper, most summaries", "discovery:paper", {"slug": getattr(s("popular_paper"), "slug", None)}, {}),
        ("summary", "discovery:summary", {"pk": getattr(s("summary"), "pk", None)}, {}),
        ("venue", "papers:venue", {"slug": getattr(s("venue"), "slug", None)}, {}),
        (
            "venue-year",
            "papers:venue_year",
            {"slug": getattr(s("venue"), "slug", None), "year": s("venue_year")},
            {},
        ),
        ("keyword", "papers:keyword", {"slug": getattr(s("keyword"), "slug", None)}, {}),
        ("author", "papers:author", {"slug": getattr(s("author"), "slug", None)}, {}),
        ("profile", "members:profile", {"username": getattr(s("writer"), "username", None)}, {}),
        ("search, cached", "discovery:search", {}, {"q": s("common_word")}),
        ("RSS feed", "discovery:feed-latest-rss", {}, {}),
        ("sitemap index", "discovery:sitemap", {}, {}),
        ("API latest summaries", "api:latest-summaries", {}, {}),
        ("API paper summaries", "api:paper-summaries", {"pk": getattr(s("popular_paper"), "pk", None)}, {}),
    ]
    # The digest's and the arXiv categories' pages (issue 13), on the day digest_sample() filed.
    day = s("digest_day")
    if day:
        wanted += [
            ("digest, latest", "digest:latest", {}, {}),
            ("digest, day", "digest:day", {"day": day.isoformat()}, {}),
            ("arXiv category", "papers:category", {"code": DIGEST_CATEGORIES[0]}, {}),
            ("arXiv category, new", "papers:category_new", {"code": DIGEST_CATEGORIES[0]}, {}),
        ]
    found = []
    for label, name, kwargs, query in wanted:
        if any(value in (None, "") for value in kwargs.values()):
            print(f"  skipped {label}: no sample", flush=True)
            continue
        try:
            path = reverse(name, kwargs=kwargs or None)
        except NoReverseMatch:
            continue
        found.append(Target(label, path + ("?" + urlencode(query) if query else "")))
    found.append(Target("search, miss", "/search/?q=(new each request)", lua=search_miss_lua))
    if session_cookie:
        for label, name, kwargs in (
            ("home (member)", "home", {}),
            ("paper, most summaries (member)", "discovery:paper", {"slug": s("popular_paper").slug}),
            ("summary (member)", "discovery:summary", {"pk": s("summary").pk}),
            ("settings (member)", "members:settings", {}),
        ):
            found.append(Target(label, reverse(name, kwargs=kwargs or None), user="member"))
        # Pages whose lists are kept for every reader (papers.pagination.kept_page, the digest's article).
        if s("venue") is not None and s("venue_year"):
            path = reverse("papers:venue_year", kwargs={"slug": s("venue").slug, "year": s("venue_year")})
            found.append(Target("venue-year (member)", path, user="member"))
        if day:
            found.append(Target("digest, latest (member)", reverse("digest:latest"), user="member"))
            path = reverse("papers:category_new", kwargs={"code": DIGEST_CATEGORIES[0]})
            found.append(Target("arXiv category, new (member)", path, user="member"))
    return found


DIGEST_CATEGORIES = ("cs.LG", "cs.CV")
DIGEST_DAY_PAPERS = 600  # a busy announcement day
DIGEST_ENTRIES = 40


def digest_sample(samples) -> None:
    """File one busy announcement day of the bench papers under two categories and publish a digest of it (once
    per bench database: reused when it exists). Adds ``digest_day`` to the samples."""
    import datetime

    from django.db import transaction

    from digest.models import Digest, DigestEntry
    from papers.models import Paper, PaperAuthor, PaperCategory

    day = datetime.date(2026, 12, 4)
    digest = Digest.objects.filter(date=day).first()  # a run that stopped before publishing left a draft
    if digest is None:
        with transaction.atomic():
            papers = list(Paper.objects.live().exclude(arxiv_id=None).order_by("-id")[:DIGEST_DAY_PAPERS])
            Paper.objects.filter(pk__in=[p.pk for p in papers]).update(announced_on=day)
            PaperCategory.objects.bulk_create(
                [
                    PaperCategory(paper=paper, category_id=code, position=i, announced_on=day)
                    for n, paper in enumerate(papers)
                    for i, code in enumerate(DIGEST_CATEGORIES if n % 3 == 0 else DIGEST_CATEGORIES[n % 2 :][:1])
                ],
                ignore_conflicts=True,
            )
            for authorship in PaperAuthor.objects.filter(paper__in=papers[:DIGEST_ENTRIES], position__lt=3):
                authorship.affiliations = [f"University {authorship.position + 1}"]
                authorship.save(update_fields=["affiliations"])
            digest = Digest.objects.create(date=day, title="Bench digest", intro="A day of **new** papers.")
            for position, paper in enumerate(papers[:DIGEST_ENTRIES], start=1):
                DigestEntry(
                    digest=digest,
                    paper=paper,
                    category_id=DIGEST_CATEGORIES[position % 2],
                    position=position,
                    starred=position % 4 == 0,
                    note="研究了损失景观几何与神经切核的时间演化。" if position % 2 else "A short note with $x^2$.",
                    language="zh-Hans" if position % 2 else "en",
                ).save()
    if digest.state != Digest.State.PUBLISHED:
        digest.publish(None)
    samples.values["digest_day"] = day


def _miss_vocabulary() -> list[str]:
    words = json.loads((ROOT / "shortscience" / "bench_words.json").read_text())
    return [w for w in words.get("nouns", []) + words.get("adjectives", []) if re.fullmatch(r"[a-z]+", w)]


def search_miss_room(rounds: int) -> int:
    """How many requests a round of "search, miss" can make before its queries repeat."""
    return len(_miss_vocabulary()) ** 2 * 3 // rounds


# Where this run's walk of the queries starts: another run (another process) starts elsewhere.
_MISS_START = secrets.randbelow(1 << 30)


def search_miss_lua(round_index: int, rounds: int, threads: int) -> str:
    """The wrk script of one round of "search, miss": its own run of queries (``SEARCH_MISS_LUA``)."""
    vocabulary = _miss_vocabulary()
    space = len(vocabulary) ** 2 * 3
    if math.gcd(space, SEARCH_MISS_PERMUTE) != 1:
        raise ValueError(f"SEARCH_MISS_PERMUTE shares a factor with the {space} queries: not a permutation")
    base = (_MISS_START + round_index * search_miss_room(rounds)) % space
    return SEARCH_MISS_LUA % (", ".join(f'"{w}"' for w in vocabulary), base, threads, SEARCH_MISS_PERMUTE)


def member_session(samples) -> str:
    from django.test import Client

    member = samples.get("member")
    if member is None:
        return ""
    client = Client()
    client.force_login(member)
    return client.cookies["sessionid"].value


def server_environment(args, port: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
    from django.conf import settings

    db = settings.DATABASES["default"]
    host = db["HOST"] or "127.0.0.1"
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    env.update(
        DATABASE_URL=f"postgresql://{user}{password}@{host}:{db['PORT'] or 5432}/{args.database_name}",
        DEBUG="0",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        STATIC_MANIFEST="0",
        LOG_LEVEL="WARNING",
        BENCH="1",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_ACCESS_LOG="",
        GUNICORN_LOG_LEVEL="warning",
        TRUSTED_PROXY_COUNT="1",  # wrk's requests name their client in X-Forwarded-For (see CLIENTS_LUA)
        # Each run starts with an empty page cache of its own (nothing is ever flushed).
        CACHE_KEY_PREFIX=f"bench-http-{secrets.token_hex(4)}",
    )
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    else:
        env.pop("REDIS_URL", None)
    if args.worker_class:
        env["GUNICORN_WORKER_CLASS"] = args.worker_class
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    if args.threads:
        env["GUNICORN_THREADS"] = str(args.threads)
    # The server runs as production does: bench.setup_django switched the page cache off in this process's
    # environment (for the in-process benchmark), so the server's value is always set here.
    env["PAGE_CACHE_SECONDS"] = str(args.page_cache_seconds if args.page_cache_seconds is not None else 120)
    if args.no_preload:
        env["WSGI_WARM_UP"] = "0"
    return env


def start_server(args, env, port):
    command = [sys.executable, "-m", "gunicorn", "-c", args.config, "shortscience.wsgi:application"]
    if args.no_preload:
        # The baseline (issue 14's measurement): gunicorn's defaults, no preloading, no configuration file
        # (gunicorn would read ./gunicorn.conf.py by default; /dev/null is an empty one).
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "/dev/null",
            "shortscience.wsgi:application",
            "--bind",
            env["GUNICORN_BIND"],
            "--workers",
            env.get("WEB_CONCURRENCY", "3"),
            "--worker-class",
            args.worker_class or "sync",
            "--threads",
            env.get("GUNICORN_THREADS", "1"),
            "--log-level",
            "warning",
        ]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.1)
    else:
        raise RuntimeError("gunicorn did not start")
    return process, (time.perf_counter() - started) * 1000


def get(port: int, path: str, cookie: str = "") -> tuple[int, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Host": "127.0.0.1"}
    if cookie:
        headers["Cookie"] = cookie
    started = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status, (time.perf_counter() - started) * 1000


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    return float(match.group(1)) * _UNITS[match.group(2)] if match else 0.0


def run_wrk(
    port: int, target: Target, *, duration: int, connections: int, cookie: str, wrk: str, round_index=0, rounds=1
) -> dict:
    threads = min(2, connections)
    command = [
        wrk,
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{duration}s",
        "--latency",
        "-H",
        "Host: 127.0.0.1",
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        lua = target.lua(round_index, rounds, threads) if target.lua else FIXED_PATH_LUA % json.dumps(target.path)
        script.write(lua + P95_LUA)
    command += ["-s", script.name, f"http://127.0.0.1:{port}/"]
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60).stdout
    finally:
        os.unlink(script.name)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    requests = re.search(r"(\d+) requests in", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    p95 = re.search(r"^p95_us (\d+)$", out, re.M)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "requests": int(requests.group(1)) if requests else 0,
        "p50": _ms(p50.group(1)) if p50 else 0.0,
        "p95": int(p95.group(1)) / 1000 if p95 else 0.0,
        "p99": _ms(p99.group(1)) if p99 else 0.0,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "errors": sum(int(n) for n in errors.groups()) if errors else 0,
    }


def measure(port, target, args, cookie, wrk) -> Row:
    row = Row(target.label, target.path, target.user)
    if not target.lua:
        for _ in range(args.warmup):
            row.status, _ = get(port, target.path, cookie)
    rounds = [
        run_wrk(
            port,
            target,
            duration=args.duration,
            connections=args.connections,
            cookie=cookie,
            wrk=wrk,
            round_index=index,
            rounds=args.rounds,
        )
        for index in range(args.rounds)
    ]
    if target.lua is search_miss_lua and max(r["requests"] for r in rounds) > search_miss_room(args.rounds):
        # (Not a failure of the site: the bench ran out of new queries, and the later ones were cache hits.)
        print(f"  {target.label}: more requests than new queries in a round; fewer rounds or a shorter duration")
    row.rps_rounds = [r["rps"] for r in rounds]
    row.rps = statistics.median(row.rps_rounds)
    row.p50_ms = statistics.median(r["p50"] for r in rounds)
    row.p95_ms = statistics.median(r["p95"] for r in rounds)
    row.p99_ms = statistics.median(r["p99"] for r in rounds)
    row.non_2xx = sum(r["non_2xx"] for r in rounds)
    row.errors = sum(r["errors"] for r in rounds)
    row.load = os.getloadavg()
    return row


def line(row: Row) -> str:
    flags = f"  {row.non_2xx} non-2xx" if row.non_2xx else ""
    flags += f"  {row.errors} socket errors" if row.errors else ""
    return (
        f"{row.label[:34]:<34} {row.rps:9.0f} {row.ratio * 100:7.1f} % {row.p50_ms:7.1f} {row.p95_ms:7.1f} "
        f"{row.p99_ms:7.1f} "
        f"{row.first_ms:8.1f}   {row.load[0]:.2f}{flags}"
    )


def markdown(rows: list[Row], hello: float) -> str:
    out = [
        f"| page | req/s | share of hello-world ({hello:,.0f} req/s) | p50 / p95 / p99 ms | first request ms | load |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        out.append(
            f"| {row.label} | {row.rps:,.0f} | {row.ratio * 100:.1f} % "
            f"| {row.p50_ms:.1f} / {row.p95_ms:.1f} / {row.p99_ms:.1f} "
            f"| {row.first_ms:.0f} | {row.load[0]:.1f} |"
        )
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-name", default=bench.DEFAULT_DATABASE)
    parser.add_argument("--config", default=str(ROOT / "gunicorn.conf.py"))
    parser.add_argument("--worker-class", default=None, choices=["sync", "gthread"], help="default: the config's")
    parser.add_argument("--workers", type=int, default=None, help="default: the config's (WEB_CONCURRENCY)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--no-preload", action="store_true", help="baseline: no preloading, no warm-up")
    parser.add_argument("--page-cache-seconds", type=int, default=None, help="0 switches the page cache off")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=10, help="requests per page before measuring")
    parser.add_argument("--only", help="regular expression: only pages whose label matches (hello always runs)")
    parser.add_argument("--label", default="")
    parser.add_argument("--output", default=str(ROOT / "bench-http-results.json"))
    parser.add_argument("--markdown", metavar="PATH")
    args = parser.parse_args(argv)

    wrk = shutil.which("wrk") or "/usr/bin/wrk"
    if not Path(wrk).exists():
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 2
    os.environ["SECRET_KEY"] = SECRET_KEY  # the member's session must be valid for gunicorn
    bench.setup_django(args.database_name)
    samples = bench.Samples.collect()
    digest_sample(samples)
    cookie_value = member_session(samples)
    pages = targets(samples, cookie_value)
    if args.only:
        pattern = re.compile(args.only, re.IGNORECASE)
        pages = [page for page in pages if pattern.search(page.label)]
    from django.db import connections

    connections.close_all()

    port = free_port()
    env = server_environment(args, port)
    load_before = os.getloadavg()
    process, boot_ms = start_server(args, env, port)
    rows: list[Row] = []
    try:
        hello = Target("hello-world", "/bench/hello/")
        status, hello_first = get(port, hello.path)
        if status != 200:
            raise RuntimeError(f"/bench/hello/ answered {status}: is BENCH=1 honoured?")
        firsts = {}
        for page in pages:
            if not page.lua:
                cookie = f"sessionid={cookie_value}" if page.user == "member" else ""
                firsts[page.label] = get(port, page.path, cookie)[1]
        print(
            f"\ngunicorn ({args.worker_class or 'config'}, config {Path(args.config).name}, "
            f"{'no preload' if args.no_preload else 'preloaded'}, workers {env.get('WEB_CONCURRENCY', 'config')}, "
            f"page cache {env.get('PAGE_CACHE_SECONDS', 'default')} s, "
            f"cache {'Redis' if args.redis_url else 'PostgreSQL'}) "
            f"listening after {boot_ms:.0f} ms; first request {hello_first:.1f} ms. wrk: {args.connections} "
            f"connections, {args.duration} s × {args.rounds} rounds. {os.cpu_count()} CPUs, load average "
            f"{load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}.\n"
        )
        columns = f"{'req/s':>9} {'share':>9} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'first ms':>8}"
        print(f"{'page':<34} {columns}   load")
        hello_start = measure(port, hello, args, "", wrk)
        hello_start.first_ms = hello_first
        hello_start.ratio = 1.0
        print(line(hello_start), flush=True)
        for page in pages:
            cookie = f"sessionid={cookie_value}" if page.user == "member" else ""
            row = measure(port, page, args, cookie, wrk)
            row.first_ms = firsts.get(page.label, 0.0)
            row.ratio = row.rps / hello_start.rps if hello_start.rps else 0.0
            rows.append(row)
            print(line(row), flush=True)
        hello_end = measure(port, hello, args, "", wrk)
        reference = (hello_start.rps + hello_end.rps) / 2
        for row in rows:
            row.ratio = row.rps / reference if reference else 0.0
        hello_end.label = "hello-world (again, at the end)"
        hello_end.ratio = hello_end.rps / reference if reference else 0.0
        hello_start.ratio = hello_start.rps / reference if reference else 0.0
        print(line(hello_end))
        print(f"\nReference: hello-world {reference:,.0f} req/s (mean of start and end). Shares against it:")
        all_rows = [hello_start, *rows, hello_end]
        table = markdown(all_rows, reference)
        print(table)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "label": args.label,
        "database": args.database_name,
        "server": {
            "worker_class": args.worker_class or "config",
            "workers": env.get("WEB_CONCURRENCY"),
            "threads": env.get("GUNICORN_THREADS"),
            "preload": not args.no_preload,
            "page_cache_seconds": env.get("PAGE_CACHE_SECONDS"),
            "cache": "redis" if args.redis_url else "postgresql",
            "boot_ms": boot_ms,
        },
        "wrk": {"connections": args.connections, "duration": args.duration, "rounds": args.rounds},
        "machine": {"cpus": os.cpu_count(), "load_before": load_before, "load_after": os.getloadavg()},
        "hello_rps": reference,
        "rows": [asdict(row) for row in all_rows],
    }
    Path(args.output).write_text(json.dumps(report, indent=2, default=str))
    if args.markdown:
        Path(args.markdown).write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
