"""A mail server that is down never fails the request that sends the mail; the member is told, the failure logged."""

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.test import Client
from django.urls import reverse

from accounts.models import User
from shortscience.lib.mail import send_or_log
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a long and unusual passphrase 42"


@pytest.fixture
def mail_server_down(monkeypatch):
    def refuse(self, messages):
        raise ConnectionRefusedError("[Errno 111] Connection refused")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)


def test_sign_up_with_the_mail_server_down_keeps_the_account_and_says_the_mail_can_be_resent(mail_server_down, caplog):
    client = Client(raise_request_exception=False)
    data = {"email": "ada@example.org", "username": "ada", "password1": PASSWORD, "password2": PASSWORD}
    response = client.post(reverse("account_signup"), data, follow=True)
    assert response.status_code == 200
    assert User.objects.filter(username="ada").exists()
    html = response.content.decode()
    assert "We could not send the e-mail to ada@example.org just now" in html
    assert "Could not send the account/email/email_confirmation_signup e-mail" in caplog.text
    assert "ConnectionRefusedError" in caplog.text  # logged with its traceback


def test_password_reset_with_the_mail_server_down_says_the_mail_can_be_resent(mail_server_down, caplog):
    UserFactory(username="ada", email="ada@example.org")
    client = Client(raise_request_exception=False)
    response = client.post(reverse("account_reset_password"), {"email": "ada@example.org"}, follow=True)
    assert response.status_code == 200
    assert "We could not send the e-mail to ada@example.org just now" in response.content.decode()
    assert "Could not send the account/email/password_reset_key e-mail" in caplog.text


def test_send_or_log_returns_whether_the_mail_went_out(caplog):
    def broken():
        raise ValueError("misconfigured backend")

    assert send_or_log(lambda: mail.send_mail("s", "b", None, ["a@example.org"]), what="a test mail") is True
    assert len(mail.outbox) == 1
    assert send_or_log(broken, what="a test mail") is False
    assert "Could not send a test mail" in caplog.text
