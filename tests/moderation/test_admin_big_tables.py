"""Admin changelists over big tables: estimated counts, identifier and full-text search instead of ILIKE."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from papers.models import Paper
from shortscience.lib import admin as admin_tools
from summaries.models import Summary
from tests.factories import CommentFactory, PaperFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mod_client(client, moderator):
    client.force_login(moderator)
    return client


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def test_paper_changelist_shows_the_estimated_total_for_a_big_table(mod_client, monkeypatch):
    PaperFactory()
    monkeypatch.setattr(admin_tools, "planner_estimate", lambda queryset: 2_500_000)
    html = mod_client.get(changelist(Paper)).content.decode()
    assert "2500000 papers" in html


def test_paper_search_by_arxiv_id_or_doi_finds_exactly_that_paper(mod_client):
    arxiv = PaperFactory(title="Attention Is All You Need", arxiv_id="1706.03762")
    doi = PaperFactory(title="ImageNet Classification", doi="10.1145/3065386")
    other = PaperFactory(title="Attention again, 1706.03762 cited in the title")
    html = mod_client.get(changelist(Paper), {"q": "arXiv:1706.03762v5"}).content.decode()
    assert change(arxiv) in html and change(other) not in html and change(doi) not in html
    html = mod_client.get(changelist(Paper), {"q": "https://doi.org/10.1145/3065386"}).content.decode()
    assert change(doi) in html and change(arxiv) not in html


def test_paper_search_by_words_uses_the_full_text_index(mod_client):
    transformer = PaperFactory(title="Transformers for Protein Folding")
    other = PaperFactory(title="Convolutional Networks")
    html = mod_client.get(changelist(Paper), {"q": "transformer"}).content.decode()  # stemmed match
    assert change(transformer) in html and change(other) not in html
    html = mod_client.get(changelist(Paper), {"q": transformer.slug}).content.decode()
    assert change(transformer) in html and change(other) not in html


def test_summary_search_by_writer_body_or_paper_title(mod_client):
    by_alice = SummaryFactory(writer=UserFactory(username="alice"), body="Plain words.")
    about_folding = SummaryFactory(paper=PaperFactory(title="Protein Folding with Transformers"), body="Nice.")
    says_gradient = SummaryFactory(body="The gradient vanishes in deep networks.")
    everyone = [by_alice, about_folding, says_gradient]

    def found(q):
        html = mod_client.get(changelist(Summary), {"q": q}).content.decode()
        return [s for s in everyone if change(s) in html]

    assert found("alice") == [by_alice]
    assert found("ALI") == []  # usernames match exactly, never as substrings
    assert found("folding") == [about_folding]
    assert found("gradients") == [says_gradient]


def test_comment_search_by_number_writer_or_words(mod_client):
    by_alice = CommentFactory(writer=UserFactory(username="alice"), body="Plain words.")
    says_gradient = CommentFactory(body="The gradient vanishes in deep networks.")
    says_alice = CommentFactory(body="I agree with alice here.")
    everyone = [by_alice, says_gradient, says_alice]

    def found(q):
        html = mod_client.get(changelist(Comment), {"q": q}).content.decode()
        return [c for c in everyone if change(c) in html]

    assert found("alice") == [by_alice, says_alice]  # her comments, and comments naming her
    assert found("@alice") == [by_alice]
    assert found("ALI") == []  # usernames and words match whole, never as substrings
    assert found("GRADIENT deep") == [says_gradient]
    assert found("gradient -deep") == []  # the search box speaks web-search syntax
    assert found(str(says_gradient.pk)) == [says_gradient]
    assert found('"unbalanced') == []  # a stray quote is not an error


def test_comment_search_never_scans_the_text_with_ilike(mod_client):
    CommentFactory(body="Learning rates matter.")
    with CaptureQueriesContext(connection) as queries:
        assert mod_client.get(changelist(Comment), {"q": "learning"}).status_code == 200
    sql = " ".join(q["sql"] for q in queries.captured_queries).upper()
    assert "LIKE" not in sql
    assert "TO_TSVECTOR('SIMPLE'" in sql.replace("::REGCONFIG", "")


# --- the summaries changelist: status column and the deleted filter ---------------------------------------


def _row(html, title):
    """The changelist row (<tr>…</tr>) that mentions ``title``."""
    start = html.index(title)
    return html[html.rindex("<tr", 0, start) : html.index("</tr>", start)]


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({}, "Public"),
        ({"visibility": "private"}, "Private"),
        ({"state": "hidden"}, "Hidden"),
        ({"state": "spam"}, "Spam"),
        ({"state": "pending"}, "Held for review"),
        ({"deleted": True}, "Deleted"),
        ({"deleted": True, "state": "hidden", "visibility": "private"}, "Deleted"),
        ({"is_anonymous": True}, "Public · anonymous"),
    ],
)
def test_summary_changelist_status_column_says_deleted_hidden_spam_private_or_public(mod_client, fields, status):
    deleted = fields.pop("deleted", False)
    summary = SummaryFactory(paper=PaperFactory(title="The one to look at"), **fields)
    if deleted:
        Summary.objects.filter(pk=summary.pk).update(deleted_at=timezone.now())
    row = _row(mod_client.get(changelist(Summary)).content.decode(), "The one to look at")
    assert f'<td class="field-status">{status}</td>' in row.replace("&#x27;", "'")
    page = mod_client.get(change(summary)).content.decode()
    assert status in page


def test_summary_changelist_filters_deleted_summaries(mod_client):
    SummaryFactory(paper=PaperFactory(title="Still here"))
    gone = SummaryFactory(paper=PaperFactory(title="Deleted by its writer"))
    Summary.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    deleted_only = mod_client.get(changelist(Summary), {"deleted": "yes"}).content.decode()
    assert "Deleted by its writer" in deleted_only and "Still here" not in deleted_only
    live_only = mod_client.get(changelist(Summary), {"deleted": "no"}).content.decode()
    assert "Still here" in live_only and "Deleted by its writer" not in live_only


def test_summary_changelist_filtered_by_deleted_keeps_estimated_counts_and_its_query_budget(
    mod_client, monkeypatch, django_assert_max_num_queries
):
    SummaryFactory()
    monkeypatch.setattr(admin_tools, "planner_estimate", lambda queryset: 1_200_000)
    with django_assert_max_num_queries(12) as small:
        html = mod_client.get(changelist(Summary), {"deleted": "no"}).content.decode()
    assert "1200000 summaries" in html
    for _ in range(10):
        SummaryFactory()
    with django_assert_max_num_queries(len(small)):
        mod_client.get(changelist(Summary), {"deleted": "no"})


@pytest.mark.parametrize(
    ("model", "factory", "columns"),
    [
        (Summary, SummaryFactory, ['"body"', '"body_html"', '"search_vector"', '"abstract"', '"title_vector"']),
        (Paper, PaperFactory, ['"abstract"', '"search_vector"', '"title_vector"', '"arxiv_versions"']),
    ],
)
def test_changelists_leave_the_big_columns_they_never_show_unread(
    mod_client, django_assert_max_num_queries, model, factory, columns
):
    factory()
    with django_assert_max_num_queries(12) as one:
        mod_client.get(changelist(model))
    for _ in range(5):
        factory()
    with CaptureQueriesContext(connection) as queries:
        response = mod_client.get(changelist(model))
    assert response.status_code == 200 and len(queries) <= len(one)  # no row reads a deferred column afterwards
    rows = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(f'SELECT "{model._meta.db_table}"."id"')]
    assert rows and not [column for column in columns for sql in rows if column in sql]


def test_summary_search_finds_hidden_summaries_by_their_papers_title_and_caps_body_matches(mod_client):
    from moderation.admin_summaries import BODY_CANDIDATES

    hidden = SummaryFactory(paper=PaperFactory(title="Okapi Dynamics"), state=Summary.State.HIDDEN, body="Plain.")
    with CaptureQueriesContext(connection) as queries:
        html = mod_client.get(changelist(Summary), {"q": "okapi"}).content.decode()
    assert change(hidden) in html
    union = next(q["sql"] for q in queries.captured_queries if " UNION " in q["sql"])
    assert f"LIMIT {BODY_CANDIDATES}" in union and '"title_vector" @@' in union
