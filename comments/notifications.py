"""E-mails a new comment causes. Who is told, each at most once, with the most specific reason:

1. the summary's writer (``User.email_on_comment``, on by default);
2. for a reply, the writer of the comment it answers (``User.email_on_reply``, on by default);
3. members who commented earlier under the same summary and follow its discussion
   (``User.email_on_discussion``, off by default: the old site's opt-in "earlier commenters" e-mail).

Nobody is told about their own comment; banned, inactive and address-less members get nothing; nobody is told
about a summary they can no longer read; no e-mail names the writer of an anonymous summary. All e-mails go
out through one mail connection after the transaction commits.
"""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db.models import Max
from django.template.loader import render_to_string

from accounts import permissions
from accounts.models import User
from comments.models import Comment
from shortscience.lib.mail import send_or_log

# The e-mails go out in the commenting request (after commit, over one connection; there is no task queue), so
# a busy discussion tells at most this many followers, those who commented most recently.
DISCUSSION_RECIPIENTS_MAX = 30


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
    """Whether the writer of the comment that ``comment`` replies to wants, and may get, an e-mail about it
    (the parent must still be shown and its writer still able to read the summary)."""
    parent = comment.parent
    if parent is None or not parent.is_shown:
        return False
    member = parent.writer
    return (
        _reachable(member, comment) and member.email_on_reply and permissions.can_view_summary(member, comment.summary)
    )


def discussion_followers(comment: Comment) -> list[User]:
    """Members following the discussion: they commented under the summary before ``comment`` (a comment still
    shown) and turned ``email_on_discussion`` on. Only for summaries every reader may see."""
    if not comment.summary.is_listed:
        return []
    followers = (
        User.objects.filter(
            email_on_discussion=True,
            comments__summary_id=comment.summary_id,
            comments__state=Comment.State.VISIBLE,
            comments__deleted_at__isnull=True,
            comments__created_at__lt=comment.created_at,
        )
        .annotate(last_commented=Max("comments__created_at"))
        .order_by("-last_commented", "pk")[:DISCUSSION_RECIPIENTS_MAX]
    )
    return [member for member in followers if _reachable(member, comment)]


def recipients(comment: Comment) -> list[tuple[User, str]]:
    """(member, e-mail template) for everyone to tell about ``comment``, each member once."""
    chosen: dict[int, tuple[User, str]] = {}
    if should_notify(comment):
        chosen[comment.summary.writer_id] = (comment.summary.writer, "new_comment")
    if should_notify_parent(comment):
        chosen.setdefault(comment.parent.writer_id, (comment.parent.writer, "new_reply"))
    for member in discussion_followers(comment):
        chosen.setdefault(member.pk, (member, "new_in_discussion"))
    return list(chosen.values())


def notify_about_comment(comment_id: int, *, comment_url: str, settings_url: str) -> int:
    """Send the e-mails about a new comment (call after commit); returns how many were sent."""
    comment = (
        Comment.objects.select_related("summary__paper", "summary__writer", "writer", "parent__writer")
        .filter(pk=comment_id)
        .first()
    )
    if comment is None or not comment.is_shown:
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
    rendered: dict[str, tuple[str, str]] = {}
    messages = []
    for member, template in recipients(comment):
        if template not in rendered:
            subject = render_to_string(f"comments/email/{template}_subject.txt", context)
            rendered[template] = (
                " ".join(subject.split()),
                render_to_string(f"comments/email/{template}.txt", context),
            )
        subject, body = rendered[template]
        messages.append((subject, body, None, [member.email]))
    if not messages:
        return 0
    sent = send_or_log(partial(send_mass_mail, messages), what=f"the e-mails about comment {comment_id}")
    return len(messages) if sent else 0
