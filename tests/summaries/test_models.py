import io
import threading
import time

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from comments.models import Comment
from summaries.models import Summary
from tests.factories import CommentFactory, PaperFactory, SummaryFactory

pytestmark = pytest.mark.django_db


def test_one_summary_per_writer_per_paper():
    summary = SummaryFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        SummaryFactory(paper=summary.paper, writer=summary.writer)


def test_body_html_is_rendered_and_cached_on_save():
    summary = SummaryFactory(body="Hello **world** <script>alert(1)</script>")
    stored = Summary.objects.get(pk=summary.pk).body_html
    assert "<strong>world</strong>" in stored
    assert "<script" not in stored


def test_citations_link_to_the_sites_pages_by_dblp_key_arxiv_id_or_doi_in_one_query():
    by_dblp = PaperFactory(dblp_key="conf/nips/VaswaniSPUJGKP17")
    by_arxiv = PaperFactory(arxiv_id="1512.03385")
    by_doi = PaperFactory(doi="10.1145/3065386")
    kept = PaperFactory(dblp_key="conf/icml/Kept20")
    merged = PaperFactory(dblp_key="conf/icml/Merged20", merged_into=kept)
    paper = PaperFactory()
    body = (
        "\\cite{conf/nips/VaswaniSPUJGKP17} \\cite{arXiv:1512.03385v2, doi:10.1145/3065386} "
        "\\cite{conf/icml/Merged20} \\cite{journals/jmlr/Unknown99}"
    )
    with CaptureQueriesContext(connection) as queries:
        summary = SummaryFactory(paper=paper, body=body)
    paper_lookups = [q["sql"] for q in queries if 'FROM "papers_paper"' in q["sql"] and "dblp_key" in q["sql"]]
    assert len(paper_lookups) == 1, paper_lookups
    html = Summary.objects.get(pk=summary.pk).body_html
    for cited in (by_dblp, by_arxiv, by_doi, kept):
        assert f'href="{cited.get_absolute_url()}"' in html
    assert merged.get_absolute_url() not in html
    assert '<a href="https://dblp.org/rec/journals/jmlr/Unknown99"' in html
    assert "dblp.org/rec/conf/nips" not in html


def test_citations_cost_one_query_however_many_there_are(django_assert_num_queries):
    from summaries.markup import render_summary

    papers = [PaperFactory(dblp_key=f"conf/x/P{n}") for n in range(10)]
    body = " ".join(f"\\cite{{conf/x/P{n}}} \\cite{{10.1000/{n}}} \\cite{{2001.{n:05d}}}" for n in range(10))
    with django_assert_num_queries(1):
        html = render_summary(body)
    assert all(f'href="{paper.get_absolute_url()}"' in html for paper in papers)


@pytest.mark.parametrize(
    "fields",
    [{"visibility": "private"}, {"state": "hidden"}, {"state": "spam"}, {"state": "pending"}],
)
def test_unlisted_summaries_are_not_counted_or_listed(fields):
    paper = PaperFactory()
    SummaryFactory(paper=paper, **fields)
    paper.refresh_from_db()
    assert paper.summary_count == 0
    assert not Summary.objects.listed().exists()


def test_paper_counter_follows_state_changes():
    summary = SummaryFactory()
    summary.set_state(Summary.State.HIDDEN)
    summary.paper.refresh_from_db()
    assert summary.paper.summary_count == 0
    summary.set_state(Summary.State.VISIBLE)
    summary.soft_delete()
    summary.paper.refresh_from_db()
    assert summary.paper.summary_count == 0
    summary.restore()
    summary.paper.refresh_from_db()
    assert summary.paper.summary_count == 1


def test_anonymous_byline_never_names_the_writer():
    summary = SummaryFactory(is_anonymous=True)
    assert summary.byline == "anonymous"


def test_share_token_is_unguessable_and_revocable():
    summary = SummaryFactory(visibility="private")
    token = summary.ensure_share_token()
    assert len(token) >= 40
    summary.revoke_share_token()
    assert Summary.objects.get(pk=summary.pk).share_token is None


def test_comment_count_is_stored_and_follows_moderation():
    comment = CommentFactory()
    CommentFactory(summary=comment.summary, parent=comment)
    comment.summary.refresh_from_db()
    assert comment.summary.comment_count == 2
    comment.set_state(Comment.State.HIDDEN)
    comment.summary.refresh_from_db()
    assert comment.summary.comment_count == 1


def test_search_vector_is_stored_for_chinese_text():
    summary = SummaryFactory(body="Transformer 完全依靠注意力机制")
    assert Summary.objects.filter(pk=summary.pk, search_vector__isnull=False).exists()


def _venue_summaries(summary) -> int:
    summary.paper.venue.refresh_from_db()
    return summary.paper.venue.summary_count


def test_a_stale_copy_that_hides_and_unhides_does_not_count_a_private_summary(moderator):
    from moderation import actions

    summary = SummaryFactory()
    stale = Summary.objects.get(pk=summary.pk)
    fresh = Summary.objects.get(pk=summary.pk)
    fresh.visibility = Summary.Visibility.PRIVATE
    fresh.save()
    assert _venue_summaries(summary) == 0
    actions.hide(stale, actor=moderator)
    actions.unhide(stale, actor=moderator)
    stored = Summary.objects.get(pk=summary.pk)
    assert stored.visibility == Summary.Visibility.PRIVATE and not stored.is_listed
    assert stale.visibility == Summary.Visibility.PRIVATE  # refreshed from the locked row
    assert _venue_summaries(summary) == 0


def test_saves_that_touch_no_listing_field_take_no_lock(django_assert_num_queries):
    summary = SummaryFactory()
    with CaptureQueriesContext(connection) as queries:
        summary.feature(True)
    assert not any("FOR UPDATE" in q["sql"] for q in queries.captured_queries)
    with CaptureQueriesContext(connection) as queries:
        summary.set_state(Summary.State.HIDDEN)
    assert sum("FOR UPDATE" in q["sql"] for q in queries.captured_queries) == 1


@pytest.mark.django_db(transaction=True)
def test_two_requests_publishing_one_summary_at_once_count_it_once():
    summary = SummaryFactory(visibility=Summary.Visibility.PRIVATE)
    assert _venue_summaries(summary) == 0
    first_saved = threading.Event()
    errors = []

    def publish(wait_for=None, then=None):
        try:
            if wait_for:
                wait_for.wait(5)
            with transaction.atomic():
                copy = Summary.objects.get(pk=summary.pk)
                copy.visibility = Summary.Visibility.PUBLIC
                copy.save()
                if then:
                    then.set()
                    time.sleep(0.5)  # hold the row lock while the other request tries to publish
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=publish, kwargs={"then": first_saved}),
        threading.Thread(target=publish, kwargs={"wait_for": first_saved}),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _venue_summaries(summary) == 1


def test_rerender_summaries_rewrites_only_stale_html():
    from django.core.management import call_command

    stale = SummaryFactory(body="https://i.imgur.com/figure.png")
    fresh = SummaryFactory(body="Nothing to change.")
    Summary.objects.filter(pk=stale.pk).update(body_html="<p>old</p>")
    fresh_html = Summary.objects.get(pk=fresh.pk).body_html

    call_command("rerender_summaries", "--dry-run", stdout=io.StringIO())
    assert Summary.objects.get(pk=stale.pk).body_html == "<p>old</p>"

    out = io.StringIO()
    with CaptureQueriesContext(connection) as queries:
        call_command("rerender_summaries", "--batch", "1", stdout=out)
    assert '<img src="https://i.imgur.com/figure.png"' in Summary.objects.get(pk=stale.pk).body_html
    assert Summary.objects.get(pk=fresh.pk).body_html == fresh_html
    assert sum(q["sql"].startswith("UPDATE") for q in queries) == 1
    assert "1 of 2 summaries re-rendered" in out.getvalue()


def test_every_index_summary_meta_declares_exists_in_the_database():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'summaries_summary'")
        built = {row[0] for row in cursor.fetchall()}
    declared = {index.name for index in Summary._meta.indexes}
    assert {"summary_sitemap_idx", "summary_sitemap_lastmod_idx"} <= declared
    assert declared <= built


def test_own_on_is_the_members_own_summary_of_that_paper_in_one_query():
    from django.contrib.auth.models import AnonymousUser
    from django.utils import timezone

    mine = SummaryFactory()
    other = SummaryFactory(paper=mine.paper)
    elsewhere = SummaryFactory(writer=mine.writer)
    with CaptureQueriesContext(connection) as queries:
        assert Summary.own_on(mine.paper, mine.writer) == mine.pk
    assert len(queries) == 1
    assert Summary.own_on(mine.paper, other.writer) == other.pk
    assert Summary.own_on(elsewhere.paper, other.writer) is None
    assert Summary.own_on(mine.paper, AnonymousUser()) is None
    Summary.objects.filter(pk=mine.pk).update(deleted_at=timezone.now())
    assert Summary.own_on(mine.paper, mine.writer) is None
