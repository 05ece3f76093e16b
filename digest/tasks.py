"""The digest's background tasks."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from digest import mailing
from digest.models import Digest, DigestStateError
from jobs.queue import enqueue
from jobs.tasks import ReliableTask

logger = logging.getLogger(__name__)

# --- Publishing scheduled digests (curation) -------------------------------------------------------------


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


# --- Mailing subscribers (reading side) -------------------------------------------------------------------


@shared_task(base=ReliableTask, name="digest.mail_digest")
def mail_digest(digest_id: int) -> int:
    """Mail a published digest to its subscribers: claim it and enqueue its batches, once (enqueue this task after
    publishing). Returns the number of batches."""
    with transaction.atomic():
        batches = mailing.claim_batches(digest_id)
        for first_id, last_id in batches:
            enqueue(mail_digest_batch, digest_id, first_id, last_id)
    return len(batches)


# A batch sends up to mailing.BATCH_SIZE mails one after the other: more time than the default task's.
@shared_task(base=ReliableTask, name="digest.mail_digest_batch", soft_time_limit=900, time_limit=960)
def mail_digest_batch(digest_id: int, first_id: int, last_id: int) -> int:
    return mailing.send_batch(digest_id, first_id, last_id)
