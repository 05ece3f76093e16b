"""A summary a moderator hides leaves every cached surface on the next request, not when the cache expires.

Before: its HTML stayed in the API's answers for ~60 s and in the sitemap for up to an hour.
"""

import pytest

from moderation import actions
from summaries.editing import save_summary
from tests.factories import PaperFactory, SummaryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def summary(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return SummaryFactory(body="A summary about **quokkas**.")


def _hide(summary, moderator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.hide(summary, actor=moderator, reason="Off topic.")


def test_a_hidden_summary_leaves_the_latest_summaries_api_at_once(
    client, summary, moderator, django_capture_on_commit_callbacks
):
    assert "quokkas" in client.get("/api/v1/summaries/latest").content.decode()
    _hide(summary, moderator, django_capture_on_commit_callbacks)
    assert "quokkas" not in client.get("/api/v1/summaries/latest").content.decode()


def test_a_hidden_summary_leaves_its_papers_api_answer_at_once(
    client, summary, moderator, django_capture_on_commit_callbacks
):
    url = f"/api/v1/papers/{summary.paper_id}/summaries"
    assert "quokkas" in client.get(url).content.decode()
    _hide(summary, moderator, django_capture_on_commit_callbacks)
    assert "quokkas" not in client.get(url).content.decode()


def test_a_hidden_summary_leaves_the_sitemap_at_once(client, summary, moderator, django_capture_on_commit_callbacks):
    assert summary.get_absolute_url() in client.get("/sitemap-summaries.xml").content.decode()
    _hide(summary, moderator, django_capture_on_commit_callbacks)
    assert summary.get_absolute_url() not in client.get("/sitemap-summaries.xml").content.decode()


def test_an_edit_shows_in_the_api_on_the_next_request(client, member, django_capture_on_commit_callbacks):
    data = {"body": "First thoughts on quokkas.", "visibility": "public", "is_anonymous": False}
    paper = PaperFactory()
    with django_capture_on_commit_callbacks(execute=True):
        save_summary(paper=paper, writer=member, expected_revision=0, data=data)
    assert "First thoughts" in client.get("/api/v1/summaries/latest").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        save_summary(paper=paper, writer=member, expected_revision=1, data={**data, "body": "Better thoughts."})
    html = client.get("/api/v1/summaries/latest").content.decode()
    assert "Better thoughts" in html and "First thoughts" not in html


def test_answers_stay_cached_while_nothing_changes(client, summary, django_assert_num_queries):
    client.get("/sitemap-summaries.xml")
    client.get("/api/v1/summaries/latest")
    with django_assert_num_queries(0):
        client.get("/sitemap-summaries.xml")
        client.get("/api/v1/summaries/latest")


def test_a_deleted_account_leaves_no_byline_in_cached_api_answers(client, django_capture_on_commit_callbacks):
    from members.deletion import delete_account
    from tests.factories import UserFactory

    writer = UserFactory(username="leaving", display_name="Leaving Writer")
    with django_capture_on_commit_callbacks(execute=True):
        SummaryFactory(writer=writer, body="Kept after the account goes.")
    assert "Leaving Writer" in client.get("/api/v1/summaries/latest").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        delete_account(writer)
    assert "Leaving Writer" not in client.get("/api/v1/summaries/latest").content.decode()
