"""Hidden, spam and banned-and-hidden content is gone from every public surface; its writer sees a notice."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from moderation import actions
from summaries.models import Summary
from tests.factories import CommentFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db

MARKER = "zebraquokka"


@pytest.fixture
def summary(db):
    writer = UserFactory(username="writer")
    return SummaryFactory(writer=writer, body=f"The {MARKER} result is surprising.")


def surfaces(summary):
    """(name, url, text that shows the summary is listed there)."""
    link = summary.get_absolute_url()
    paper = summary.paper
    return [
        ("home", reverse("home"), MARKER),
        ("paper page", paper.get_absolute_url(), MARKER),
        ("profile", reverse("members:profile", args=[summary.writer.username]), MARKER),
        ("latest feed", reverse("discovery:feed-latest-rss"), link),
        ("paper feed", reverse("discovery:feed-paper-rss", args=[paper.slug]), link),
        ("writer feed", reverse("discovery:feed-user-rss", args=[summary.writer.username]), link),
        ("venue feed", reverse("discovery:feed-venue-rss", args=[paper.venue.slug]), link),
        ("search", reverse("discovery:search") + f"?q={MARKER}", paper.title),
        ("API latest", reverse("api:latest-summaries"), link),
        ("API paper", reverse("api:paper-summaries", args=[paper.pk]), link),
    ]


def assert_listed_everywhere(client, summary, listed: bool):
    cache.clear()
    for name, url, text in surfaces(summary):
        response = client.get(url)
        assert response.status_code == 200, name
        assert (text in response.content.decode()) is listed, f"{name}: expected listed={listed}"


@pytest.mark.parametrize("action", [actions.hide, actions.mark_spam])
def test_hidden_or_spam_summary_disappears_from_every_surface(client, summary, moderator, action):
    assert_listed_everywhere(client, summary, True)
    action(summary, actor=moderator, reason="x")
    assert_listed_everywhere(client, summary, False)
    assert client.get(summary.get_absolute_url()).status_code == 404
    actions.unhide(summary, actor=moderator, reason="back")
    assert_listed_everywhere(client, summary, True)


def test_banned_members_hidden_content_disappears(client, summary, moderator):
    comment = CommentFactory(writer=summary.writer, body="A platypus remark")
    actions.ban(summary.writer, actor=moderator, reason="spam", hide_content=True)
    assert_listed_everywhere(client, summary, False)
    other = SummaryFactory()
    CommentFactory(summary=other, writer=comment.writer, body="Another platypus remark")
    assert "platypus" in client.get(other.get_absolute_url()).content.decode()  # posted after the ban's sweep
    assert comment.summary.get_absolute_url()  # the hidden one is not on its summary page either
    assert "A platypus remark" not in client.get(comment.summary.get_absolute_url()).content.decode()


def test_hidden_summary_does_not_count(client, summary, moderator):
    actions.hide(summary, actor=moderator, reason="x")
    summary.paper.refresh_from_db()
    summary.writer.refresh_from_db()
    assert summary.paper.summary_count == 0 and summary.writer.summary_count == 0
    assert "1 summary" not in client.get(summary.paper.get_absolute_url()).content.decode()


def test_writer_sees_a_notice_on_their_hidden_summary(client, summary, moderator):
    actions.hide(summary, actor=moderator, reason="x")
    client.force_login(summary.writer)
    response = client.get(summary.get_absolute_url())
    assert response.status_code == 200
    assert "Hidden by a moderator" in response.content.decode()


def test_moderator_can_still_open_a_hidden_summary(client, summary, moderator):
    actions.mark_spam(summary, actor=moderator, reason="x")
    client.force_login(moderator)
    assert "Marked as spam" in client.get(summary.get_absolute_url()).content.decode()


def test_hidden_comment_disappears_from_the_summary_page(client, moderator):
    comment = CommentFactory(body="Cheap watches here")
    url = comment.summary.get_absolute_url()
    assert "Cheap watches" in client.get(url).content.decode()
    actions.hide(comment, actor=moderator, reason="spam")
    html = client.get(url).content.decode()
    assert "Cheap watches" not in html
    assert Summary.objects.get(pk=comment.summary_id).comment_count == 0


def test_hidden_summary_leaves_the_sitemap(client, summary, moderator):
    url = reverse("discovery:sitemap-section", args=["summaries"])
    assert summary.get_absolute_url() in client.get(url).content.decode()
    actions.hide(summary, actor=moderator, reason="x")
    cache.clear()
    assert summary.get_absolute_url() not in client.get(url).content.decode()
