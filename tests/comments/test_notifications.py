"""E-mails about new comments: the summary's writer, the writer of the comment a reply answers, and every
follower of the discussion, fanned out in batches by tasks; the commenting request only enqueues one task."""

import smtplib
import uuid
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from comments import notifications
from comments.models import Comment
from comments.tasks import notify_about_comment, send_comment_emails
from jobs.models import SentMail
from tests.factories import CommentFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = "https://site.test"


@pytest.fixture
def notify(django_capture_on_commit_callbacks):
    """Run the task the commenting request enqueues, then the batch tasks it enqueues (they run when the test's
    transaction would commit); returns how many recipients were queued."""

    def run(comment) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return notify_about_comment(comment.pk)

    return run


@pytest.fixture
def writer(db):
    return UserFactory(username="writer", email="writer@example.org", display_name="Wanda Writer")


@pytest.fixture
def parent(writer):
    summary = SummaryFactory(writer=writer)
    asker = UserFactory(username="asker", email="asker@example.org")
    return CommentFactory(summary=summary, writer=asker, body="Why does it converge?")


def reply_to(parent, *, by=None, body="Because the step size shrinks."):
    by = by or UserFactory(username="answerer", display_name="Ann Answerer")
    return CommentFactory(summary=parent.summary, parent=parent, writer=by, body=body)


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_a_reply_emails_the_parent_writer_and_the_summary_writer_once_each(parent, notify):
    assert notify(reply_to(parent)) == 2
    assert recipients() == ["asker@example.org", "writer@example.org"]
    reply_mail = next(m for m in mail.outbox if m.to == ["asker@example.org"])
    assert reply_mail.subject.startswith("New reply to your comment on")
    assert parent.summary.paper.title[:40] in reply_mail.subject
    assert "Ann Answerer replied to your comment" in reply_mail.body
    assert "Because the step size shrinks." in reply_mail.body
    reply = Comment.objects.latest("pk")
    assert f"https://site.test/comments/{reply.pk}/" in reply_mail.body  # the permalink, on the public address
    assert f"https://site.test{reverse('members:settings')}" in reply_mail.body


def test_a_top_level_comment_emails_only_the_summary_writer(parent, notify):
    assert notify(parent) == 1
    assert recipients() == ["writer@example.org"]


def test_the_summary_writer_replying_emails_only_the_parent_writer(parent, writer, notify):
    assert notify(reply_to(parent, by=writer)) == 1
    assert recipients() == ["asker@example.org"]


def test_replying_to_yourself_emails_nobody_but_the_summary_writer(parent, notify):
    assert notify(reply_to(parent, by=parent.writer)) == 1
    assert recipients() == ["writer@example.org"]


def test_one_email_when_the_parent_writer_is_the_summary_writer(writer, notify):
    own = CommentFactory(summary=SummaryFactory(writer=writer), writer=writer)
    assert notify(reply_to(own)) == 1
    assert mail.outbox[0].to == ["writer@example.org"]
    assert mail.outbox[0].subject.startswith("New comment on your summary")


def test_the_summary_writer_who_only_wants_replies_still_gets_the_reply(writer, notify):
    writer.email_on_comment = False
    writer.save()
    own = CommentFactory(summary=SummaryFactory(writer=writer), writer=writer)
    assert notify(reply_to(own)) == 1
    assert mail.outbox[0].subject.startswith("New reply to your comment")


def test_no_reply_email_when_the_parent_writer_opted_out(parent, notify):
    parent.writer.email_on_reply = False
    parent.writer.save()
    assert notify(reply_to(parent)) == 1
    assert recipients() == ["writer@example.org"]


@pytest.mark.parametrize(
    "change",
    [
        {"deleted_at": timezone.now()},
        {"state": Comment.State.HIDDEN},
        {"state": Comment.State.SPAM},
    ],
    ids=["deleted", "hidden", "spam"],
)
def test_no_reply_email_about_a_parent_that_is_no_longer_shown(parent, change, notify):
    reply = reply_to(parent)
    Comment.objects.filter(pk=parent.pk).update(**change)
    notify(reply)
    assert "asker@example.org" not in recipients()


def test_no_reply_email_to_a_banned_or_inactive_member(parent, notify):
    reply = reply_to(parent)
    parent.writer.banned_at = timezone.now()
    parent.writer.save()
    notify(reply)
    assert "asker@example.org" not in recipients()
    mail.outbox.clear()
    parent.writer.banned_at = None
    parent.writer.is_active = False
    parent.writer.save()
    notify(reply)
    assert "asker@example.org" not in recipients()


def test_no_reply_email_when_the_parent_writer_can_no_longer_read_the_summary(parent, notify):
    reply = reply_to(parent)
    parent.summary.__class__.objects.filter(pk=parent.summary.pk).update(state="hidden")
    notify(reply)
    assert "asker@example.org" not in recipients()


def test_the_reply_email_about_an_anonymous_summary_does_not_name_its_writer(parent, writer, notify):
    parent.summary.is_anonymous = True
    parent.summary.save()
    notify(reply_to(parent))
    reply_mail = next(m for m in mail.outbox if m.to == ["asker@example.org"])
    assert writer.public_name not in reply_mail.body and writer.username not in reply_mail.body
    assert writer.public_name not in reply_mail.subject


def test_nothing_is_sent_about_a_comment_that_is_gone(parent, notify):
    reply = reply_to(parent)
    Comment.objects.filter(pk=reply.pk).update(deleted_at=timezone.now())
    assert notify(reply) == 0
    assert notify_about_comment(10**9) == 0
    assert send_comment_emails(reply.pk, [[parent.writer_id, "new_reply"]]) == 0
    assert mail.outbox == []


def test_a_mail_server_failure_is_reported_to_the_admins_not_raised(parent, settings, caplog, notify):
    settings.ADMINS = [("Admin", "admin@example.org")]
    original = EmailBackend.send_messages

    def refuse_members(self, messages):
        if any(m.to != ["admin@example.org"] for m in messages):
            raise smtplib.SMTPServerDisconnected("no SMTP server")
        return original(self, messages)

    reply = reply_to(parent)
    with mock.patch.object(EmailBackend, "send_messages", refuse_members):
        assert notify(reply) == 2  # queued; the batch then failed
    [report] = mail.outbox
    assert report.to == ["admin@example.org"]
    assert report.subject.endswith("Task comments.send_comment_emails failed")
    assert f"args: ({reply.pk}, [[" in report.body and f"[{parent.writer_id}, 'new_reply']" in report.body
    assert "failed for good" in caplog.text
    assert not SentMail.objects.filter(sent_at__isnull=False).exists()


def follower(parent, username, *, follows=True, **comment):
    member = UserFactory(username=username, email=f"{username}@example.org", email_on_discussion=follows)
    CommentFactory(summary=parent.summary, writer=member, **comment)
    return member


def test_earlier_commenters_who_follow_the_discussion_are_told_once(parent, notify):
    follower(parent, "fern")
    fern_again = CommentFactory(summary=parent.summary, writer=follower(parent, "gus"))
    CommentFactory(summary=parent.summary, parent=fern_again, writer=fern_again.writer)  # gus twice more
    follower(parent, "quiet", follows=False)
    assert notify(reply_to(parent)) == 4
    assert recipients() == ["asker@example.org", "fern@example.org", "gus@example.org", "writer@example.org"]
    fern_mail = next(m for m in mail.outbox if m.to == ["fern@example.org"])
    assert fern_mail.subject.startswith("New comment in a discussion on")
    assert "Ann Answerer replied in the discussion you took part in" in fern_mail.body
    assert "Wanda Writer" not in fern_mail.body


def test_the_most_specific_reason_wins(parent, notify):
    parent.writer.email_on_discussion = True  # follows, but is also the one replied to
    parent.writer.save()
    parent.summary.writer.email_on_discussion = True
    parent.summary.writer.save()
    CommentFactory(summary=parent.summary, writer=parent.summary.writer)
    notify(reply_to(parent))
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert len(mail.outbox) == 2
    assert subjects["asker@example.org"].startswith("New reply to your comment")
    assert subjects["writer@example.org"].startswith("New comment on your summary")


def test_followers_are_not_told_about_later_comments_they_made_or_removed_ones(parent, notify):
    later = follower(parent, "later")
    reply = reply_to(parent)
    type(reply).objects.filter(writer=later).update(created_at=reply.created_at + timedelta(seconds=5))
    follower(parent, "removed", deleted_at=timezone.now())
    follower(parent, "hidden", state=Comment.State.HIDDEN)
    banned = follower(parent, "banned")
    banned.banned_at = timezone.now()
    banned.save()
    notify(reply)
    assert recipients() == ["asker@example.org", "writer@example.org"]


def test_no_discussion_emails_about_a_summary_readers_cannot_see(parent, notify):
    follower(parent, "fern")
    reply = reply_to(parent)
    parent.summary.__class__.objects.filter(pk=parent.summary.pk).update(state="hidden")
    notify(reply)
    assert "fern@example.org" not in recipients()


def test_every_follower_is_told_in_batches_each_once(parent, monkeypatch, notify):
    monkeypatch.setattr(notifications, "BATCH_SIZE", 2)
    base = parent.created_at
    names = [f"follower{n}" for n in range(5)]
    for minutes, name in enumerate(names, start=1):
        follower(parent, name, created_at=base + timedelta(minutes=minutes))
    reply = reply_to(parent)
    type(reply).objects.filter(pk=reply.pk).update(created_at=base + timedelta(hours=1))
    sent = []
    with mock.patch("jobs.queue._send", side_effect=lambda task, args, kwargs: sent.append(args)):
        assert notify(reply) == 7
    assert [len(recipients) for _, recipients in sent] == [2, 2, 2, 1]  # no cap: every follower, 2 a task
    for args in sent:
        send_comment_emails.apply(args=args).get()
    assert recipients() == sorted(["asker@example.org", "writer@example.org", *(f"{n}@example.org" for n in names)])


def test_a_retried_batch_sends_only_what_it_had_not_sent(parent):
    reply = reply_to(parent)
    batch = [[parent.writer_id, "new_reply"], [parent.summary.writer_id, "new_comment"]]
    calls = []
    original = EmailBackend.send_messages

    def drop_the_second(self, messages):
        calls.append(messages[0].to)
        if len(calls) == 2:
            raise smtplib.SMTPServerDisconnected("dropped")
        return original(self, messages)

    with mock.patch.object(EmailBackend, "send_messages", drop_the_second):
        with pytest.raises(smtplib.SMTPServerDisconnected):
            send_comment_emails(reply.pk, batch)
        assert send_comment_emails(reply.pk, batch) == 1  # the retry: only the one that failed
    assert recipients() == ["asker@example.org", "writer@example.org"]
    assert calls == [["asker@example.org"], ["writer@example.org"], ["writer@example.org"]]
    assert set(SentMail.objects.values_list("key", flat=True)) == {
        f"comment:{reply.pk}:to:{parent.writer_id}",
        f"comment:{reply.pk}:to:{parent.summary.writer_id}",
    }


def test_a_member_banned_between_fan_out_and_sending_gets_nothing(parent):
    reply = reply_to(parent)
    User.objects.filter(pk=parent.writer_id).update(banned_at=timezone.now())
    assert send_comment_emails(reply.pk, [[parent.writer_id, "new_reply"]]) == 0
    assert mail.outbox == []


def test_followers_whose_ban_ended_are_told_again(parent, notify):
    fern = follower(parent, "fern")
    fern.banned_at = timezone.now() - timedelta(days=10)
    fern.banned_until = timezone.now() - timedelta(days=1)
    fern.save()
    notify(reply_to(parent))
    assert "fern@example.org" in recipients()


def followers_of(summary, count: int) -> None:
    """``count`` members who commented on ``summary`` (made in bulk: the test is about the request, not them)."""
    members = User.objects.bulk_create(
        User(username=f"fan{summary.pk}-{n}", email=f"fan{summary.pk}-{n}@example.org", email_on_discussion=True)
        for n in range(count)
    )
    earlier = timezone.now() - timedelta(hours=1)
    Comment.objects.bulk_create(
        Comment(summary=summary, writer=member, body="Me too.", body_html="<p>Me too.</p>", created_at=earlier)
        for member in members
    )


def test_the_comment_request_costs_the_same_with_1_or_500_followers(client, django_capture_on_commit_callbacks):
    """The POST enqueues one task (with the comment's id only) whatever the discussion's size; the recipients are
    worked out and mailed by the tasks, which deliver all 500 + 1 e-mails."""
    poster = UserFactory(username="poster")
    client.force_login(poster)
    queries, queued, comments = {}, {}, {}
    for followers in (2, 1, 500):  # the first request warms per-process caches (content types, templates)
        summary = SummaryFactory(writer=UserFactory(username=f"writer{followers}", email=f"w{followers}@example.org"))
        followers_of(summary, followers)
        data = {"body": "A point.", "submission": str(uuid.uuid4())}
        with (
            mock.patch("jobs.queue._send") as send,  # the broker takes the tasks; none runs in the request
            CaptureQueriesContext(connection) as captured,
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = client.post(reverse("comments:add", args=[summary.pk]), data)
        assert response.status_code == 302
        queries[followers] = len(captured)
        queued[followers] = [(call.args[0], call.args[1]) for call in send.call_args_list]
        comments[followers] = Comment.objects.get(summary=summary, writer=poster).pk
    assert queries[1] == queries[500], queries
    for followers, sent in queued.items():
        assert sent == [(notify_about_comment, (comments[followers],))], followers  # one task, the comment's id only
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notify_about_comment.apply(args=[comments[500]]).get()
    assert len(mail.outbox) == 501  # the summary's writer and all 500 followers
    assert len({message.to[0] for message in mail.outbox}) == 501
