"""Beat's schedule: every periodic job is there, at its cadence (UTC), and names a task the workers know."""

from __future__ import annotations

from celery.schedules import crontab
from django.conf import settings

from shortscience.celery import app

EXPECTED = {
    # task name: (crontab fields or seconds)
    "jobs.heartbeat": 60,
    "moderation.end_expired_bans": {"minute": {5}, "hour": set(range(24))},
    "jobs.clear_sessions": {"minute": {15}, "hour": {2}},
    "jobs.purge_sent_mail": {"minute": {30}, "hour": {2}},
    "moderation.check_counters": {"minute": {0}, "hour": {3}},
    "summaries.delete_orphaned_images": {"minute": {0}, "hour": {4}},
    # After arXiv's Sunday–Thursday announcements (docs/digest.md, "Harvest").
    "papers.harvest_daily": {"minute": {30}, "hour": {5}, "day_of_week": {1, 2, 3, 4, 5}},
    # Scheduled digests are published within five minutes of their time (docs/digest.md, "Curation").
    "digest.publish_due": 300,
}


def schedule_by_task() -> dict:
    return {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}


def test_every_periodic_job_is_scheduled_once():
    tasks = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert sorted(tasks) == sorted(EXPECTED)


def test_each_job_runs_at_its_cadence():
    for task, expected in EXPECTED.items():
        schedule = schedule_by_task()[task]["schedule"]
        if isinstance(expected, int):
            assert schedule == expected, task
            continue
        assert isinstance(schedule, crontab), task
        assert schedule.minute == expected["minute"], task
        assert schedule.hour == expected["hour"], task
        assert schedule.day_of_week == expected.get("day_of_week", set(range(7))), task
        assert schedule.day_of_month == set(range(1, 32)), task


def test_the_schedule_runs_in_utc():
    assert settings.CELERY_TIMEZONE == "UTC"
    assert app.conf.timezone == "UTC"


def test_every_scheduled_task_is_registered():
    app.loader.import_default_modules()  # what a worker does at start: autodiscover every app's tasks
    for task in schedule_by_task():
        assert task in app.tasks, task


def test_a_late_run_expires_before_the_next_is_due():
    for task, expected in EXPECTED.items():
        hourly = isinstance(expected, dict) and expected["hour"] == set(range(24))
        every = expected if isinstance(expected, int) else 3600 if hourly else 24 * 3600
        assert 0 < schedule_by_task()[task]["options"]["expires"] < every, task
