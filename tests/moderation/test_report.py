"""Readers report summaries, comments and papers; auto-hide after reports from established members."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from moderation.models import AuditEntry, Report
from summaries.models import Summary
from tests.conftest import h1_count
from tests.factories import CommentFactory, PaperFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db


def established(username, days=30):
    user = UserFactory(username=username)
    user.date_joined = timezone.now() - timedelta(days=days)
    user.save(update_fields=["date_joined"])
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def report_url(kind, obj):
    return reverse("moderation:report", args=[kind, obj.pk])


@pytest.mark.parametrize("kind", ["summary", "comment", "paper"])
def test_member_reports_each_kind_of_content(client, member, kind):
    comment = CommentFactory()
    obj = {"summary": comment.summary, "comment": comment, "paper": comment.summary.paper}[kind]
    client.force_login(member)
    assert client.get(report_url(kind, obj)).status_code == 200
    response = client.post(report_url(kind, obj), {"reason": "spam", "details": "Advertises pills."})
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.content_object == obj
    assert (report.reporter, report.reason, report.details) == (member, "spam", "Advertises pills.")


def test_second_open_report_by_same_member_gets_friendly_message(client, member):
    summary = SummaryFactory()
    client.force_login(member)
    client.post(report_url("summary", summary), {"reason": "spam"})
    response = client.post(report_url("summary", summary), {"reason": "abuse", "details": "again"})
    assert response.status_code == 400
    assert "You already reported this" in response.content.decode()
    assert "again" in response.content.decode()  # the input is kept
    assert Report.objects.count() == 1


def test_report_form_without_reason_rerenders_with_error(client, member):
    summary = SummaryFactory()
    client.force_login(member)
    response = client.post(report_url("summary", summary), {"details": "keep me"})
    assert response.status_code == 400
    assert "keep me" in response.content.decode()
    assert not Report.objects.exists()


def test_anonymous_is_sent_to_sign_in(client):
    summary = SummaryFactory()
    response = client.post(report_url("summary", summary), {"reason": "spam"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Report.objects.exists()


def test_banned_member_cannot_report(client):
    banned = UserFactory(username="banned")
    banned.ban(reason="spam")
    summary = SummaryFactory()
    client.force_login(banned)
    assert client.get(report_url("summary", summary)).status_code == 403
    assert client.post(report_url("summary", summary), {"reason": "spam"}).status_code == 403
    assert not Report.objects.exists()


def test_moderator_can_report_too_but_a_writer_not_their_own_work(client, moderator):
    summary = SummaryFactory()
    client.force_login(moderator)
    assert client.post(report_url("summary", summary), {"reason": "other"}).status_code == 302
    client.force_login(summary.writer)
    assert client.post(report_url("summary", summary), {"reason": "wrong_paper"}).status_code == 403
    assert Report.objects.count() == 1


def test_hidden_items_and_unknown_kinds_cannot_be_reported(client, member):
    hidden = SummaryFactory(state=Summary.State.HIDDEN)
    merged = PaperFactory(merged_into=PaperFactory())
    client.force_login(member)
    assert client.get(report_url("summary", hidden)).status_code == 404
    assert client.get(report_url("paper", merged)).status_code == 404
    assert client.get(reverse("moderation:report", args=["user", member.pk])).status_code == 404


def test_reports_are_rate_limited(client, member, settings):
    summaries = SummaryFactory.create_batch(6)
    client.force_login(member)  # a new account: a quarter of the member limit (20 // 4 = 5)
    statuses = [client.post(report_url("summary", s), {"reason": "spam"}).status_code for s in summaries]
    assert statuses == [302] * 5 + [429]
    assert Report.objects.count() == 5


def test_report_link_shows_for_members_only(client, member):
    from django.contrib.auth.models import AnonymousUser
    from django.template import Context, Template

    summary = SummaryFactory()
    template = Template('{% include "includes/report_link.html" %}')
    html = template.render(Context({"user": member, "object": summary, "kind": "summary"}))
    assert f'href="{report_url("summary", summary)}"' in html
    assert template.render(Context({"user": AnonymousUser(), "object": summary, "kind": "summary"})).strip() == ""
    member.ban(reason="x")
    assert template.render(Context({"user": member, "object": summary, "kind": "summary"})).strip() == ""


def test_reports_from_enough_established_members_hide_the_item(client, settings):
    settings.REPORT_AUTOHIDE_THRESHOLD = 2
    comment = CommentFactory()
    for name, days in [("alice", 30), ("bob", 90)]:  # accounts made months apart: independent reporters
        client.force_login(established(name, days))
        client.post(report_url("comment", comment), {"reason": "abuse"})
    comment.refresh_from_db()
    assert comment.state == Comment.State.HIDDEN
    entry = AuditEntry.objects.get(action=AuditEntry.Action.AUTO_HIDE)
    assert entry.actor is None and entry.content_object == comment
    assert Report.objects.open().count() == 2  # still waiting for a moderator


def test_reports_from_new_accounts_do_not_hide(client, settings):
    settings.REPORT_AUTOHIDE_THRESHOLD = 2
    summary = SummaryFactory()
    client.force_login(established("alice"))
    client.post(report_url("summary", summary), {"reason": "spam"})
    for name in ["new1", "new2", "new3"]:
        client.force_login(UserFactory(username=name))  # joined just now, e-mail unverified
        client.post(report_url("summary", summary), {"reason": "spam"})
    summary.refresh_from_db()
    assert summary.state == Summary.State.VISIBLE
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("kind", ["summary", "comment", "paper"])
def test_report_page_runs_a_few_queries(client, member, kind, django_assert_max_num_queries):
    comment = CommentFactory()
    obj = {"summary": comment.summary, "comment": comment, "paper": comment.summary.paper}[kind]
    client.force_login(member)
    with django_assert_max_num_queries(6):
        response = client.get(report_url(kind, obj))
    assert response.status_code == 200
    assert h1_count(response.content.decode()) == 1
