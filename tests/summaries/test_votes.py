import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from summaries.models import Summary, Vote
from tests.factories import SummaryFactory, UserFactory, VoteFactory

pytestmark = pytest.mark.django_db


def test_one_vote_per_member_per_summary_is_enforced_by_the_database():
    vote = VoteFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(user=vote.user, summary=vote.summary, value=-1)


def test_vote_value_is_plus_or_minus_one():
    vote = VoteFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.filter(pk=vote.pk).update(value=5)


def test_casting_sets_score_and_same_value_withdraws():
    summary = SummaryFactory()
    voter = UserFactory()
    assert Vote.cast(user=voter, summary_id=summary.pk, value=1) == (1, 1)
    assert Vote.cast(user=voter, summary_id=summary.pk, value=-1) == (-1, -1)
    assert Vote.cast(user=voter, summary_id=summary.pk, value=-1) == (0, 0)
    assert not Vote.objects.filter(summary=summary).exists()


def test_writer_totals_follow_votes_on_credited_summaries_only():
    summary = SummaryFactory()
    anonymous = SummaryFactory(writer=summary.writer, is_anonymous=True)
    Vote.cast(user=UserFactory(), summary_id=summary.pk, value=1)
    Vote.cast(user=UserFactory(), summary_id=anonymous.pk, value=1)
    summary.writer.refresh_from_db()
    assert (summary.writer.summary_count, summary.writer.total_score) == (1, 1)


def test_votes_of_banned_members_do_not_count():
    summary = SummaryFactory()
    banned = UserFactory(banned_at=timezone.now())
    Vote.cast(user=UserFactory(), summary_id=summary.pk, value=1)
    assert Vote.cast(user=banned, summary_id=summary.pk, value=1)[0] == 1


@pytest.mark.django_db(transaction=True)
def test_score_equals_sum_of_votes_under_concurrent_voting():
    summary = SummaryFactory()
    voters = [UserFactory() for _ in range(16)]
    barrier = threading.Barrier(len(voters))
    errors = []

    def vote(user, value):
        try:
            barrier.wait()
            Vote.cast(user=user, summary_id=summary.pk, value=value)
            # Withdraw and re-cast half of them to interleave deletes with inserts.
            if user.pk % 2:
                Vote.cast(user=user, summary_id=summary.pk, value=value)
                Vote.cast(user=user, summary_id=summary.pk, value=value)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=vote, args=(u, 1 if i % 3 else -1)) for i, u in enumerate(voters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    summary.refresh_from_db()
    expected = sum(Vote.objects.filter(summary=summary).values_list("value", flat=True))
    assert Vote.objects.filter(summary=summary).count() == len(voters)
    assert summary.score == expected == sum(1 if i % 3 else -1 for i in range(len(voters)))
    assert Summary.objects.get(pk=summary.pk).score == expected
