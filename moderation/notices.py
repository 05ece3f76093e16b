"""E-mail to a member whose summary or comment was hidden, by a moderator or automatically after reports.

The writer learns what was hidden, why (the moderator's reason) and how to ask for a second look, instead of
finding their work gone without a word. Spam is hidden silently (telling a spammer what was caught teaches
them), and so is content hidden together with a ban (the ban itself is shown to the member on the site).
The e-mail is sent after the transaction commits; a mail failure is logged, never raised.
"""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from comments.models import Comment
from shortscience.lib.links import site_url
from shortscience.lib.mail import send_or_log
from summaries.models import Summary

EXCERPT_LENGTH = 400


def notify_hidden(obj, *, reason: str, automatic: bool = False) -> None:
    """Tell ``obj``'s writer, once the current transaction commits, that it was hidden."""
    transaction.on_commit(partial(send_hidden_notice, type(obj), obj.pk, reason=reason, automatic=automatic))


def send_hidden_notice(model, pk: int, *, reason: str, automatic: bool) -> bool:
    """Send the notice now; False when there is nobody to tell or the item is no longer hidden."""
    if model is Summary:
        obj = Summary.objects.select_related("paper", "writer").filter(pk=pk).first()
        paper = obj.paper if obj else None
        link = obj.get_absolute_url() if obj else ""
    else:
        obj = Comment.objects.select_related("summary__paper", "writer").filter(pk=pk).first()
        paper = obj.summary.paper if obj else None
        link = obj.summary.get_absolute_url() if obj else ""
    if obj is None or obj.state != obj.State.HIDDEN or obj.deleted_at is not None:
        return False
    writer = obj.writer
    if writer is None or not writer.is_active or not writer.email:
        return False
    body = obj.body if len(obj.body) <= EXCERPT_LENGTH else obj.body[:EXCERPT_LENGTH].rstrip() + " …"
    context = {
        "kind": "summary" if model is Summary else "comment",
        "paper": paper,
        "excerpt": body,
        "reason": reason.strip(),
        "automatic": automatic,
        # The writer may still open their own hidden summary; a hidden comment shows under its summary only to
        # moderators, so the link goes to the summary for context.
        "url": site_url(link),
        "contact_email": settings.CONTACT_EMAIL,
        "site_name": settings.SITE_NAME,
    }
    subject = render_to_string("moderation/email/hidden_subject.txt", context).strip().replace("\n", " ")
    text = render_to_string("moderation/email/hidden.txt", context)
    return send_or_log(
        partial(send_mail, subject, text, None, [writer.email]),
        what=f"the hidden-content notice for {context['kind']} {pk}",
    )
