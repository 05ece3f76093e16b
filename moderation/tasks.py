"""The moderation app's background jobs (scheduled in ``CELERY_BEAT_SCHEDULE``)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from jobs.tasks import ReliableTask
from moderation import actions, recompute

logger = logging.getLogger(__name__)


@shared_task(base=ReliableTask, name="moderation.end_expired_bans")
def end_expired_bans() -> int:
    """Hourly: lift the bans whose end date has passed."""
    lifted = len(actions.end_expired_bans())
    logger.info("%d expired ban(s) lifted.", lifted)
    return lifted


@shared_task(base=ReliableTask, name="moderation.check_counters", soft_time_limit=1800, time_limit=2100)
def check_counters() -> int:
    """Nightly: compare every stored counter with its recomputed value, change nothing, mail the admins the
    drift found. Returns how many values drifted."""
    drifts = recompute.check_all()
    total = sum(len(drift.ids) for drift in drifts)
    if drifts:
        logger.warning("Counter drift found:\n%s", recompute.drift_report(drifts))
        recompute.mail_drift_report(drifts, timezone.now().date())
    else:
        logger.info("Counter check: no drift.")
    return total
