"""Reports hide an item automatically only when they come from independent, trustworthy members.

Before: reports from any three established accounts hid a summary at once, however they were made.
"""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from moderation import actions, trust
from moderation.models import Report
from summaries.models import Summary
from tests.factories import SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def threshold(settings):
    settings.REPORT_AUTOHIDE_THRESHOLD = 3
    settings.REPORT_AUTOHIDE_PROTECTED_SCORE = 10


def reporter(days_ago, *, upheld=0, dismissed=0):
    user = UserFactory()
    user.date_joined = timezone.now() - timedelta(days=days_ago)
    user.save(update_fields=["date_joined"])
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    for status, count in [(Report.Status.RESOLVED, upheld), (Report.Status.DISMISSED, dismissed)]:
        for _ in range(count):
            Report.objects.create(reporter=user, content_object=SummaryFactory(), reason="spam", status=status)
    return user


def report_all(summary, reporters):
    for user in reporters:
        actions.create_report(reporter=user, obj=summary, reason="abuse")
    summary.refresh_from_db()
    return summary.state


def test_three_independent_established_members_still_hide_an_item():
    summary = SummaryFactory()
    assert report_all(summary, [reporter(30), reporter(90), reporter(400)]) == Summary.State.HIDDEN


def test_accounts_created_the_same_day_count_as_one_reporter():
    summary = SummaryFactory()
    same_day = [reporter(30), reporter(30.2), reporter(30.5)]
    assert report_all(summary, same_day) == Summary.State.VISIBLE
    assert trust.report_weight(summary) == 1


def test_accounts_created_in_a_chain_of_days_count_as_one_batch():
    # Each account made within a day of the previous one: a brigade that signed up over a weekend.
    summary = SummaryFactory()
    assert report_all(summary, [reporter(30), reporter(30.8), reporter(31.6)]) == Summary.State.VISIBLE


def test_reporters_whose_reports_were_dismissed_weigh_less():
    summary = SummaryFactory()
    unreliable = reporter(200, dismissed=2)
    assert report_all(summary, [reporter(30), reporter(90), unreliable]) == Summary.State.VISIBLE
    assert trust.report_weight(summary) == 2


def test_reporters_whose_reports_were_upheld_weigh_more():
    summary = SummaryFactory()
    assert report_all(summary, [reporter(30, upheld=1), reporter(90, upheld=1)]) == Summary.State.HIDDEN


def test_a_summary_readers_voted_up_waits_for_a_moderator():
    summary = SummaryFactory()
    Summary.objects.filter(pk=summary.pk).update(score=12)
    summary.refresh_from_db()
    state = report_all(summary, [reporter(30, upheld=2), reporter(90, upheld=2), reporter(400, upheld=2)])
    assert state == Summary.State.VISIBLE
    assert Report.objects.for_object(summary).open().count() == 3  # in the queue for a moderator


def test_weighing_takes_a_constant_number_of_queries(django_assert_max_num_queries):
    summary = SummaryFactory()
    for days in range(30, 330, 30):
        Report.objects.create(reporter=reporter(days, upheld=1), content_object=summary, reason="spam")
    with django_assert_max_num_queries(3):
        trust.report_weight(summary)


def test_report_of_a_member_whose_ban_ended_counts_once_the_end_date_passed():
    summary = SummaryFactory()
    member = reporter(30)
    Report.objects.create(reporter=member, content_object=summary, reason="abuse")
    member.ban(reason="a week off", until=timezone.now() + timedelta(days=7))
    assert trust.report_weight(summary) == 0
    member.banned_until = timezone.now() - timedelta(minutes=1)  # ended; end_expired_bans has not run yet
    member.save(update_fields=["banned_until"])
    assert trust.report_weight(summary) == 1


def test_established_is_one_rule_for_a_member_and_for_a_queryset():
    from accounts.models import User

    old, new, banned = reporter(30), reporter(0), reporter(30)
    banned.ban(reason="spam")
    assert {u.pk for u in User.objects.established()} == {old.pk}
    assert [u.is_established for u in (old, new, banned)] == [True, False, False]
