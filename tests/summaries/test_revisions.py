import re

import pytest
from django.urls import reverse

from summaries.diffs import diff_lines
from summaries.editing import EditConflict, save_summary
from summaries.models import Revision
from tests.factories import PaperFactory, SummaryFactory
from tests.writing_helpers import banned_user

pytestmark = pytest.mark.django_db


def data(body):
    return {"body": body, "visibility": "public", "is_anonymous": False, "audience": "expert", "arxiv_version": None}


@pytest.fixture
def history(member):
    paper = PaperFactory()
    summary = save_summary(paper=paper, writer=member, expected_revision=0, data=data("line one\nline two"))
    save_summary(paper=paper, writer=member, expected_revision=1, data=data("line one\nline 2 <script>x</script>"))
    save_summary(paper=paper, writer=member, expected_revision=2, data=data("line one\nline 2 <script>x</script>"))
    summary.refresh_from_db()
    return summary


def test_save_summary_refuses_a_stale_revision(member):
    paper = PaperFactory()
    save_summary(paper=paper, writer=member, expected_revision=0, data=data("a"))
    save_summary(paper=paper, writer=member, expected_revision=1, data=data("b"))
    with pytest.raises(EditConflict) as conflict:
        save_summary(paper=paper, writer=member, expected_revision=1, data=data("c"))
    assert conflict.value.current.body == "b"
    assert Revision.objects.count() == 2


def test_diff_lines_are_unified_and_plain_text():
    lines = diff_lines("a\nb\nc", "a\nB\nc")
    assert [(line.kind, line.text) for line in lines if line.kind != "hunk"] == [
        ("context", "a"),
        ("remove", "b"),
        ("add", "B"),
        ("context", "c"),
    ]


def test_history_shows_escaped_diffs_newest_first(client, history):
    client.force_login(history.writer)
    response = client.get(reverse("writing:revisions", args=[history.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    assert html.index("Revision 3") < html.index("Revision 2") < html.index("Revision 1")
    assert "text unchanged" in html and "first version" in html
    assert "line 2 &lt;script&gt;x&lt;/script&gt;" in html
    assert "<script>x</script>" not in html
    assert re.search(r'class="diff-line diff-remove">.*line two', html)
    assert re.search(r'class="diff-line diff-add">.*line 2', html)


def test_history_is_paginated_with_a_constant_query_count(client, member, django_assert_max_num_queries):
    paper = PaperFactory()
    save_summary(paper=paper, writer=member, expected_revision=0, data=data("v0"))
    for n in range(1, 30):
        save_summary(paper=paper, writer=member, expected_revision=n, data=data(f"v{n}"))
    summary = paper.summaries.get()
    client.force_login(member)
    with django_assert_max_num_queries(8):
        html = client.get(reverse("writing:revisions", args=[summary.pk])).content.decode()
    assert "Revision 30" in html and "Revision 21" in html and "Revision 20" not in html
    with django_assert_max_num_queries(8):
        html = client.get(reverse("writing:revisions", args=[summary.pk]) + "?page=3").content.decode()
    assert "Revision 1<" in html and "first version" in html


def test_other_members_cannot_see_the_history(client, member, history):
    other = SummaryFactory().writer
    client.force_login(other)
    assert client.get(reverse("writing:revisions", args=[history.pk])).status_code == 404


def test_moderators_can_see_the_history_of_public_summaries(client, moderator, history):
    client.force_login(moderator)
    assert client.get(reverse("writing:revisions", args=[history.pk])).status_code == 200


def test_banned_writer_can_still_read_their_own_history(client, history):
    # Reading one's own writing is not contributing; a ban stops edits, not access to one's data.
    history.writer.banned_at = banned_user("b3").banned_at
    history.writer.save()
    client.force_login(history.writer)
    assert client.get(reverse("writing:revisions", args=[history.pk])).status_code == 200
