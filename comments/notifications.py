"""E-mails a new comment causes. Who is told, each at most once, with the most specific reason:

1. the summary's writer (``User.email_on_comment``, on by default);
2. for a reply, the writer of the comment it answers (``User.email_on_reply``, on by default);
3. members who commented earlier under the same summary and follow its discussion
   (``User.email_on_discussion``, off by default: the old site's opt-in "earlier commenters" e-mail), however
   many they are.

Nobody is told about their own comment; banned, inactive and address-less members get nothing; nobody is told
about a summary they can no longer read; no e-mail names the writer of an anonymous summary.

None of this runs in the commenting request: it enqueues ``comments.notify_about_comment`` (``comments.tasks``),
which works out the recipients here, ``BATCH_SIZE`` at a time, and hands each batch to a task that renders and
sends its e-mails over one mail connection, each keyed ``comment:<id>:to:<member id>`` (sent at most once).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts import permissions
from accounts.models import User
from comments.models import Comment
from jobs.tasks import Mail
from shortscience.lib.links import site_url

# Recipients per e-mail task: one task holds one mail connection for at most this many messages.
BATCH_SIZE = 200


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


def load(comment_id: int) -> Comment | None:
    """The comment with what the e-mails read, or None when it is gone or no longer shown (nothing to tell)."""
    comment = (
        Comment.objects.select_related("summary__paper", "summary__writer", "writer", "parent__writer")
        .filter(pk=comment_id)
        .first()
    )
    return comment if comment is not None and comment.is_shown else None


def direct_recipients(comment: Comment) -> dict[int, str]:
    """Member id → e-mail template for the summary's writer and the writer of the comment replied to."""
    chosen: dict[int, str] = {}
    if should_notify(comment):
        chosen[comment.summary.writer_id] = "new_comment"
    if should_notify_parent(comment):
        chosen.setdefault(comment.parent.writer_id, "new_reply")
    return chosen


def discussion_followers(comment: Comment, *, exclude=()):
    """Ids of the members following the discussion, in id order (a query, not a list): they commented under the
    summary before ``comment`` (a comment still shown), turned ``email_on_discussion`` on and may get e-mail.
    Nobody for a summary not every reader may see."""
    if not comment.summary.is_listed:
        return User.objects.none().values_list("pk", flat=True)
    earlier = Comment.objects.shown().filter(summary_id=comment.summary_id, created_at__lt=comment.created_at)
    not_banned = Q(banned_at__isnull=True) | Q(banned_until__lte=timezone.now())
    return (
        User.objects.filter(not_banned, pk__in=earlier.values("writer_id"), email_on_discussion=True, is_active=True)
        .exclude(email="")
        .exclude(pk__in=[comment.writer_id, *exclude])
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def recipient_batches(comment: Comment, size: int | None = None) -> Iterator[list[tuple[int, str]]]:
    """(member id, template) for everyone to tell about ``comment``, each once, ``size`` (``BATCH_SIZE``) at a time.
    The followers are read from a server-side cursor, a batch at a time: a discussion of any size is never held
    whole."""
    size = size or BATCH_SIZE
    direct = direct_recipients(comment)
    batch = list(direct.items())
    for member_id in discussion_followers(comment, exclude=direct).iterator(chunk_size=size):
        if len(batch) == size:
            yield batch
            batch = []
        batch.append((member_id, "new_in_discussion"))
    if batch:
        yield batch


def emails(comment: Comment, recipients: list[tuple[int, str]]) -> Iterator[Mail]:
    """The e-mails about ``comment`` to ``recipients`` ((member id, template) pairs), each rendered once per
    template. Members are re-checked here, at sending time: one banned or gone since is skipped."""
    context = {
        "comment": comment,
        "summary": comment.summary,
        "paper": comment.summary.paper,
        "commenter": comment.writer.public_name if comment.writer else "A former member",
        # The permalink, not the page: it leads to wherever the comment is shown when the e-mail is read.
        "comment_url": site_url(comment.get_absolute_url()),
        "settings_url": site_url(reverse("members:settings")),
        "site_name": getattr(settings, "SITE_NAME", "ShortScience"),
    }
    members = User.objects.in_bulk([member_id for member_id, _ in recipients])
    rendered: dict[str, tuple[str, str]] = {}
    for member_id, template in recipients:
        member = members.get(member_id)
        if not _reachable(member, comment):
            continue
        if template not in rendered:
            subject = " ".join(render_to_string(f"comments/email/{template}_subject.txt", context).split())
            rendered[template] = (subject, render_to_string(f"comments/email/{template}.txt", context))
        subject, body = rendered[template]
        yield Mail(f"comment:{comment.pk}:to:{member_id}", subject, body, [member.email])
