"""The benchmark data generator keeps every constraint and fills every denormalised counter correctly."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q, Sum

from accounts.models import User
from comments.models import Comment
from papers.models import Paper, PaperAuthor, Venue
from papers.vectors import build_query
from shortscience.management.commands.generate_bench_data import BenchSpec, generate
from summaries.models import LISTED, Summary, Vote

SPEC = BenchSpec(papers=200, summaries=100, users=40, seed=7)


pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def bench_data(django_db_setup, django_db_blocker):
    """Generate once for the module inside a transaction that is rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        generate(connection, SPEC, log=lambda message: None)
        yield SPEC
        transaction.set_rollback(True)


def test_generator_creates_the_requested_numbers_of_rows(bench_data):
    assert Paper.objects.count() == bench_data.papers
    assert Summary.objects.count() == bench_data.summaries
    assert User.objects.count() == bench_data.users
    assert Vote.objects.exists()
    assert Comment.objects.exists()


def test_every_paper_has_three_to_eight_ordered_distinct_authors(bench_data):
    per_paper = PaperAuthor.objects.values("paper").annotate(n=Count("id"), top=Max("position"))
    assert len(per_paper) == bench_data.papers
    for row in per_paper:
        assert 3 <= row["n"] <= 8
        assert row["top"] == row["n"] - 1  # positions 0..n-1 without gaps


def test_paper_summary_counters_equal_their_listed_summaries(bench_data):
    listed = Summary.objects.listed()
    for paper in Paper.objects.all():
        mine = listed.filter(paper=paper)
        assert paper.summary_count == mine.count()
        assert paper.last_summary_at == mine.aggregate(last=Max("created_at"))["last"]
    assert Paper.objects.filter(summary_count__gt=0).exists()


def test_scores_equal_the_sum_of_counted_votes(bench_data):
    for summary in Summary.objects.all():
        total = summary.votes.exclude(user__in=User.objects.banned()).aggregate(s=Sum("value"))["s"] or 0
        assert summary.score == total
    assert not Vote.objects.filter(user__in=User.objects.banned()).exists()


def test_nobody_votes_on_their_own_summary(bench_data):
    assert not Vote.objects.filter(summary__writer=F("user")).exists()


def test_comment_counts_equal_visible_comments(bench_data):
    for summary in Summary.objects.all():
        assert summary.comment_count == summary.comments.filter(state="visible", deleted_at__isnull=True).count()


def test_replies_are_one_level_deep_on_the_same_summary(bench_data):
    replies = Comment.objects.filter(parent__isnull=False).select_related("parent")
    assert replies.exists()
    for reply in replies:
        assert reply.parent.parent_id is None
        assert reply.parent.summary_id == reply.summary_id


def test_venue_counters_equal_their_papers_and_listed_summaries(bench_data):
    listed = Summary.objects.filter(LISTED)
    for venue in Venue.objects.all():
        # Merged papers count for the paper they were merged into, not for their venue.
        assert venue.paper_count == Paper.objects.live().filter(venue=venue).count()
        assert venue.summary_count == listed.filter(paper__venue=venue, paper__merged_into=None).count()
    arxiv = Venue.objects.get(slug="arxiv")
    assert arxiv.paper_count == max(Venue.objects.values_list("paper_count", flat=True))


def test_member_counters_count_credited_summaries_and_their_score(bench_data):
    for user in User.objects.all():
        credited = Summary.objects.credited().filter(writer=user)
        assert user.summary_count == credited.count()
        assert user.total_score == (credited.aggregate(s=Sum("score"))["s"] or 0)


def test_identifiers_are_canonical_and_papers_are_searchable(bench_data):
    from shortscience.lib.identifiers import parse_arxiv_id

    arxiv_ids = list(Paper.objects.exclude(arxiv_id=None).values_list("arxiv_id", flat=True))
    assert arxiv_ids
    assert all(parse_arxiv_id(value).id == value for value in arxiv_ids)
    assert not Paper.objects.filter(search_vector=None).exists()
    assert not Paper.objects.filter(title_vector=None).exists()
    assert not Summary.objects.filter(search_vector=None).exists()
    assert Paper.objects.filter(search_vector=build_query("learning")).exists()


def test_generated_rows_keep_a_mix_of_visibility_states(bench_data):
    assert Summary.objects.filter(LISTED).count() > bench_data.summaries // 2
    assert Summary.objects.filter(~Q(visibility="public") | ~Q(state="visible") | Q(is_anonymous=True)).exists()


def test_new_rows_after_generation_get_fresh_ids(bench_data):
    """Sequences are reset past the explicit ids the generator used."""
    paper = Paper.objects.create(title="A paper added after the bench data")
    assert paper.pk > bench_data.papers


def test_command_refuses_a_database_that_is_not_a_bench_database():
    with pytest.raises(CommandError, match="bench"):
        call_command("generate_bench_data", "--database-name", "shortscience")
