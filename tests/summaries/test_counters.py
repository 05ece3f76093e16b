"""summaries.counters: every counter changes there, per event and set-based, by one definition each."""

import pytest

from accounts.models import User
from comments.models import Comment
from papers.models import Paper, Venue
from summaries import counters
from summaries.models import Summary
from tests.factories import CommentFactory, PaperFactory, SummaryFactory, VoteFactory

pytestmark = pytest.mark.django_db


def counts(paper):
    paper = Paper.objects.select_related("venue").get(pk=paper.pk)
    return paper.summary_count, paper.venue.summary_count


def test_summary_moved_to_another_paper_moves_its_counts_on_save():
    summary = SummaryFactory()
    old_paper, new_paper = summary.paper, PaperFactory()
    summary = Summary.objects.get(pk=summary.pk)  # as the admin loads it
    summary.paper = new_paper
    summary.save()
    assert counts(old_paper) == (0, 0)
    assert counts(new_paper) == (1, 1)


def test_unlisted_summary_moved_to_another_paper_counts_nowhere():
    summary = SummaryFactory(state=Summary.State.HIDDEN)
    old_paper, new_paper = summary.paper, PaperFactory()
    summary = Summary.objects.get(pk=summary.pk)
    summary.paper = new_paper
    summary.save()
    assert counts(old_paper) == (0, 0)
    assert counts(new_paper) == (0, 0)


def test_summary_moved_and_hidden_in_one_save_leaves_both_venues_right():
    summary = SummaryFactory()
    old_paper, new_paper = summary.paper, PaperFactory()
    summary = Summary.objects.get(pk=summary.pk)
    summary.paper = new_paper
    summary.state = Summary.State.HIDDEN
    summary.save()
    assert counts(old_paper) == (0, 0)
    assert counts(new_paper) == (0, 0)


def test_repair_all_rewrites_every_counter_from_the_source_rows():
    summary = SummaryFactory()
    VoteFactory(summary=summary, value=1)
    CommentFactory(summary=summary)
    Summary.objects.filter(pk=summary.pk).update(score=9, comment_count=9)
    Paper.objects.filter(pk=summary.paper_id).update(summary_count=9, last_summary_at=None)
    Venue.objects.filter(pk=summary.paper.venue_id).update(paper_count=9, summary_count=9)
    User.objects.filter(pk=summary.writer_id).update(summary_count=9, total_score=9)

    counters.repair_all(Comment.objects.shown())

    summary.refresh_from_db()
    paper = Paper.objects.select_related("venue", "merged_into").get(pk=summary.paper_id)
    writer = User.objects.get(pk=summary.writer_id)
    assert (summary.score, summary.comment_count) == (1, 1)
    assert (paper.summary_count, paper.last_summary_at) == (1, summary.created_at)
    assert (paper.venue.paper_count, paper.venue.summary_count) == (1, 1)
    assert (writer.summary_count, writer.total_score) == (1, 1)
    assert all(not counter.drift() for _, counter in counters.all_counters(Comment.objects.shown()))


def test_rows_without_source_rows_are_repaired_to_zero():
    summary = SummaryFactory(state=Summary.State.SPAM)
    Paper.objects.filter(pk=summary.paper_id).update(summary_count=3)
    assert [pk for pk, _, _ in counters.PAPERS.drift()] == [summary.paper_id]
    assert counters.PAPERS.repair([summary.paper_id]) == 1
    assert Paper.objects.get(pk=summary.paper_id).summary_count == 0
