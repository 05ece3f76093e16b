"""E-mail to a member whose summary or comment was hidden, by a moderator or automatically after reports.

The writer learns what was hidden, why (the moderator's reason) and how to ask for a second look, instead of
finding their work gone without a word. Spam is hidden silently (telling a spammer what was caught teaches
them), and so is content hidden together with a ban (the ban itself is shown to the member on the site).
The hiding action enqueues ``send_hidden_notice`` with its audit entry's id; the notice is built when the task
runs, keyed ``hidden:<audit entry id>`` (sent at most once).
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.template.loader import render_to_string

from comments.models import Comment
from jobs.tasks import Mail, ReliableTask, deliver
from moderation.models import AuditEntry
from shortscience.lib.links import site_url
from summaries.models import Summary

EXCERPT_LENGTH = 400


def hidden_notice(entry: AuditEntry) -> Mail | None:
    """The notice about the hide (or automatic hide) ``entry`` records; None when there is nobody to tell or the
    item is no longer hidden (shown again, or deleted, before the task ran)."""
    automatic = entry.action == AuditEntry.Action.AUTO_HIDE
    model = entry.content_type.model_class() if entry.content_type_id else None
    if model is Summary:
        obj = Summary.objects.select_related("paper", "writer").filter(pk=entry.object_id).first()
        paper = obj.paper if obj else None
        link = obj.get_absolute_url() if obj else ""
    elif model is Comment:
        obj = Comment.objects.select_related("summary__paper", "writer").filter(pk=entry.object_id).first()
        paper = obj.summary.paper if obj else None
        link = obj.summary.get_absolute_url() if obj else ""
    else:
        return None
    if obj is None or obj.state != obj.State.HIDDEN or obj.deleted_at is not None:
        return None
    writer = obj.writer
    if writer is None or not writer.is_active or not writer.email:
        return None
    body = obj.body if len(obj.body) <= EXCERPT_LENGTH else obj.body[:EXCERPT_LENGTH].rstrip() + " …"
    context = {
        "kind": "summary" if model is Summary else "comment",
        "paper": paper,
        "excerpt": body,
        # An automatic hide's entry holds the report weights, for moderators; the writer is told the rule.
        "reason": "" if automatic else entry.reason.strip(),
        "automatic": automatic,
        # The writer may still open their own hidden summary; a hidden comment shows under its summary only to
        # moderators, so the link goes to the summary for context.
        "url": site_url(link),
        "contact_email": settings.CONTACT_EMAIL,
        "site_name": settings.SITE_NAME,
    }
    subject = render_to_string("moderation/email/hidden_subject.txt", context).strip().replace("\n", " ")
    text = render_to_string("moderation/email/hidden.txt", context)
    return Mail(f"hidden:{entry.pk}", subject, text, [writer.email])


@shared_task(base=ReliableTask, name="moderation.send_hidden_notice")
def send_hidden_notice(entry_id: int) -> bool:
    """E-mail the writer about the hide audit entry ``entry_id`` records; False when nothing was sent (nobody to
    tell, no longer hidden, or sent already)."""
    entry = AuditEntry.objects.select_related("content_type").filter(pk=entry_id).first()
    notice = hidden_notice(entry) if entry is not None else None
    return deliver(notice) if notice is not None else False
