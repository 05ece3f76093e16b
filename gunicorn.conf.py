"""gunicorn's configuration for the site (read from the working directory: the Dockerfile and compose use it).

Chosen by measurement on 2 cores (docs/performance.md, "Workers chosen again"): ``sync`` workers,
``WEB_CONCURRENCY`` of them (two per core, 4 on 2 cores, by default). At 8 clients on 2.5 M papers, 4 sync workers
served members' pages with a p95 of 55 ms where 3 gthread workers × 4 threads took 88–106 ms (the same requests
per second): a threaded worker holds the connections it accepted, and three requests sharing one interpreter's
lock on one core wait on each other, while a sync worker takes the next request only when it is free. Every
page is CPU work on 2 cores (the waits on Redis and PostgreSQL are well under a millisecond), so threads have
nothing to overlap. Sync workers need a buffering proxy in front (the compose file's nginx, or any in
docs/deployment.md): a slow client then holds nginx, not a worker. ``GUNICORN_WORKER_CLASS=gthread`` (with
``GUNICORN_THREADS``, 4) is still there for a host without one; its keep-alive is off by default
(``GUNICORN_KEEPALIVE``, 0): a kept-alive connection stays with the worker that accepted it, and 8 clients on 3
workers are never shared evenly (members' p95 88–106 → 70–75 ms). The
application is preloaded in the master so that every worker starts with the URL conf, the templates and the
settings already imported and compiled (the first request after a restart costs what any other does).
Connections to PostgreSQL and Redis must not cross a fork: the master closes what the warm-up opened before
forking and each worker (each thread) opens its own on first use.

Environment: ``PORT`` (8000) or ``GUNICORN_BIND``, ``WEB_CONCURRENCY``, ``GUNICORN_WORKER_CLASS`` (``sync`` or
``gthread``), ``GUNICORN_THREADS`` and ``GUNICORN_KEEPALIVE`` (gthread only), ``GUNICORN_TIMEOUT`` (30 s),
``GUNICORN_MAX_REQUESTS``, ``GUNICORN_ACCESS_LOG`` (``-`` for standard output, empty for none).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Two per core (read by scripts/drill.py too, which runs the site as production does).
DEFAULT_WORKERS = multiprocessing.cpu_count() * 2
workers = int(os.environ.get("WEB_CONCURRENCY") or DEFAULT_WORKERS)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1" if worker_class == "sync" else "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# gthread only (a sync worker closes every connection after its answer).
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "0"))
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


def post_worker_init(worker):
    """A sync worker answers in the thread that runs this: its connections are opened here, before the first
    request, instead of in it (a gthread worker's requests run in threads of their own, each with its own
    connection: nothing to do for them)."""
    if threads == 1:
        warm_connections()


def warm_connections():
    """Connect to PostgreSQL and Redis, and have the new database backend read the catalog entries of every
    table of the site and their indexes (a query's first planning in a fresh backend reads them, a few
    milliseconds per table: up to 60 ms of a worker's first search at 2.5 M papers)."""
    from django.apps import apps
    from django.core.cache import cache
    from django.db import connection

    tables = sorted({model._meta.db_table for model in apps.get_models() if model._meta.managed})
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 0")
    cache.get("gunicorn:warm-up")


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
