"""Reader reports and the moderators' audit trail."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone


class AboutObjectQuerySet(models.QuerySet):
    """Rows about any object (a generic ``content_type`` + ``object_id``): reports and audit entries."""

    def for_object(self, obj):
        return self.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)


class ReportQuerySet(AboutObjectQuerySet):
    def open(self):
        return self.filter(status=Report.Status.OPEN)


class Report(models.Model):
    """A reader flags a summary, comment or paper."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam or advertising"
        ABUSE = "abuse", "Abusive or offensive"
        WRONG_PAPER = "wrong_paper", "About the wrong paper"
        DUPLICATE = "duplicate", "Duplicate"
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"
        DISMISSED = "dismissed", "Dismissed"

    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    details = models.TextField(blank=True, max_length=2000)
    # A private summary reported through its share link: the revision the reader was shown, the only text of
    # a private summary that moderators may read (moderation.privacy).
    revision_number = models.PositiveIntegerField(null=True, blank=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports_resolved"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open report per person per item.
            models.UniqueConstraint(
                fields=["reporter", "content_type", "object_id"],
                name="report_one_open_per_reporter",
                condition=Q(status="open"),
            ),
        ]
        indexes = [
            # The queue: open reports first, newest first.
            models.Index(fields=["status", "-created_at"], name="report_queue_idx"),
            # Reports on one item (auto-hide threshold, inline display).
            models.Index(fields=["content_type", "object_id", "status"], name="report_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} report on {self.content_type.model} #{self.object_id}"


class AuditEntry(models.Model):
    """Who did what to which object, when and why. Written by moderation actions; never edited."""

    class Action(models.TextChoices):
        HIDE = "hide", "Hid"
        UNHIDE = "unhide", "Unhid"
        SPAM = "spam", "Marked as spam"
        RESTORE = "restore", "Restored"
        BAN = "ban", "Banned"
        UNBAN = "unban", "Unbanned"
        MERGE = "merge", "Merged papers"
        UNMERGE = "unmerge", "Unmerged papers"
        FEATURE = "feature", "Featured"
        UNFEATURE = "unfeature", "Unfeatured"
        RESOLVE = "resolve", "Resolved a report"
        DISMISS = "dismiss", "Dismissed a report"
        AUTO_HIDE = "auto_hide", "Hidden automatically after reports"
        APPROVE = "approve", "Approved"
        EDIT = "edit", "Edited"
        VIEW_PRIVATE = "view_private", "Read a reported private summary"
        # The daily digest (digest.models.Digest): curators and moderators publish, schedule; moderators unpublish.
        PUBLISH = "publish", "Published"
        UNPUBLISH = "unpublish", "Unpublished"
        SCHEDULE = "schedule", "Scheduled"
        UNSCHEDULE = "unschedule", "Cancelled the schedule of"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_entries"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.SET_NULL, null=True)
    object_id = models.PositiveBigIntegerField(null=True)
    content_object = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(max_length=300)
    reason = models.TextField(blank=True)
    # Machine-readable facts about the action (items a ban hid, what a merge moved…), e.g. for unban.
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = AboutObjectQuerySet.as_manager()

    class Meta:
        verbose_name = "audit entry"
        verbose_name_plural = "audit trail"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["-created_at"], name="audit_created_idx"),
            # History of one object, shown on its admin page.
            models.Index(fields=["content_type", "object_id", "-created_at"], name="audit_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.actor or 'system'} — {self.get_action_display()} {self.object_repr}"

    @classmethod
    def record(cls, *, actor, action: str, obj, reason: str = "", details: dict | None = None) -> AuditEntry:
        return cls.objects.create(
            actor=actor if getattr(actor, "pk", None) else None,
            action=action,
            content_type=ContentType.objects.get_for_model(obj),
            object_id=obj.pk,
            object_repr=str(obj)[:300],
            reason=reason,
            details=details or {},
        )
