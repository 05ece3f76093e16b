"""gunicorn's configuration for the site (read from the working directory: the Dockerfile and compose use it).

Chosen by measurement on 2 cores (docs/performance.md, "Throughput"): ``gthread`` workers, ``WEB_CONCURRENCY`` of
them (cores + 1 = 3 by default) with ``GUNICORN_THREADS`` (4) threads each. With 8 clients, 3 × 4 gthread served
hello-world at 864 req/s, a cached page at 800–1,170 and a member's page at 30–33, against 271–378, 545–690 and
17–26 for 3 or 5 sync workers: threads keep connections alive and overlap the waits on Redis and PostgreSQL. The
application is preloaded in the master so that every worker starts with the URL conf, the templates and the
settings already imported and compiled (the first request after a restart costs what any other does).
Connections to PostgreSQL and Redis must not cross a fork: the master closes what the warm-up opened before
forking and each worker (each thread) opens its own on first use.

Environment: ``PORT`` (8000) or ``GUNICORN_BIND``, ``WEB_CONCURRENCY``, ``GUNICORN_WORKER_CLASS`` (``sync`` or
``gthread``), ``GUNICORN_THREADS`` (gthread only), ``GUNICORN_TIMEOUT`` (30 s), ``GUNICORN_ACCESS_LOG``
(``-`` for standard output, empty for none).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() + 1)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "1" if worker_class == "sync" else "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Import and warm the application once in the master; workers inherit it (copy-on-write) when forked.
preload_app = True
# A worker is replaced after this many requests (plus jitter, so they do not all restart at once): a bound on
# any slow leak. Cheap with preloading: a new worker is a fork, not an import.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Workers' heartbeat files in memory, not on a disk that may stall (Docker's overlay file system).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None


def when_ready(server):
    # The warm-up in shortscience.wsgi may have connected; a socket shared by forked workers corrupts both ends.
    _close_connections()
    # Everything the preloaded application made so far (modules, URL conf, compiled templates) lives as long as
    # the worker: out of the garbage collector's sight, a full collection no longer walks it in the middle of a
    # request (members' p99 at 8 clients 101–144 → 66–73 ms, docs/performance.md), and the workers' pages that
    # hold it stay shared with the master instead of being copied when the collector touches them.
    import gc

    gc.freeze()


def post_fork(server, worker):
    _close_connections()


def _close_connections():
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.close()
    try:
        from django.core.cache import caches

        for cache in caches.all(initialized_only=True):
            cache.close()
    except Exception:  # a cache backend without connections to close
        pass
