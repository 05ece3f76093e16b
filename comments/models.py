from __future__ import annotations

from functools import partial

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone

from papers.models import Paper
from shortscience.lib import versions
from shortscience.lib.markdown import render_comment
from summaries import counters
from summaries.models import Summary, WrittenContent

# Top-level comments (threads) per page of a summary's comments; each comes with its first REPLIES_SHOWN visible
# replies. A page of 25 threads (~33 comments at the bench's reply rate) costs ~11 ms of Python over a summary
# without comments, 50 threads ~20 ms: too much of the 50 ms budget (docs/performance.md, finding 7).
THREADS_PER_PAGE = 25
# Replies shown under a thread on the summary page (its oldest); the rest are behind a "N more replies" link to the
# thread's own pages (comments.views.replies), REPLIES_PER_PAGE at a time from the first. A summary page shows at
# most THREADS_PER_PAGE × (1 + REPLIES_SHOWN) comments however many replies its threads collect: 275 cost ~120 ms
# of CPU in a test (1,275 with 50 replies shown: 320–430 ms); threads rarely have more than a few replies.
REPLIES_SHOWN = 10
REPLIES_PER_PAGE = 50
# What templates/comments/_comment.html reads of a comment and its writer (CommentQuerySet.for_display).
DISPLAY_FIELDS = ["summary", "writer", "parent", "body_html", "state", "deleted_at", "created_at", "edited_at"]
DISPLAY_FIELDS += ["writer__username", "writer__display_name"]


# The words of a comment, for the moderators' search; the same expression as comment_body_search_idx.
BODY_VECTOR = SearchVector("body", config="simple")


# What readers see of a comment under a summary they may read: visible (not hidden or spam) and not deleted.
# ``Comment.is_shown`` is this rule in Python; ``comment_summary_idx`` covers exactly these rows.
SHOWN = Q(state="visible", deleted_at__isnull=True)


class CommentQuerySet(models.QuerySet):
    def shown(self):
        """The comments readers see under a summary: ``SHOWN`` (``comment_summary_idx`` for one summary's)."""
        return self.filter(SHOWN)

    def listed(self):
        """Shown comments on listed summaries: what readers may see anywhere on the site."""
        return self.shown().filter(summary__in=Summary.objects.listed().values("pk"))

    def thread_starts(self, summary):
        """The top-level comments that start a thread under ``summary``, in thread order (oldest first).

        A top-level comment that was deleted (or hidden) but still has visible replies starts a thread too: it is
        shown as a placeholder, so the replies keep their context. No joins: the base of ``thread_of``, of the
        pages' count and of ``page_of``.
        """
        # The parents of the summary's shown replies, looked up within the summary (comment_summary_idx). An EXISTS
        # on any shown reply made PostgreSQL hash every shown comment of the site (a sequential scan) as soon as
        # one top-level comment of the summary was hidden or deleted.
        replied_to = Comment.objects.shown().filter(summary=summary, parent__isnull=False).values("parent_id")
        return (
            self.filter(summary=summary, parent__isnull=True)
            .filter(SHOWN | Q(pk__in=replied_to))
            .order_by("created_at", "id")
        )

    def thread_of(self, summary):
        """``thread_starts(summary)`` with their writers, for display: slice a page, then ``attach_replies`` to it."""
        return self.thread_starts(summary).for_display()

    def for_display(self):
        """With the writer's name, and only the columns a comment's markup uses (no Markdown source, no profile)."""
        return self.select_related("writer").only(*DISPLAY_FIELDS)

    def page_of(self, comment, per_page: int = THREADS_PER_PAGE) -> int:
        """The page (1-based, as ``?page=`` of the summary page) of the summary's comments that shows ``comment``'s
        thread: the comment itself, or its parent for a reply (a reply past its thread's first ``REPLIES_SHOWN`` is
        shown on the thread's own pages instead: ``Comment.get_page_url``).

        One count of the threads that start before the comment's thread (``comment_thread_idx``); uses
        ``comment.parent`` when it is already loaded.
        """
        start = comment.parent if comment.parent_id else comment
        # An exact count, as the pages' own (comments.threads): one summary's threads are an index-only range of
        # comment_thread_idx, hundreds at most in practice. A count capped like other listings' would send
        # comments past the cap to a page that does not exist.
        earlier = self.thread_starts(comment.summary_id).filter(_before(start)).count()
        return earlier // per_page + 1

    def reply_position(self, reply) -> int:
        """How many shown replies of ``reply``'s thread come before it (0 for the first): where it is shown."""
        return self.shown().filter(parent_id=reply.parent_id).filter(_before(reply)).count()


def _before(comment) -> Q:
    """Comments earlier than ``comment`` in thread order (``created_at``, then ``id``)."""
    return Q(created_at__lt=comment.created_at) | Q(created_at=comment.created_at, pk__lt=comment.pk)


def replies_url(thread_pk: int, position: int = 0) -> str:
    """The page of the thread's own pages (``comments:replies``) that shows its reply at ``position``."""
    page = position // REPLIES_PER_PAGE + 1
    return reverse("comments:replies", args=[thread_pk]) + (f"?page={page}" if page > 1 else "")


class Comment(WrittenContent, models.Model):
    class State(models.TextChoices):
        VISIBLE = "visible", "Visible"
        HIDDEN = "hidden", "Hidden by a moderator"
        SPAM = "spam", "Spam"

    summary = models.ForeignKey("summaries.Summary", on_delete=models.CASCADE, related_name="comments")
    writer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="comments"
    )
    # One level of replies: a reply's parent is always a top-level comment.
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies")
    body = models.TextField(max_length=10_000)
    body_html = models.TextField(editable=False, default="")
    state = models.CharField(max_length=10, choices=State.choices, default=State.VISIBLE)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # When the writer last changed the text ("edited" on the page); updated_at also moves on moderation.
    edited_at = models.DateTimeField(null=True, blank=True)
    # The key of the form that posted it (see Comment.post); null for comments from before keys or from scripts.
    submission_key = models.UUIDField(null=True, blank=True, editable=False)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="comment_not_own_parent"),
            # One comment per writer per posted form (Comment.post): a double click or a resent form stores once.
            models.UniqueConstraint(
                fields=["writer", "submission_key"],
                name="comment_submission_uniq",
                condition=Q(submission_key__isnull=False),
            ),
        ]
        indexes = [
            # Summary page: its visible comments in order.
            models.Index(
                fields=["summary", "created_at"],
                name="comment_summary_idx",
                condition=SHOWN,
            ),
            # Pages of a summary's comments: its top-level comments in thread order (CommentQuerySet.thread_starts,
            # for the page itself, the pages' count and page_of). state and deleted_at are included so the
            # counts read the index only; hidden or deleted ones stay in (they start a thread if they have replies).
            models.Index(
                fields=["summary", "created_at", "id"],
                include=["state", "deleted_at"],
                name="comment_thread_idx",
                condition=Q(parent__isnull=True),
            ),
            models.Index(fields=["writer", "-created_at"], name="comment_writer_idx"),
            # Admin search over comment text (CommentAdmin.get_search_results): words, not ILIKE '%…%' scans.
            GinIndex(BODY_VECTOR, name="comment_body_search_idx"),
            models.Index(fields=["state", "-created_at"], name="comment_state_idx", condition=~Q(state="visible")),
        ]

    def __str__(self) -> str:
        return f"Comment by {self.writer or 'deleted member'} on summary {self.summary_id}"

    @classmethod
    def post(cls, *, summary, writer, parent, body, submission_key) -> tuple[Comment, bool]:
        """Store a comment once per ``submission_key``: ``(comment, True)``; for a form already posted (a double
        click, a resent request, the same form sent from several tabs at once) the comment it stored and False.

        The unique index decides between simultaneous posts: the later insert waits for the first to commit,
        then fails and finds that comment.
        """
        comment = cls(summary=summary, writer=writer, parent=parent, body=body, submission_key=submission_key)
        try:
            with transaction.atomic():
                comment.save()
        except IntegrityError:
            existing = cls.objects.filter(writer=writer, submission_key=submission_key).first()
            if existing is None:
                raise
            return existing, False
        return comment, True

    def get_absolute_url(self) -> str:
        """The comment's permalink (no query): it redirects to the page that shows the comment *now*, so links
        in the admin ("view on site"), e-mails and exports keep working as comments are added and removed."""
        return reverse("comments:permalink", args=[self.pk])

    def get_page_url(self, anchor: str = "") -> str:
        """The page that shows this comment, at the comment (or at ``#anchor``): the page of its summary's comments
        that shows its thread, or for a reply past its thread's first ``REPLIES_SHOWN`` the thread's own page.

        One query for a top-level comment (``CommentQuerySet.page_of``); for a reply ``reply_position`` first,
        then (when it is among the first) ``page_of`` and its parent unless loaded. Page 1 is the summary's bare URL.
        """
        fragment = f"#{anchor or f'comment-{self.pk}'}"
        if self.parent_id:
            position = Comment.objects.reply_position(self)
            if position >= REPLIES_SHOWN:
                return replies_url(self.parent_id, position) + fragment
        page = Comment.objects.page_of(self)
        query = f"?page={page}" if page > 1 else ""
        return reverse("discovery:summary", args=[self.summary_id]) + query + fragment

    @property
    def is_shown(self) -> bool:
        """``SHOWN`` in Python: visible and not deleted. Whether its summary may be read is the summary's rule."""
        return self.state == self.State.VISIBLE and self.deleted_at is None

    def clean(self):
        if self.parent_id and self.parent.parent_id:
            raise ValidationError("Replies go one level deep: reply to the top-level comment instead.")
        if self.parent_id and self.parent.summary_id != self.summary_id:
            raise ValidationError("A reply belongs to the same summary as its comment.")

    def save(self, *args, **kwargs):
        # Citations link to the papers' pages here, as in summaries.
        self._render_body(partial(render_comment, resolve_papers=Paper.objects.page_urls), kwargs)
        with transaction.atomic():
            super().save(*args, **kwargs)
            counters.comments_changed(self.summary_id, Comment.objects.shown())
            versions.bump(versions.LISTING)

    def edit(self, body: str) -> None:
        """The writer's new text: marks the comment edited (call it only when the text changed)."""
        self.body = body
        self.edited_at = timezone.now()
        self.save(update_fields=["body", "edited_at", "updated_at"])


def attach_replies(threads) -> None:
    """Set ``shown_replies`` on each top-level comment of ``threads``: its first ``REPLIES_SHOWN`` visible replies,
    oldest first, with writers; and ``more_replies``, how many more it has (0 when all are shown), with
    ``more_replies_url``, the thread's own page that shows the first of them.

    One query (``parent_id IN (…)``), numbering each thread's replies in SQL so that at most ``REPLIES_SHOWN + 1``
    per thread come back, however many a thread has. ``prefetch_related`` would build a filtered queryset for
    every parent comment, which on a page of threads costs more than the query itself.
    """
    by_pk = {comment.pk: comment for comment in threads}
    for comment in threads:
        comment.shown_replies = []
        comment.more_replies = 0
    if not by_pk:
        return
    replies = (
        Comment.objects.shown()
        .filter(parent__in=by_pk)
        .for_display()
        .annotate(
            # Within each thread: the reply's number, oldest first, and how many there are.
            number=Window(RowNumber(), partition_by=F("parent_id"), order_by=[F("created_at").asc(), F("id").asc()]),
            of=Window(Count("*"), partition_by=F("parent_id")),
        )
        .filter(number__lte=REPLIES_SHOWN + 1)
        .order_by("created_at", "id")
    )
    for reply in replies:
        parent = by_pk[reply.parent_id]
        if reply.number <= REPLIES_SHOWN:
            parent.shown_replies.append(reply)
        else:
            parent.more_replies = reply.of - REPLIES_SHOWN
            parent.more_replies_url = replies_url(parent.pk, REPLIES_SHOWN) + f"#comment-{reply.pk}"
