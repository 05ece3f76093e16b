"""manage.py recompute_scores: reports drift in scores, counters and title vectors, fixes it with --fix."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from moderation import recompute
from papers.models import Paper, Venue
from summaries.models import Summary
from tests.factories import CommentFactory, PaperFactory, SummaryFactory, UserFactory, VoteFactory

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("recompute_scores", *args, stdout=out)
    return out.getvalue()


def test_no_drift_on_consistent_data():
    summary = SummaryFactory()
    CommentFactory(summary=summary)
    VoteFactory(summary=summary)
    summary.recompute_score()
    assert "All scores and counters are right." in run()


def test_reports_and_fixes_every_kind_of_drift():
    summary = SummaryFactory()
    CommentFactory(summary=summary)
    VoteFactory(summary=summary, value=1)
    banned = UserFactory()
    VoteFactory(summary=summary, user=banned, value=1)
    banned.ban(reason="ring")  # without recomputing: the stored score still counts the vote
    Summary.objects.filter(pk=summary.pk).update(comment_count=7)
    Paper.objects.filter(pk=summary.paper_id).update(summary_count=5)
    Venue.objects.filter(pk=summary.paper.venue_id).update(paper_count=9, summary_count=9)
    User.objects.filter(pk=summary.writer_id).update(summary_count=3, total_score=42)

    report = run()
    for label in ["summary scores: 1", "comment counts: 1", "paper summary counts: 1", "venue", "member"]:
        assert label in report
    assert "--fix" in report
    summary.refresh_from_db()
    assert summary.comment_count == 7  # reporting alone changes nothing

    run("--fix")
    summary.refresh_from_db()
    assert (summary.score, summary.comment_count) == (1, 1)
    assert summary.paper.summary_count == 1
    venue = Venue.objects.get(pk=summary.paper.venue_id)
    assert (venue.paper_count, venue.summary_count) == (1, 1)
    writer = User.objects.get(pk=summary.writer_id)
    assert (writer.summary_count, writer.total_score) == (1, 1)
    assert "All scores and counters are right." in run()


def vectors(*papers):
    return list(
        Paper.objects.filter(pk__in=[p.pk for p in papers]).order_by("pk").values_list("title_vector", "search_vector")
    )


def test_reports_and_fills_papers_without_a_title_vector(monkeypatch):
    """Papers added by the previous release while migration papers/0004 ran have no title vector; --fix
    computes it (and search_vector) with the site's own statement, in batches: the same values as a save."""
    monkeypatch.setattr(recompute, "VECTOR_BATCH", 2)
    papers = [PaperFactory(author_names=["Ada Lovelace"]) for _ in range(4)]
    papers[0].keywords.add("attention")
    papers[0].refresh_search_vector()
    expected = vectors(*papers)
    assert all(title and search for title, search in expected)
    Paper.objects.filter(pk__in=[p.pk for p in papers[:3]]).update(title_vector=None)

    report = run()
    assert "papers without a title vector: 3 drifted" in report
    assert f"#{papers[0].pk}: stored NULL" in report
    assert vectors(*papers)[0][0] is None  # reporting alone changes nothing

    with CaptureQueriesContext(connection) as queries:
        run("--fix")
    updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE papers_paper")]
    assert len(updates) == 2  # 3 papers in batches of 2
    assert vectors(*papers) == expected
    assert "All scores and counters are right." in run()


@pytest.mark.parametrize("command", ["repair_counters", "recompute_scores"])
def test_repair_counters_fixes_drift_and_keeps_its_old_name(command):
    summary = SummaryFactory()
    Summary.objects.filter(pk=summary.pk).update(comment_count=5)
    out = StringIO()
    call_command(command, "--fix", stdout=out)
    assert "summary comment counts: 1 drifted" in out.getvalue()
    summary.refresh_from_db()
    assert summary.comment_count == 0
