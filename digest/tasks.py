"""The digest's background work (Celery tasks, on the jobs layer's ``ReliableTask``)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from digest.models import Digest, DigestStateError
from jobs.tasks import ReliableTask

logger = logging.getLogger(__name__)


@shared_task(base=ReliableTask, name="digest.publish_due")
def publish_due() -> int:
    """Publish every scheduled digest whose time has come (beat, every five minutes); returns how many.

    Each digest is published under its own row lock and only if it is still scheduled and due, so a run that
    overlaps another, or a curator cancelling at the same moment, never publishes twice or against their will."""
    now = timezone.now()
    published = 0
    for pk in Digest.objects.due(now).order_by("publish_at").values_list("pk", flat=True):
        try:
            published += Digest.publish_if_due(pk, now)
        except DigestStateError as error:
            # An emptied digest stays scheduled; curators see it on the preview page.
            logger.warning("Scheduled digest %s was not published: %s", pk, error)
    return published
