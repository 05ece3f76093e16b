"""manage.py recompute_scores: reports drift in scores and counters, fixes it with --fix."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from papers.models import Paper, Venue
from summaries.models import Summary
from tests.factories import CommentFactory, SummaryFactory, UserFactory, VoteFactory

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
