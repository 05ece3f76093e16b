"""The comment e-mails' tasks (``comments.notifications`` says who is told and what): the commenting request
enqueues ``notify_about_comment`` with the comment's id and nothing else; the fan-out and the sending happen in
the workers, so the request costs the same whether one member is told or thousands."""

from __future__ import annotations

from celery import shared_task

from comments import notifications
from jobs.queue import enqueue
from jobs.tasks import ReliableTask, send_batch


@shared_task(base=ReliableTask, name="comments.notify_about_comment")
def notify_about_comment(comment_id: int) -> int:
    """Work out who to tell about comment ``comment_id`` and enqueue one ``send_comment_emails`` per
    ``notifications.BATCH_SIZE`` of them; returns how many members were queued."""
    comment = notifications.load(comment_id)
    if comment is None:
        return 0
    queued = 0
    for batch in notifications.recipient_batches(comment):
        enqueue(send_comment_emails, comment_id, batch)
        queued += len(batch)
    return queued


@shared_task(base=ReliableTask, name="comments.send_comment_emails")
def send_comment_emails(comment_id: int, recipients: list[tuple[int, str]]) -> int:
    """Send the e-mails about comment ``comment_id`` to ``recipients`` ((member id, template) pairs) over one
    connection; returns how many went out now. A retry sends only those not sent yet (keyed per member)."""
    comment = notifications.load(comment_id)
    if comment is None:
        return 0
    return send_batch(notifications.emails(comment, recipients))
