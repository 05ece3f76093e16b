"""E-mail on the queue: batches share one connection and record each key; a refused address does not hold up the
rest of its batch; account e-mails are rendered in the request and sent by the queue, each under a key of its own;
a worker started with ``celery -A shortscience worker`` knows every task the site enqueues."""

from __future__ import annotations

import json
import os
import smtplib
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse

from accounts.adapter import AccountAdapter
from jobs.models import SentMail
from jobs.tasks import Mail, send_batch
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def mails(*addresses: str) -> list[Mail]:
    return [Mail(f"test:{address}", "Hello", "Body", [address]) for address in addresses]


def test_a_batch_goes_over_one_connection_and_records_every_key():
    opened = []
    original = EmailBackend.open

    def count_opens(self):
        opened.append(self)
        return original(self)

    with mock.patch.object(EmailBackend, "open", count_opens):
        assert send_batch(mails("a@example.org", "b@example.org", "c@example.org")) == 3
    assert len(opened) == 1
    assert [m.to for m in mail.outbox] == [["a@example.org"], ["b@example.org"], ["c@example.org"]]
    assert SentMail.objects.filter(sent_at__isnull=False).count() == 3
    assert send_batch(mails("a@example.org", "b@example.org", "c@example.org")) == 0  # a retry sends nothing
    assert len(mail.outbox) == 3


def test_a_refused_address_gets_its_own_task_and_the_batch_goes_on(django_capture_on_commit_callbacks):
    original = EmailBackend.send_messages

    def refuse_b(self, messages):
        if messages[0].to == ["b@example.org"]:
            raise smtplib.SMTPRecipientsRefused({"b@example.org": (550, b"No such user")})
        return original(self, messages)

    with (
        mock.patch.object(EmailBackend, "send_messages", refuse_b),
        mock.patch("jobs.queue._send") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert send_batch(mails("a@example.org", "b@example.org", "c@example.org")) == 2
    assert [m.to for m in mail.outbox] == [["a@example.org"], ["c@example.org"]]
    [call] = send.call_args_list
    task, args, _ = call.args
    assert task.name == "jobs.send_email"
    assert args == ("test:b@example.org", "Hello", "Body", ["b@example.org"], "", None)


def test_each_account_email_is_queued_under_a_key_of_its_own(client, django_capture_on_commit_callbacks):
    UserFactory(username="ada", email="ada@example.org")
    with mock.patch("jobs.queue._send") as send, django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):  # asking twice sends twice: each is a new e-mail, not a retry
            client.post(reverse("account_reset_password"), {"email": "ada@example.org"})
    assert mail.outbox == []  # nothing was sent in the requests
    keys = [call.args[1][0] for call in send.call_args_list]
    assert len(keys) == 2 and len(set(keys)) == 2 and all(key.startswith("account:") for key in keys)
    for call in send.call_args_list:
        task, args, kwargs = call.args
        task.apply(args=args, kwargs=kwargs)
        task.apply(args=args, kwargs=kwargs)  # redelivered: not sent again
    assert len(mail.outbox) == 2 and all(m.to == ["ada@example.org"] for m in mail.outbox)


def test_an_account_email_with_an_html_part_keeps_it(rf, django_capture_on_commit_callbacks):
    def render_mail(self, template_prefix, email, context, headers=None):
        message = EmailMultiAlternatives("Subject", "Text", to=[email], headers={"X-Test": "1"})
        message.attach_alternative("<p>HTML</p>", "text/html")
        return message

    adapter = AccountAdapter(rf.get("/"))
    with (
        mock.patch.object(AccountAdapter, "render_mail", render_mail),
        django_capture_on_commit_callbacks(execute=True),
    ):
        adapter.send_mail("account/email/password_reset_key", "ada@example.org", {})
    [message] = mail.outbox
    assert (message.body, message.alternatives[0][0], message.extra_headers) == ("Text", "<p>HTML</p>", {"X-Test": "1"})


def test_a_worker_process_knows_every_task_the_site_enqueues():
    """``celery -A shortscience worker`` imports the apps' ``tasks`` modules only (autodiscovery): a task defined
    anywhere else would reach the worker as an unknown message and be dropped."""
    script = (
        "import django, json; django.setup(); from shortscience.celery import app; "
        "app.loader.import_default_modules(); print(json.dumps(sorted(app.tasks)))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shortscience.settings_test",
        "CELERY_SKIP_CHECKS": "1",
        # Importing the tasks connects to nothing: no database (not even the embedded one's start-up) is needed.
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
    }
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    names = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert {
        "jobs.send_email",
        "comments.notify_about_comment",
        "comments.send_comment_emails",
        "moderation.send_hidden_notice",
    } <= names
