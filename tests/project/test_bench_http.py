"""scripts/bench_http.py: the "search, miss" load sends a query nobody sent before on every request.

Its wrk script once replayed the same queries in every round and in both wrk threads, so most timed "misses" were
answered by the search or page cache (docs/performance.md, "Search misses measured again"). Here the real scripts
run under the real wrk against a server that only records what it is asked.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("wrk") is None, reason="needs wrk (apt-get install wrk)")


@pytest.fixture
def bench_http(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    import bench_http

    return bench_http


@pytest.fixture
def recorder():
    paths: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            paths.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], paths
    server.shutdown()
    server.server_close()


def test_every_request_of_every_round_and_thread_is_a_new_search(bench_http, recorder):
    port, paths = recorder
    rounds, threads = 3, 2
    for index in range(rounds):
        with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
            script.write(bench_http.search_miss_lua(index, rounds, threads))
            script.flush()
            command = ["wrk", "-t", str(threads), "-c", "4", "-d", "1s", "-s", script.name, f"http://127.0.0.1:{port}/"]
            subprocess.run(command, check=True, capture_output=True, timeout=30)

    assert len(paths) > 100, len(paths)
    searches = []
    for path in paths:
        parts = urlsplit(path)
        query = parse_qs(parts.query)
        assert parts.path == "/search/" and set(query) == {"q", "page"}, path
        words = query["q"][0].split()
        assert len(words) == 2 and all(word.isalpha() for word in words) and query["page"][0] in {"1", "2", "3"}
        searches.append((query["q"][0], query["page"][0]))
    assert len(set(searches)) == len(searches), "a search was sent twice"
    assert len(paths) <= rounds * bench_http.search_miss_room(rounds)


def test_the_permutation_visits_every_search_once(bench_http):
    """The Lua walks k·PERMUTE mod space: a permutation only when PERMUTE shares no factor with the space."""
    space = bench_http.search_miss_room(1)
    assert sorted(k * bench_http.SEARCH_MISS_PERMUTE % space for k in range(space)) == list(range(space))
