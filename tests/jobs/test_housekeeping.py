"""The jobs layer's periodic housekeeping: sent-mail records purged after 30 days, expired sessions cleared,
the workers' heartbeat stamped."""

from __future__ import annotations

import time
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.utils import timezone

from jobs import heartbeat
from jobs.models import SentMail
from jobs.tasks import clear_sessions, purge_sent_mail
from jobs.tasks import heartbeat as heartbeat_task

pytestmark = pytest.mark.django_db


def sent_mail(key: str, days_ago: float) -> SentMail:
    record = SentMail.objects.create(key=key, sent_at=timezone.now())
    SentMail.objects.filter(pk=record.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return record


def test_purge_deletes_records_older_than_thirty_days_only():
    sent_mail("old", 31)
    sent_mail("recent", 29)
    assert purge_sent_mail.apply().get() == 1
    assert list(SentMail.objects.values_list("key", flat=True)) == ["recent"]


def test_purge_command_takes_a_number_of_days_and_refuses_zero():
    sent_mail("old", 10)
    sent_mail("recent", 1)
    out = StringIO()
    call_command("purge_sent_mail", "--days", "7", stdout=out)
    assert "1 sent-mail record(s) deleted." in out.getvalue()
    assert list(SentMail.objects.values_list("key", flat=True)) == ["recent"]
    with pytest.raises(CommandError):
        call_command("purge_sent_mail", "--days", "0")
    assert SentMail.objects.count() == 1


def test_clear_sessions_deletes_expired_sessions_only():
    now = timezone.now()
    Session.objects.create(session_key="expired", session_data="", expire_date=now - timedelta(minutes=1))
    Session.objects.create(session_key="live", session_data="", expire_date=now + timedelta(days=1))
    clear_sessions.apply().get()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]


def test_the_heartbeat_task_stamps_the_time_in_the_shared_cache():
    assert heartbeat.age_seconds() is None
    heartbeat_task.apply().get()
    age = heartbeat.age_seconds()
    assert age is not None and 0 <= age < 5
    heartbeat.beat(now=time.time() - 600)
    assert heartbeat.age_seconds() == pytest.approx(600, abs=5)
