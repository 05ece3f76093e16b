"""The summaries app's background jobs (scheduled in ``CELERY_BEAT_SCHEDULE``)."""

from __future__ import annotations

import logging

from celery import shared_task

from jobs.tasks import ReliableTask
from summaries import orphans

logger = logging.getLogger(__name__)


@shared_task(base=ReliableTask, name="summaries.delete_orphaned_images", soft_time_limit=3000, time_limit=3600)
def delete_orphaned_images() -> int:
    """Nightly: delete uploaded images no summary or revision refers to, older than the grace period."""
    result = orphans.delete_orphaned_images()
    logger.info(
        "Orphaned images: %d deleted, %d referenced, %d too recent, of %d",
        len(result.deleted),
        result.referenced,
        result.too_recent,
        result.scanned,
    )
    return len(result.deleted)
