"""E-mail to a summary's writer about a new comment (opt-out: ``User.email_on_comment``)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from comments.models import Comment

logger = logging.getLogger(__name__)


def should_notify(comment: Comment) -> bool:
    writer = comment.summary.writer
    return bool(
        writer is not None
        and writer.is_active
        and writer.email
        and writer.email_on_comment
        and writer.pk != comment.writer_id
    )


def notify_summary_writer(comment_id: int, *, comment_url: str, settings_url: str) -> bool:
    """Send the e-mail (call after commit). It goes only to the summary's writer, so an anonymous
    summary's writer is revealed to nobody. Returns whether an e-mail was sent."""
    comment = (
        Comment.objects.select_related("summary__paper", "summary__writer", "writer").filter(pk=comment_id).first()
    )
    if comment is None or not comment.is_listed or not should_notify(comment):
        return False
    context = {
        "comment": comment,
        "summary": comment.summary,
        "paper": comment.summary.paper,
        "commenter": comment.writer.public_name if comment.writer else "A former member",
        "comment_url": comment_url,
        "settings_url": settings_url,
        "site_name": getattr(settings, "SITE_NAME", "ShortScience"),
    }
    subject = render_to_string("comments/email/new_comment_subject.txt", context).strip().replace("\n", " ")
    body = render_to_string("comments/email/new_comment.txt", context)
    try:
        send_mail(subject, body, None, [comment.summary.writer.email])
    except OSError:
        # A mail server hiccup must not turn a saved comment into an error page.
        logger.exception("Could not send the new-comment e-mail for comment %s", comment_id)
        return False
    return True
