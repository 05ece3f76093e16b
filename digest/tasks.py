"""The digest's background tasks."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from digest import mailing
from jobs.queue import enqueue
from jobs.tasks import ReliableTask

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
