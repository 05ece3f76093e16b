"""A real Celery worker on Redis (``celery.contrib.testing.worker.start_worker``, in a thread of the test process):
a comment's e-mail travels POST → enqueue → broker → worker → mail; a send that fails twice then succeeds goes
out once; a task that keeps failing is reported to the admins with its arguments.

Needs ``REDIS_URL`` (CI's second pass sets it; skipped with the reason otherwise). The broker is the Redis
database four below REDIS_URL's, minus the xdist worker's number (…/15 → gw0 uses 11, gw1 uses 10), clear of the
cache databases the test settings count down from the same URL (15, 14); it is emptied before and after.
"""

from __future__ import annotations

import contextlib
import logging
import os
import smtplib
import threading
import time
import uuid
from unittest import mock
from urllib.parse import urlsplit

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.test import Client
from django.urls import reverse
from kombu import pools

from jobs.models import SentMail
from jobs.queue import enqueue
from jobs.tasks import send_email
from shortscience.celery import app
from tests.factories import SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)  # the worker's thread reads what the test committed

BROKER_DB_OFFSET = 4
ADMIN = "admin@example.org"


def broker_url() -> str:
    """This test process's broker (a Redis database of its own), or skip with the reason."""
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("needs a Redis for the real worker: set REDIS_URL (CI's second pass does)")
    parts = urlsplit(redis_url)
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    db = int(parts.path.strip("/") or 0) - BROKER_DB_OFFSET - worker
    if db < 0:
        pytest.skip(f"REDIS_URL's database number leaves no broker database for worker {worker}: use /15")
    return parts._replace(path=f"/{db}").geturl()


def forget_connections() -> None:
    """Drop the pooled broker connections (made for whatever broker_url said before, or closed by a stopped
    worker): kombu keeps one pool per broker URL for the whole process."""
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def worker(settings):
    import redis

    url = broker_url()
    broker = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        broker.ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis at REDIS_URL is unreachable ({error}): the real-worker tests need it")
    broker.flushdb()  # this database is the test's own (see the module's docstring)
    settings.ADMINS = [("Admin", ADMIN)]
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url", "result_backend")}
    app.conf.update(task_always_eager=False, broker_url=url, result_backend=url)
    forget_connections()
    try:
        # Retries at once instead of after 10 s, 20 s, 40 s…: the backoff itself is Celery's, not under test.
        with (
            mock.patch("celery.app.autoretry.get_exponential_backoff_interval", return_value=0),
            logging_kept(),
            start_worker(app, perform_ping_check=False, shutdown_timeout=30) as running,
        ):
            yield running
    finally:  # also when the worker failed to start: the next tests in this process run tasks in-process again
        app.conf.update(saved)
        forget_connections()
        broker.flushdb()
        broker.close()


@contextlib.contextmanager
def logging_kept():
    """Celery's worker set-up configures logging (the root logger's level to the worker's, its handlers): put
    every logger back as it was, or later tests in this process would not see warnings."""
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in list(logging.Logger.manager.loggerDict))]
    saved = [(logger, logger.level, list(logger.handlers), logger.propagate, logger.disabled) for logger in loggers]
    try:
        yield
    finally:
        for logger, level, handlers, propagate, disabled in saved:
            logger.setLevel(level)
            logger.handlers[:] = handlers
            logger.propagate, logger.disabled = propagate, disabled


def wait_for(condition, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout} s: {condition.__doc__ or condition}")


def in_the_worker() -> bool:
    """Whether this runs in the worker's thread (not in the test's, as a task the broker refused would)."""
    return threading.current_thread() is not threading.main_thread()


def test_a_comments_email_arrives_through_the_worker(worker):
    summary = SummaryFactory(writer=UserFactory(username="writer", email="writer@example.org"))
    client = Client()
    client.force_login(UserFactory(username="reader"))
    url = reverse("comments:add", args=[summary.pk])
    senders = []
    original = EmailBackend.send_messages

    def record(self, messages):
        senders.append(in_the_worker())
        return original(self, messages)

    with mock.patch.object(EmailBackend, "send_messages", record):
        response = client.post(url, {"body": "Through the queue.", "submission": str(uuid.uuid4())})
        assert response.status_code == 302
        assert mail.outbox == []  # the request only enqueued

        def delivered():
            """the writer's e-mail is in the outbox"""
            return [m for m in mail.outbox if m.to == ["writer@example.org"]]

        [message] = wait_for(delivered)
    assert senders == [True]
    assert "Through the queue." in message.body
    comment = summary.comments.get()
    assert SentMail.objects.get(key=f"comment:{comment.pk}:to:{summary.writer_id}").sent_at is not None


def test_a_send_failing_twice_then_succeeding_goes_out_once(worker):
    attempts = []
    original = EmailBackend.send_messages

    def flaky(self, messages):
        attempts.append((messages[0].to, in_the_worker()))
        if len(attempts) <= 2:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return original(self, messages)

    with mock.patch.object(EmailBackend, "send_messages", flaky):
        enqueue(send_email, "flaky:1", "Hello", "Body", ["ada@example.org"])
        wait_for(lambda: SentMail.objects.filter(key="flaky:1", sent_at__isnull=False).exists())
        # The same message delivered once more (a worker died before acknowledging it): not sent again.
        again = send_email.apply_async(args=("flaky:1", "Hello", "Body", ["ada@example.org"]), ignore_result=False)
        assert again.get(timeout=30) is False
    assert attempts == [(["ada@example.org"], True)] * 3
    assert [m.to for m in mail.outbox] == [["ada@example.org"]]


def test_a_task_failing_for_good_is_mailed_to_the_admins_with_its_arguments(worker):
    original = EmailBackend.send_messages

    def refuse_members(self, messages):
        assert in_the_worker()
        if messages[0].to != [ADMIN]:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return original(self, messages)

    with mock.patch.object(EmailBackend, "send_messages", refuse_members):
        enqueue(send_email, "doomed:1", "Hello", "Reset: https://site.test/reset/secret/", ["ada@example.org"])

        def reported():
            """the admins' report is in the outbox"""
            return [m for m in mail.outbox if m.to == [ADMIN]]

        [report] = wait_for(reported)
    assert "Task jobs.send_email failed" in report.subject
    assert f"after {send_email.max_retries} retries" in report.body
    assert "'doomed:1'" in report.body and "['ada@example.org']" in report.body
    assert "secret" not in report.body and "<38 characters, left out>" in report.body  # an e-mail's body may hold a key
    assert not SentMail.objects.filter(key="doomed:1", sent_at__isnull=False).exists()
