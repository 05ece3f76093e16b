"""Moderation's tasks: the notice to a member whose summary or comment was hidden (``moderation.notices``)."""

from __future__ import annotations

from celery import shared_task

from jobs.tasks import ReliableTask, deliver
from moderation import notices
from moderation.models import AuditEntry


@shared_task(base=ReliableTask, name="moderation.send_hidden_notice")
def send_hidden_notice(entry_id: int) -> bool:
    """E-mail the writer about the hide audit entry ``entry_id`` records; False when nothing was sent (nobody to
    tell, no longer hidden, or sent already)."""
    entry = AuditEntry.objects.select_related("content_type").filter(pk=entry_id).first()
    notice = notices.hidden_notice(entry) if entry is not None else None
    return deliver(notice) if notice is not None else False
