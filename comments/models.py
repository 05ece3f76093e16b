from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class CommentQuerySet(models.QuerySet):
    def listed(self):
        """Visible, not deleted comments on summaries readers may see."""
        from summaries.models import Summary

        return self.filter(state=Comment.State.VISIBLE, deleted_at__isnull=True).filter(
            summary__in=Summary.objects.listed().values("pk")
        )

    def visible_on(self, summary):
        """The comments shown under one summary (already known to be readable by the viewer)."""
        return self.filter(summary=summary, state=Comment.State.VISIBLE, deleted_at__isnull=True)

    def thread_of(self, summary):
        """Top-level comments under ``summary``, oldest first, each with its visible ``replies`` prefetched.

        A top-level comment that was deleted (or hidden) but still has visible replies stays in the thread,
        shown as a placeholder, so the replies keep their context. Two queries whatever the thread size.
        """
        shown = Q(state=Comment.State.VISIBLE, deleted_at__isnull=True)
        replies = Comment.objects.filter(shown).select_related("writer").order_by("created_at", "id")
        has_replies = models.Exists(Comment.objects.filter(shown, parent=models.OuterRef("pk")))
        return (
            self.filter(summary=summary, parent__isnull=True)
            .filter(shown | Q(has_replies))
            .select_related("writer")
            .prefetch_related(models.Prefetch("replies", queryset=replies))
            .order_by("created_at", "id")
        )


class Comment(models.Model):
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

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="comment_not_own_parent"),
        ]
        indexes = [
            # Summary page: its visible comments in order.
            models.Index(
                fields=["summary", "created_at"],
                name="comment_summary_idx",
                condition=Q(state="visible", deleted_at__isnull=True),
            ),
            models.Index(fields=["writer", "-created_at"], name="comment_writer_idx"),
            models.Index(fields=["state", "-created_at"], name="comment_state_idx", condition=~Q(state="visible")),
        ]

    def __str__(self) -> str:
        return f"Comment by {self.writer or 'deleted member'} on summary {self.summary_id}"

    def get_absolute_url(self) -> str:
        return reverse("summaries:detail", args=[self.summary_id]) + f"#comment-{self.pk}"

    @property
    def is_listed(self) -> bool:
        return self.state == self.State.VISIBLE and self.deleted_at is None

    def clean(self):
        if self.parent_id and self.parent.parent_id:
            raise ValidationError("Replies go one level deep: reply to the top-level comment instead.")
        if self.parent_id and self.parent.summary_id != self.summary_id:
            raise ValidationError("A reply belongs to the same summary as its comment.")

    def save(self, *args, **kwargs):
        from summaries.rendering import render_comment

        update_fields = kwargs.get("update_fields")
        if update_fields is None or "body" in update_fields:
            self.body_html = render_comment(self.body)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "body_html"}
        with transaction.atomic():
            super().save(*args, **kwargs)
            refresh_comment_count(self.summary_id)

    def set_state(self, state: str) -> None:
        self.state = state
        self.save(update_fields=["state", "updated_at"])

    def soft_delete(self) -> None:
        self.deleted_at = timezone.now()
        self.save(update_fields=["deleted_at", "updated_at"])


def refresh_comment_count(summary_id: int) -> None:
    from summaries.models import Summary

    count = Comment.objects.filter(summary_id=summary_id, state=Comment.State.VISIBLE, deleted_at__isnull=True).count()
    Summary.objects.filter(pk=summary_id).update(comment_count=count)
