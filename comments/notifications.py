"""E-mails a new comment causes: to the summary's writer (opt-out ``User.email_on_comment``) and, for a reply,
to the writer of the comment replied to (opt-out ``User.email_on_reply``). Nobody gets two e-mails about one
comment, nobody is told about their own comment, and no e-mail names the writer of an anonymous summary."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from accounts import permissions
from comments.models import Comment

logger = logging.getLogger(__name__)


def _reachable(member, comment: Comment) -> bool:
    """A member who may get e-mail about ``comment``: active, not banned, with an address, not its writer."""
    return bool(
        member is not None
        and member.is_active
        and not member.is_banned
        and member.email
        and member.pk != comment.writer_id
    )


def should_notify(comment: Comment) -> bool:
    """Whether the summary's writer is e-mailed about ``comment``."""
    writer = comment.summary.writer
    return _reachable(writer, comment) and writer.email_on_comment


def should_notify_parent(comment: Comment) -> bool:
    """Whether the writer of the comment ``comment`` replies to is e-mailed (the parent must still be shown,
    its writer must still be able to read the summary, and must not already be e-mailed as its writer)."""
    parent = comment.parent
    if parent is None or not parent.is_listed:
        return False
    member = parent.writer
    if not _reachable(member, comment) or not member.email_on_reply:
        return False
    if member.pk == comment.summary.writer_id and should_notify(comment):
        return False
    return permissions.can_view_summary(member, comment.summary)


def _send(template: str, context: dict, recipient: str, comment_id: int) -> bool:
    subject = render_to_string(f"comments/email/{template}_subject.txt", context).strip().replace("\n", " ")
    body = render_to_string(f"comments/email/{template}.txt", context)
    try:
        send_mail(subject, body, None, [recipient])
    except OSError:
        # A mail server hiccup must not turn a saved comment into an error page.
        logger.exception("Could not send the %s e-mail for comment %s", template, comment_id)
        return False
    return True


def notify_about_comment(comment_id: int, *, comment_url: str, settings_url: str) -> int:
    """Send the e-mails about a new comment (call after commit); returns how many were sent."""
    comment = (
        Comment.objects.select_related("summary__paper", "summary__writer", "writer", "parent__writer")
        .filter(pk=comment_id)
        .first()
    )
    if comment is None or not comment.is_listed:
        return 0
    context = {
        "comment": comment,
        "summary": comment.summary,
        "paper": comment.summary.paper,
        "commenter": comment.writer.public_name if comment.writer else "A former member",
        "comment_url": comment_url,
        "settings_url": settings_url,
        "site_name": getattr(settings, "SITE_NAME", "ShortScience"),
    }
    sent = 0
    if should_notify(comment):
        sent += _send("new_comment", context, comment.summary.writer.email, comment_id)
    if should_notify_parent(comment):
        sent += _send("new_reply", context, comment.parent.writer.email, comment_id)
    return sent


# The name comments/views.py still imports; removed once the view calls notify_about_comment.
notify_summary_writer = notify_about_comment
