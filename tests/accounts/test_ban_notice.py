"""A suspended member sees one explanation (what, until when, how to appeal) wherever an action is blocked."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import h1_count
from tests.factories import PaperFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db

UNTIL = datetime.datetime(2031, 5, 4, 12, 30, tzinfo=datetime.UTC)


@pytest.fixture
def suspended(client):
    user = UserFactory(username="suspended", banned_at=timezone.now(), banned_until=UNTIL, ban_reason="Spam links")
    client.force_login(user)
    return user


def assert_explains_the_ban(html: str):
    assert 'class="notice notice-warning ban-notice"' in html
    assert "Your account is suspended until" in html and "4 May 2031" in html
    assert "Reason given by the moderators: Spam links" in html
    assert "If you think this is a mistake" in html


def assert_styled_403(response):
    assert response.status_code == 403
    html = response.content.decode()
    assert html.lstrip().startswith("<!doctype html>") and 'class="site-header"' in html
    assert h1_count(html) == 1
    assert_explains_the_ban(html)


def test_paper_page_explains_the_ban_instead_of_offering_write_a_summary(client, suspended):
    paper = PaperFactory()
    SummaryFactory(paper=paper)
    html = client.get(paper.get_absolute_url()).content.decode()
    assert reverse("summaries:write", args=[paper.slug]) not in html
    assert_explains_the_ban(html)


def test_paper_page_without_summaries_does_not_invite_a_suspended_member_to_write(client, suspended):
    paper = PaperFactory()
    html = client.get(paper.get_absolute_url()).content.decode()
    assert reverse("summaries:write", args=[paper.slug]) not in html
    assert "No summary yet" in html
    assert_explains_the_ban(html)


def test_paper_page_of_a_suspended_writer_offers_no_edit_button(client, suspended):
    paper = PaperFactory()
    own = SummaryFactory(paper=paper, writer=suspended)
    html = client.get(paper.get_absolute_url()).content.decode()
    assert reverse("summaries:edit", args=[own.pk]) not in html


def test_summary_page_explains_the_ban_where_the_comment_box_would_be(client, suspended):
    summary = SummaryFactory()
    html = client.get(summary.get_absolute_url()).content.decode()
    assert 'class="comment-form"' not in html and reverse("summaries:vote", args=[summary.pk]) not in html
    comments = html.split('id="comments"', 1)[1]
    assert_explains_the_ban(comments)


def test_members_in_good_standing_see_no_ban_notice(client, member):
    paper = PaperFactory()
    summary = SummaryFactory(paper=paper)
    client.force_login(member)
    for url in (paper.get_absolute_url(), summary.get_absolute_url()):
        assert "ban-notice" not in client.get(url).content.decode()


def test_permanent_ban_says_until_a_moderator_lifts_it_and_where_to_appeal(client, settings):
    settings.CONTACT_EMAIL = "moderators@example.org"
    user = UserFactory(banned_at=timezone.now(), ban_reason="")
    client.force_login(user)
    html = client.get(PaperFactory().get_absolute_url()).content.decode()
    assert "until a moderator lifts the suspension" in html
    assert '<a href="mailto:moderators@example.org">moderators@example.org</a>' in html


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", lambda s: reverse("summaries:write", args=[s.paper.slug])),
        ("post", lambda s: reverse("summaries:write", args=[s.paper.slug])),
        ("post", lambda s: reverse("summaries:vote", args=[s.pk])),
        ("post", lambda s: reverse("comments:add", args=[s.pk])),
        ("get", lambda s: reverse("moderation:report", args=["summary", s.pk])),
        ("get", lambda s: reverse("papers:add")),
    ],
    ids=["write", "write-post", "vote", "comment", "report", "add-paper"],
)
def test_direct_urls_give_suspended_members_the_styled_explanation(client, suspended, method, url):
    summary = SummaryFactory()
    response = getattr(client, method)(url(summary), {"value": "1", "body": "Hi"} if method == "post" else None)
    assert_styled_403(response)


def test_edit_url_of_own_summary_gives_a_suspended_writer_the_styled_explanation(client, suspended):
    summary = SummaryFactory(writer=suspended)
    assert_styled_403(client.get(reverse("summaries:edit", args=[summary.pk])))


def test_other_refusals_are_styled_pages_with_the_reason(client):
    summary = SummaryFactory()
    client.force_login(summary.writer)
    response = client.get(reverse("moderation:report", args=["summary", summary.pk]))
    html = response.content.decode()
    assert response.status_code == 403 and 'class="site-header"' in html
    assert "You cannot report your own work" in html and "ban-notice" not in html


def test_settings_page_gives_the_same_explanation(client, suspended):
    assert_explains_the_ban(client.get(reverse("members:settings")).content.decode())


def test_the_editor_preview_explains_the_ban_instead_of_asking_to_sign_in(client):
    banned = UserFactory(banned_at=timezone.now(), ban_reason="Spam links.")
    client.force_login(banned)
    response = client.post(reverse("summaries:preview"), {"content": "*a*"})
    html = response.content.decode()
    assert response.status_code == 403
    assert "Your account is suspended" in html and "Spam links." in html
    assert "Sign in" not in html
