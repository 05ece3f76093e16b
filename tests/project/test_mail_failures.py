"""A mail server that is down never fails the request that caused the mail: the e-mails go out on the queue after
the commit, and a task that fails for good is logged and reported to the admins with its arguments
(``jobs.tasks.ReliableTask``). The request cannot know, so it says nothing about it."""

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.test import Client
from django.urls import reverse

from accounts.models import User
from jobs.models import SentMail
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a long and unusual passphrase 42"
ADMIN = "admin@example.org"


@pytest.fixture
def mail_server_down_but_for_the_admins(monkeypatch, settings):
    """Every e-mail is refused but the admins' (so that the failure report can be read)."""
    settings.ADMINS = [("Admin", ADMIN)]
    original = EmailBackend.send_messages

    def refuse(self, messages):
        if any(message.to != [ADMIN] for message in messages):
            raise ConnectionRefusedError("[Errno 111] Connection refused")
        return original(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)


def the_failure_report() -> str:
    [report] = mail.outbox
    assert report.to == [ADMIN]
    assert report.subject.endswith("Task jobs.send_email failed")
    return report.body


def test_sign_up_with_the_mail_server_down_keeps_the_account_and_reports_the_failure(
    mail_server_down_but_for_the_admins, django_capture_on_commit_callbacks, caplog
):
    client = Client(raise_request_exception=False)
    data = {"email": "ada@example.org", "username": "ada", "password1": PASSWORD, "password2": PASSWORD}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_signup"), data, follow=True)
    assert response.status_code == 200
    assert User.objects.filter(username="ada").exists()
    report = the_failure_report()
    # The report carries the task's arguments, the key, the subject and the address, but not the body: its
    # confirmation link is the member's alone (it signs them in).
    assert "'account:" in report and "['ada@example.org']" in report and "ConnectionRefusedError" in report
    assert "characters, left out>" in report and "/accounts/confirm-email/" not in report
    assert "Task jobs.send_email" in caplog.text and "failed for good" in caplog.text
    assert "/accounts/confirm-email/" not in caplog.text
    assert not SentMail.objects.filter(sent_at__isnull=False).exists()


def test_password_reset_with_the_mail_server_down_reports_the_failure(
    mail_server_down_but_for_the_admins, django_capture_on_commit_callbacks
):
    UserFactory(username="ada", email="ada@example.org")
    client = Client(raise_request_exception=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "ada@example.org"}, follow=True)
    assert response.status_code == 200
    assert "Password Reset" in the_failure_report()
