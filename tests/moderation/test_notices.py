"""The writer of a hidden summary or comment is told by e-mail; spam and ban-hidden content are hidden silently."""

from datetime import timedelta
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse
from django.utils import timezone

from jobs.models import SentMail
from moderation import actions
from moderation.models import AuditEntry, Report
from moderation.notices import send_hidden_notice, site_url
from tests.factories import CommentFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(db):
    return UserFactory(username="wanda", email="wanda@example.org")


def test_hiding_a_summary_emails_its_writer_with_the_reason(moderator, writer, django_capture_on_commit_callbacks):
    moderator.display_name = "Quentin"
    moderator.save()
    summary = SummaryFactory(writer=writer, body="My take on $x^2$ and more.")
    with django_capture_on_commit_callbacks(execute=True):
        actions.hide(summary, actor=moderator, reason="Copied from the abstract")
    [message] = mail.outbox
    assert message.to == ["wanda@example.org"]
    assert message.subject.startswith("Your summary on “") and message.subject.endswith("is hidden")
    assert "A moderator hid your summary on" in message.body
    assert "Reason given: Copied from the abstract" in message.body
    assert "My take on $x^2$ and more." in message.body
    assert f"https://testserver{summary.get_absolute_url()}" in message.body
    assert "Quentin" not in message.body  # moderators act for the site, not by name


def test_hiding_a_comment_emails_its_writer(moderator, writer, django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = "https://shortscience.example"
    settings.CONTACT_EMAIL = "moderators@example.org"
    comment = CommentFactory(writer=writer, body="x" * 1000)
    with django_capture_on_commit_callbacks(execute=True):
        actions.hide(comment, actor=moderator)
    [message] = mail.outbox
    assert "hid your comment on" in message.body and "Reason given" not in message.body
    assert "x" * 400 + " …" in message.body and "x" * 401 not in message.body
    assert f"https://shortscience.example{comment.summary.get_absolute_url()}" in message.body
    assert "write to moderators@example.org" in message.body


def test_no_email_for_spam_a_repeat_hide_or_a_ban(moderator, writer, django_capture_on_commit_callbacks):
    summary = SummaryFactory(writer=writer)
    with django_capture_on_commit_callbacks(execute=True):
        actions.mark_spam(CommentFactory(writer=writer), actor=moderator, reason="pills")
        actions.ban(writer, actor=moderator, reason="spammer", hide_content=True)
        actions.hide(summary, actor=moderator)  # already hidden by the ban
    assert mail.outbox == []


def test_no_email_when_the_item_is_shown_again_before_commit(moderator, writer, django_capture_on_commit_callbacks):
    summary = SummaryFactory(writer=writer)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.hide(summary, actor=moderator)
        actions.unhide(summary, actor=moderator)
    for callback in callbacks:
        callback()
    assert mail.outbox == []


def test_no_email_to_a_writer_without_address_or_deactivated(moderator, django_capture_on_commit_callbacks):
    no_address = UserFactory(username="noaddress", email="")
    gone = UserFactory(username="gone", is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        actions.hide(SummaryFactory(writer=no_address), actor=moderator)
        actions.hide(CommentFactory(writer=gone), actor=moderator)
    assert mail.outbox == []


def test_automatic_hiding_after_reports_tells_the_writer(client, settings, writer, django_capture_on_commit_callbacks):
    settings.REPORT_AUTOHIDE_THRESHOLD = 2
    comment = CommentFactory(writer=writer)
    for name, days in [("alice", 30), ("bob", 90)]:
        reporter = UserFactory(username=name)
        reporter.date_joined = timezone.now() - timedelta(days=days)
        reporter.save(update_fields=["date_joined"])
        EmailAddress.objects.create(user=reporter, email=reporter.email, verified=True, primary=True)
        client.force_login(reporter)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("moderation:report", args=["comment", comment.pk]), {"reason": "abuse"})
    [message] = mail.outbox
    assert message.to == ["wanda@example.org"]
    assert "reported by several members and is hidden until a moderator looks at it" in message.body
    assert "alice" not in message.body and "bob" not in message.body  # reporters stay anonymous


def test_a_mail_failure_is_reported_to_the_admins_and_the_hide_stands(
    moderator, writer, settings, django_capture_on_commit_callbacks, caplog
):
    settings.ADMINS = [("Admin", "admin@example.org")]
    original = EmailBackend.send_messages

    def refuse_the_writer(self, messages):
        if messages[0].to == ["wanda@example.org"]:
            raise ConnectionRefusedError("no SMTP server")
        return original(self, messages)

    summary = SummaryFactory(writer=writer)
    with (
        mock.patch.object(EmailBackend, "send_messages", refuse_the_writer),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert actions.hide(summary, actor=moderator) is True
    entry = AuditEntry.objects.get(action=AuditEntry.Action.HIDE)
    [report] = mail.outbox
    assert report.to == ["admin@example.org"]
    assert "Task moderation.send_hidden_notice" in report.subject and f"args: ({entry.pk},)" in report.body
    assert "ConnectionRefusedError" in caplog.text
    summary.refresh_from_db()
    assert summary.state == summary.State.HIDDEN


def test_the_notice_is_keyed_by_its_audit_entry_and_sent_once(moderator, writer, django_capture_on_commit_callbacks):
    summary = SummaryFactory(writer=writer)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        actions.hide(summary, actor=moderator, reason="Off topic")
    entry = AuditEntry.objects.get(action=AuditEntry.Action.HIDE)
    assert SentMail.objects.get(key=f"hidden:{entry.pk}").sent_at is not None
    for callback in callbacks:  # the task delivered twice (a redelivery after a worker died)
        callback()
    assert send_hidden_notice(entry.pk) is False
    assert len(mail.outbox) == 1


def test_site_url_falls_back_to_the_first_allowed_host(settings):
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = ["*", ".shortscience.example", "www.example.org"]
    assert site_url("/s/1/") == "https://shortscience.example/s/1/"
    settings.SITE_URL = "http://127.0.0.1:8000"
    assert site_url("/s/1/") == "http://127.0.0.1:8000/s/1/"


def test_hiding_from_a_report_emails_the_moderators_reason_without_report_numbers(
    client, moderator, writer, django_capture_on_commit_callbacks
):
    summary = SummaryFactory(writer=writer)
    report = Report.objects.create(reporter=UserFactory(), content_object=summary, reason=Report.Reason.SPAM)
    client.force_login(moderator)
    url = reverse("admin:moderation_report_moderate", args=[report.pk, "hide"])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"reason": "Advertises a course"}).status_code == 302
    [message] = mail.outbox
    assert "Reason given: Advertises a course\n" in message.body
    assert "Report #" not in message.body and "(spam)" not in message.body
    entry = AuditEntry.objects.get(action=AuditEntry.Action.HIDE)
    assert entry.reason == "Advertises a course"
    assert entry.details["report"] == report.pk and entry.details["report_reason"] == "spam"
