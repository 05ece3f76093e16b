#!/usr/bin/env python
"""Comment-POST benchmark (``make bench``): what a comment costs its request with 1 and with 500 followers.

The discussion e-mails are the queue's work (``comments.tasks``): with a broker the request only enqueues one task
holding the comment's id, so its time and its SQL queries must not grow with the number of people to tell. Without
a broker (``make run``'s default) the same tasks run in-process after the commit, inside the request: that cost
grows with the recipients and is measured too, so the difference a worker makes is on the page.

Runs against a throwaway database (``shortscience_bench_comment`` on the site's PostgreSQL server, created,
migrated and dropped), production-like settings (DEBUG off), e-mail to memory, the cache in memory. For each
number of followers and each mode it posts ``--requests`` comments after ``--warmup`` ones and prints the median
and p95 time, the SQL queries of one request, the tasks it enqueued and the e-mails sent within it; then runs the
queued tasks of one 500-follower comment and counts the e-mails they deliver. Exits 1 when the queued request's
query count differs between 1 and 500 followers (unless ``--no-fail``).

Usage: ``scripts/bench_comment.py [--requests 15] [--in-process-requests 5] [--warmup 2] [--followers 1 500]``.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
import uuid
import warnings
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE_NAME = "shortscience_bench_comment"


def setup() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "shortscience.settings"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["SECURE_HSTS_SECONDS"] = "0"
    os.environ["STATIC_MANIFEST"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # Self-contained: no Redis (no broker, no shared cache); the queued mode stops tasks at the queue's door.
    os.environ["REDIS_URL"] = ""
    os.environ.pop("CELERY_BROKER_URL", None)
    import django
    from django.conf import settings

    settings.DATABASES["default"]["TEST"] = {"NAME": DATABASE_NAME}
    django.setup()
    # whitenoise warns that STATIC_ROOT does not exist (no collectstatic for a benchmark); eager tasks make kombu
    # describe a broker connection that is never opened.
    warnings.filterwarnings("ignore", message="No directory at")
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def followers_of(summary, count: int) -> None:
    """``count`` members who commented on ``summary`` earlier and follow its discussion."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import User
    from comments.models import Comment

    members = User.objects.bulk_create(
        User(username=f"fan{summary.pk}-{n}", email=f"fan{summary.pk}-{n}@example.org", email_on_discussion=True)
        for n in range(count)
    )
    earlier = timezone.now() - timedelta(hours=1)
    Comment.objects.bulk_create(
        Comment(summary=summary, writer=member, body="Me too.", body_html="<p>Me too.</p>", created_at=earlier)
        for member in members
    )


def post(client, summary) -> tuple[float, int]:
    """One comment POST: (milliseconds, SQL queries)."""
    from django.core.cache import cache
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    cache.clear()  # the comment rate limit counts in the cache
    reset_queries()  # the query log holds 9,000 at most: an in-process 500-follower POST runs over 1,000
    url = reverse("comments:add", args=[summary.pk])
    data = {"body": f"A point {uuid.uuid4()}.", "submission": str(uuid.uuid4())}
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.post(url, data)
        elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 302:
        raise RuntimeError(f"POST {url} answered {response.status_code}")
    return elapsed, len(queries)


def measure(client, summary, *, queued: bool, requests: int, warmup: int) -> dict:
    from django.core import mail

    from jobs import queue
    from shortscience.celery import app

    app.conf.task_always_eager = True  # in-process: as without a broker
    times, query_counts, task_counts, mails = [], [], [], []
    for n in range(warmup + requests):
        mail.outbox.clear()
        with mock.patch("jobs.queue._send", wraps=None if queued else queue._send) as send:
            elapsed, queries = post(client, summary)
        sent = [(call.args[0], call.args[1]) for call in send.call_args_list]
        if n >= warmup:
            times.append(elapsed)
            query_counts.append(queries)
            task_counts.append(len(sent))
            mails.append(len(mail.outbox))
    return {
        "median": statistics.median(times),
        "p95": sorted(times)[max(0, round(0.95 * len(times)) - 1)],
        "queries": max(query_counts),
        "queries_min": min(query_counts),
        "tasks": max(task_counts),
        "mails": max(mails),
        "last_tasks": sent,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=15, help="timed POSTs per case, tasks on the queue")
    parser.add_argument("--in-process-requests", type=int, default=5, help="timed POSTs per case, tasks in-process")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--followers", type=int, nargs="+", default=[1, 500])
    parser.add_argument("--no-fail", action="store_true")
    args = parser.parse_args(argv)

    setup()
    from django.core import mail
    from django.test import Client
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    setup_test_environment(debug=False)
    print(f"Creating and migrating {DATABASE_NAME} …", flush=True)
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        from tests.factories import SummaryFactory, UserFactory

        poster = UserFactory(username="poster")
        client = Client()
        client.force_login(poster)
        summaries = {}
        for count in args.followers:
            summaries[count] = SummaryFactory(writer=UserFactory(username=f"writer{count}", email=f"w{count}@x.org"))
            followers_of(summaries[count], count)
        load = os.getloadavg()
        print(
            f"Comment POST with N followers of the discussion (each e-mailed, as is the summary's writer); median and "
            f"p95 of {args.requests} requests (tasks on the queue) or {args.in_process_requests} (in-process) after "
            f"{args.warmup} warm-up; load average {load[0]:.2f} on {os.cpu_count()} CPUs.\n"
        )
        print(
            f"{'followers':>9}  {'tasks':<11} {'median ms':>9} {'p95 ms':>8} {'queries':>7} {'queued':>6} {'mails':>5}"
        )
        results = {}
        for queued, label, requests in (
            (True, "on a queue", args.requests),
            (False, "in-process", args.in_process_requests),
        ):
            for count in args.followers:
                r = measure(client, summaries[count], queued=queued, requests=requests, warmup=args.warmup)
                results[(queued, count)] = r
                print(
                    f"{count:>9}  {label:<11} {r['median']:>9.1f} {r['p95']:>8.1f} {r['queries']:>7} "
                    f"{r['tasks'] if queued else '-':>6} {r['mails']:>5}"
                )
        # The queued tasks of the last 500-follower comment, run now: every recipient gets its e-mail.
        biggest = max(args.followers)
        mail.outbox.clear()
        for task, task_args in results[(True, biggest)]["last_tasks"]:
            task.apply(args=task_args).get()
        print(f"\nThe tasks one {biggest}-follower comment enqueued delivered {len(mail.outbox)} e-mails when run.")
        queued_queries = {count: results[(True, count)]["queries"] for count in args.followers}
        steady = len(set(queued_queries.values())) == 1
        print(
            "Queries per request with the tasks on a queue: "
            + ", ".join(f"{count} followers {q}" for count, q in queued_queries.items())
            + (" (the same)" if steady else " — NOT the same: the request's cost grows with the recipients")
        )
    finally:
        teardown_databases(databases, verbosity=0)
    return 0 if steady or args.no_fail else 1


if __name__ == "__main__":
    sys.exit(main())
