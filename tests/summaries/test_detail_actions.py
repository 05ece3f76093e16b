"""What the summary page offers each role: the writer's Edit / History / Share / Delete, Report for others."""

import pytest
from django.urls import reverse

from summaries.models import Summary
from tests.conftest import ROLES
from tests.factories import CommentFactory, ModeratorFactory, SummaryFactory, UserFactory
from tests.writing_helpers import banned_user

pytestmark = pytest.mark.django_db


def page(client, summary, user=None) -> str:
    if user is not None:
        client.force_login(user)
    response = client.get(summary.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def offers(html: str, summary) -> dict[str, bool]:
    return {
        "edit": f'href="{reverse("summaries:edit", args=[summary.pk])}"' in html,
        "history": f'href="{reverse("summaries:revisions", args=[summary.pk])}"' in html,
        "share": f'href="{reverse("summaries:share", args=[summary.pk])}"' in html,
        "delete": f'href="{reverse("summaries:delete", args=[summary.pk])}"' in html,
        "report": f'href="{reverse("moderation:report", args=["summary", summary.pk])}"' in html,
    }


NOTHING = {"edit": False, "history": False, "share": False, "delete": False, "report": False}


def test_anonymous_reader_is_offered_no_summary_actions(client):
    summary = SummaryFactory()
    assert offers(page(client, summary), summary) == NOTHING


def test_member_is_offered_report_only(client, member):
    summary = SummaryFactory()
    assert offers(page(client, summary, member), summary) == {**NOTHING, "report": True}


def test_writer_is_offered_edit_history_delete_and_never_report(client):
    summary = SummaryFactory()
    html = page(client, summary, summary.writer)
    assert offers(html, summary) == {**NOTHING, "edit": True, "history": True, "delete": True}


def test_writer_of_a_private_summary_is_offered_share(client):
    summary = SummaryFactory(visibility=Summary.Visibility.PRIVATE)
    html = page(client, summary, summary.writer)
    assert offers(html, summary) == {"edit": True, "history": True, "share": True, "delete": True, "report": False}


def test_moderator_is_offered_history_and_report_but_not_the_writers_actions(client):
    summary = SummaryFactory()
    html = page(client, summary, ModeratorFactory())
    assert offers(html, summary) == {**NOTHING, "history": True, "report": True}


def test_banned_member_is_offered_no_summary_actions(client):
    summary = SummaryFactory()
    assert offers(page(client, summary, banned_user()), summary) == NOTHING


def test_banned_writer_keeps_only_the_history_of_their_summary(client):
    writer = banned_user("banned-writer")
    summary = SummaryFactory(writer=writer)
    assert offers(page(client, summary, writer), summary) == {**NOTHING, "history": True}


def test_writer_is_not_offered_report_on_their_own_comment(client):
    summary = SummaryFactory()
    reader = UserFactory()
    own = CommentFactory(summary=summary, writer=reader, body="Mine")
    other = CommentFactory(summary=summary, body="Theirs")
    html = page(client, summary, reader)
    assert f'href="{reverse("moderation:report", args=["comment", own.pk])}"' not in html
    assert f'href="{reverse("moderation:report", args=["comment", other.pk])}"' in html


def test_hidden_notice_links_the_writer_to_the_editor(client):
    summary = SummaryFactory(state=Summary.State.HIDDEN)
    html = page(client, summary, summary.writer)
    assert "Hidden by a moderator." in html
    assert f'<a href="{reverse("summaries:edit", args=[summary.pk])}">edit it</a>' in html


def test_writer_cannot_report_own_summary(client):
    summary = SummaryFactory()
    client.force_login(summary.writer)
    url = reverse("moderation:report", args=["summary", summary.pk])
    assert client.post(url, {"reason": "wrong_paper"}).status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_summary_page_query_budget_for_every_role(client, role, role_users, django_assert_max_num_queries):
    summary = SummaryFactory(visibility=Summary.Visibility.PUBLIC, writer=role_users["writer"])
    for _ in range(5):
        CommentFactory(summary=summary, parent=CommentFactory(summary=summary))
    if role_users[role] is not None:
        client.force_login(role_users[role])
    with django_assert_max_num_queries(10):
        assert client.get(summary.get_absolute_url()).status_code == 200
