"""E-mails about new comments: the summary's writer, and the writer of the comment a reply answers."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from comments.models import Comment
from comments.notifications import notify_about_comment
from tests.factories import CommentFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db


def notify(comment) -> int:
    return notify_about_comment(comment.pk, comment_url="https://site.test/c/1", settings_url="https://site.test/s/")


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


def test_a_reply_emails_the_parent_writer_and_the_summary_writer_once_each(parent):
    assert notify(reply_to(parent)) == 2
    assert recipients() == ["asker@example.org", "writer@example.org"]
    reply_mail = next(m for m in mail.outbox if m.to == ["asker@example.org"])
    assert reply_mail.subject.startswith("New reply to your comment on")
    assert parent.summary.paper.title[:40] in reply_mail.subject
    assert "Ann Answerer replied to your comment" in reply_mail.body
    assert "Because the step size shrinks." in reply_mail.body
    assert "https://site.test/c/1" in reply_mail.body and "https://site.test/s/" in reply_mail.body


def test_a_top_level_comment_emails_only_the_summary_writer(parent):
    assert notify(parent) == 1
    assert recipients() == ["writer@example.org"]


def test_the_summary_writer_replying_emails_only_the_parent_writer(parent, writer):
    assert notify(reply_to(parent, by=writer)) == 1
    assert recipients() == ["asker@example.org"]


def test_replying_to_yourself_emails_nobody_but_the_summary_writer(parent):
    assert notify(reply_to(parent, by=parent.writer)) == 1
    assert recipients() == ["writer@example.org"]


def test_one_email_when_the_parent_writer_is_the_summary_writer(writer):
    own = CommentFactory(summary=SummaryFactory(writer=writer), writer=writer)
    assert notify(reply_to(own)) == 1
    assert mail.outbox[0].to == ["writer@example.org"]
    assert mail.outbox[0].subject.startswith("New comment on your summary")


def test_the_summary_writer_who_only_wants_replies_still_gets_the_reply(writer):
    writer.email_on_comment = False
    writer.save()
    own = CommentFactory(summary=SummaryFactory(writer=writer), writer=writer)
    assert notify(reply_to(own)) == 1
    assert mail.outbox[0].subject.startswith("New reply to your comment")


def test_no_reply_email_when_the_parent_writer_opted_out(parent):
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
def test_no_reply_email_about_a_parent_that_is_no_longer_shown(parent, change):
    reply = reply_to(parent)
    Comment.objects.filter(pk=parent.pk).update(**change)
    notify(reply)
    assert "asker@example.org" not in recipients()


def test_no_reply_email_to_a_banned_or_inactive_member(parent):
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


def test_no_reply_email_when_the_parent_writer_can_no_longer_read_the_summary(parent):
    reply = reply_to(parent)
    parent.summary.__class__.objects.filter(pk=parent.summary.pk).update(state="hidden")
    notify(reply)
    assert "asker@example.org" not in recipients()


def test_the_reply_email_about_an_anonymous_summary_does_not_name_its_writer(parent, writer):
    parent.summary.is_anonymous = True
    parent.summary.save()
    notify(reply_to(parent))
    reply_mail = next(m for m in mail.outbox if m.to == ["asker@example.org"])
    assert writer.public_name not in reply_mail.body and writer.username not in reply_mail.body
    assert writer.public_name not in reply_mail.subject


def test_nothing_is_sent_about_a_comment_that_is_gone(parent):
    reply = reply_to(parent)
    Comment.objects.filter(pk=reply.pk).update(deleted_at=timezone.now())
    assert notify(reply) == 0
    assert notify_about_comment(10**9, comment_url="x", settings_url="y") == 0
    assert mail.outbox == []


def test_a_mail_server_failure_is_logged_not_raised(parent, monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no SMTP server")

    monkeypatch.setattr("comments.notifications.send_mass_mail", refuse)
    assert notify(reply_to(parent)) == 0
    assert f"Could not send the e-mails about comment {Comment.objects.latest('pk').pk}" in caplog.text


def follower(parent, username, *, follows=True, **comment):
    member = UserFactory(username=username, email=f"{username}@example.org", email_on_discussion=follows)
    CommentFactory(summary=parent.summary, writer=member, **comment)
    return member


def test_earlier_commenters_who_follow_the_discussion_are_told_once(parent):
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


def test_the_most_specific_reason_wins(parent):
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


def test_followers_are_not_told_about_later_comments_they_made_or_removed_ones(parent):
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


def test_no_discussion_emails_about_a_summary_readers_cannot_see(parent):
    follower(parent, "fern")
    reply = reply_to(parent)
    parent.summary.__class__.objects.filter(pk=parent.summary.pk).update(state="hidden")
    notify(reply)
    assert "fern@example.org" not in recipients()


def test_a_busy_discussion_tells_only_its_most_recent_followers(parent, monkeypatch):
    monkeypatch.setattr("comments.notifications.DISCUSSION_RECIPIENTS_MAX", 2)
    base = parent.created_at
    for minutes, name in enumerate(["old", "middle", "recent"], start=1):
        follower(parent, name, created_at=base + timedelta(minutes=minutes))
    reply = reply_to(parent)
    type(reply).objects.filter(pk=reply.pk).update(created_at=base + timedelta(hours=1))
    notify(reply)
    assert recipients() == ["asker@example.org", "middle@example.org", "recent@example.org", "writer@example.org"]
