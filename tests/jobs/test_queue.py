"""The in-process (no broker) path: tasks run after commit, never before, never for a rolled-back transaction;
an e-mail keyed once is sent once however often its task runs; a failing task is reported, not raised."""

from __future__ import annotations

import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction

from jobs.models import SentMail
from jobs.queue import enqueue
from jobs.tasks import send_email

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_task_runs_after_the_commit_not_before():
    with transaction.atomic():
        enqueue(send_email, "k1", "Hello", "Body", ["a@example.org"])
        assert mail.outbox == []
    assert [m.to for m in mail.outbox] == [["a@example.org"]]
    assert SentMail.objects.get(key="k1").sent_at is not None


def test_a_rolled_back_transaction_enqueues_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(send_email, "k2", "Hello", "Body", ["a@example.org"])
        raise RuntimeError
    assert mail.outbox == []


def test_the_same_key_is_sent_once():
    assert send_email.apply(args=("k3", "Hello", "Body", ["a@example.org"])).get() is True
    assert send_email.apply(args=("k3", "Hello", "Body", ["a@example.org"])).get() is False
    assert len(mail.outbox) == 1


def test_an_smtp_failure_in_process_is_reported_to_the_admins_not_raised(settings):
    settings.ADMINS = [("Admin", "admin@example.org")]
    calls = []

    def refuse(self, *args, **kwargs):
        calls.append(self)
        if len(calls) == 1:
            raise smtplib.SMTPServerDisconnected("down")
        return len(self.email_messages if hasattr(self, "email_messages") else [1])

    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse):
        enqueue(send_email, "k4", "Hello", "Body", ["a@example.org"])
    assert SentMail.objects.filter(key="k4", sent_at__isnull=False).count() == 0
    assert len(calls) == 2  # the e-mail, then the report to the admins


def test_a_refused_broker_runs_the_task_in_process_and_logs_it_without_the_mails_body(caplog):
    with mock.patch.object(send_email, "apply_async", side_effect=ConnectionRefusedError("no broker")):
        enqueue(send_email, "k5", "Your link", "https://site.test/reset/secret/", ["a@example.org"])
    assert [m.body for m in mail.outbox] == ["https://site.test/reset/secret/"]
    assert "The broker refused jobs.send_email" in caplog.text and "'k5'" in caplog.text
    assert "secret" not in caplog.text
