"""The moderation app's periodic jobs: expired bans lifted hourly; the nightly counter check reports drift to
the admins (once a day), changes nothing, and checks in batches of ids."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from jobs.models import SentMail
from moderation import recompute
from moderation.tasks import check_counters, end_expired_bans
from papers.models import Paper
from summaries import counters
from summaries.models import Summary
from tests.factories import SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)  # the drift mail is sent after commit, as in production


@pytest.fixture
def admins(settings):
    settings.ADMINS = [("Admin", "admin@example.org"), ("Ops", "ops@example.org")]


def test_the_hourly_task_lifts_expired_bans_only(moderator):
    from moderation import actions

    expired, current = UserFactory(username="expired"), UserFactory(username="current")
    actions.ban(expired, actor=moderator, reason="x", until=timezone.now() + timedelta(days=1))
    actions.ban(current, actor=moderator, reason="x", until=timezone.now() + timedelta(days=3))
    User.objects.filter(pk=expired.pk).update(banned_until=timezone.now() - timedelta(minutes=1))

    assert end_expired_bans.apply().get() == 1
    assert User.objects.get(pk=expired.pk).banned_at is None
    assert User.objects.get(pk=current.pk).is_banned


def test_no_drift_sends_no_mail(admins):
    SummaryFactory()
    assert check_counters.apply().get() == 0
    assert mail.outbox == []


def test_drift_is_reported_to_the_admins_and_not_repaired(admins):
    summary = SummaryFactory()
    Summary.objects.filter(pk=summary.pk).update(comment_count=7)
    Paper.objects.filter(pk=summary.paper_id).update(summary_count=4)

    assert check_counters.apply().get() == 2

    [message] = mail.outbox
    assert message.to == ["admin@example.org", "ops@example.org"]
    assert "Counter drift: 2 value(s)" in message.subject
    assert "summary comment counts: 1 drifted" in message.body
    assert f"#{summary.pk}: stored 7, should be 0" in message.body
    assert "paper summary counts: 1 drifted" in message.body
    assert "repair_counters --fix" in message.body
    assert Summary.objects.get(pk=summary.pk).comment_count == 7  # report only
    assert Paper.objects.get(pk=summary.paper_id).summary_count == 4
    assert SentMail.objects.filter(key=f"counter-drift:{timezone.now().date().isoformat()}").exists()


def test_drift_is_mailed_once_a_day_however_often_the_check_runs(admins):
    summary = SummaryFactory()
    Summary.objects.filter(pk=summary.pk).update(comment_count=3)
    check_counters.apply().get()
    check_counters.apply().get()
    assert len(mail.outbox) == 1
    recompute.mail_drift_report(recompute.check_all(), date(2099, 1, 1))  # another day, another mail
    assert len(mail.outbox) == 2


def test_drift_without_admin_addresses_is_logged_not_mailed(settings, caplog):
    settings.ADMINS = []
    summary = SummaryFactory()
    Summary.objects.filter(pk=summary.pk).update(comment_count=3)
    assert check_counters.apply().get() == 1
    assert mail.outbox == []
    assert "summary comment counts: 1 drifted" in caplog.text


def test_the_command_reports_and_mails_like_the_task(admins):
    summary = SummaryFactory()
    Summary.objects.filter(pk=summary.pk).update(comment_count=3)
    out = StringIO()
    call_command("check_counters", stdout=out)
    assert "summary comment counts: 1 drifted" in out.getvalue()
    assert "Reported to ADMIN_EMAILS" in out.getvalue()
    assert len(mail.outbox) == 1
    assert Summary.objects.get(pk=summary.pk).comment_count == 3

    Summary.objects.filter(pk=summary.pk).update(comment_count=0)
    out = StringIO()
    call_command("check_counters", stdout=out)
    assert "All scores and counters are right." in out.getvalue()


def test_counters_are_checked_in_batches_of_consecutive_ids(monkeypatch):
    monkeypatch.setattr(recompute, "COUNTER_BATCH", 2)
    summaries = [SummaryFactory() for _ in range(5)]
    drifted = [summaries[0], summaries[3], summaries[4]]
    Summary.objects.filter(pk__in=[s.pk for s in drifted]).update(comment_count=9)

    with CaptureQueriesContext(connection) as queries:
        [drift] = [d for d in recompute.check_all() if d.label == "summary comment counts"]
    assert drift.ids == sorted(s.pk for s in drifted)
    statements = [q["sql"] for q in queries if "base.id >=" in q["sql"] and '"summaries_summary" base' in q["sql"]]
    ids = [s.pk for s in summaries]
    batches = len(range(min(ids), max(ids) + 1, 2))
    assert len(statements) == 2 * batches  # scores and comment counts, each batch by batch


def test_a_range_of_ids_limits_a_counter_to_those_rows():
    summaries = [SummaryFactory() for _ in range(3)]
    Summary.objects.filter(pk__in=[s.pk for s in summaries]).update(score=5)
    first, second, third = (s.pk for s in summaries)
    assert [pk for pk, *_ in counters.SCORES.drift(range(second, third + 1))] == [second, third]
    assert counters.SCORES.repair(range(first, second)) == 1
    assert [pk for pk, *_ in counters.SCORES.drift()] == [second, third]
