"""The daily arXiv digest: curators pick the day's papers by category, star the best, write a short note in any
language; readers get the page, feeds and e-mail."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse

from papers.models import Category, Paper


class DigestQuerySet(models.QuerySet):
    def published(self):
        return self.filter(state=Digest.State.PUBLISHED)

    def due(self, now):
        """Scheduled digests whose publication time has come (beat publishes them)."""
        return self.filter(state=Digest.State.SCHEDULED, publish_at__lte=now)


class Digest(models.Model):
    """One day's digest (one per announcement day)."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"

    date = models.DateField(unique=True)  # the arXiv announcement day it covers
    title = models.CharField(max_length=300, blank=True)
    intro = models.TextField("introduction (Markdown)", blank=True)
    intro_html = models.TextField(blank=True, editable=False)
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    publish_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    curators = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="digests_curated", blank=True)
    # Set once the subscribers' e-mails for this digest were enqueued (never twice).
    mailed_at = models.DateTimeField(null=True, blank=True, editable=False)
    entry_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DigestQuerySet.as_manager()

    class Meta:
        ordering = ["-date"]
        indexes = [
            models.Index(fields=["-date"], name="digest_published_idx", condition=models.Q(state="published")),
            models.Index(fields=["publish_at"], name="digest_scheduled_idx", condition=models.Q(state="scheduled")),
        ]

    def __str__(self) -> str:
        return self.title or f"Digest of {self.date:%-d %B %Y}"

    def get_absolute_url(self) -> str:
        return reverse("digest:day", args=[self.date.isoformat()])


class DigestEntry(models.Model):
    """One paper in a digest: its section (category), its number, a star, the curator's note."""

    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="entries")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="digest_entries")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="digest_entries")
    position = models.PositiveIntegerField(default=0)  # order within the whole digest (numbering 1、2、…)
    starred = models.BooleanField(default=False)
    note = models.TextField("note (Markdown)", blank=True)
    note_html = models.TextField(blank=True, editable=False)  # rendered by shortscience.lib.markdown only
    language = models.CharField(max_length=20, default="en")  # BCP 47: "zh-Hans", "en", …
    source_url = models.URLField(max_length=500, blank=True)
    curator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="digest_entries"
    )
    # Full-text search of notes, filled by the digest's search code (any language, CJK included).
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["digest", "position"]
        verbose_name_plural = "digest entries"
        constraints = [models.UniqueConstraint(fields=["digest", "paper"], name="digestentry_paper_uniq")]
        indexes = [
            models.Index(fields=["digest", "position"], name="digestentry_position_idx"),
            models.Index(fields=["paper"], name="digestentry_paper_idx"),
            GinIndex(fields=["search_vector"], name="digestentry_search_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.digest.date}: {self.paper}"


def figure_path(instance, filename: str) -> str:
    return f"digest-figures/{uuid.uuid4().hex}{'.' + filename.rsplit('.', 1)[-1].lower() if '.' in filename else ''}"


class DigestFigure(models.Model):
    """A figure from the paper, uploaded through the site's one validated image upload."""

    entry = models.ForeignKey(DigestEntry, on_delete=models.CASCADE, related_name="figures")
    image = models.ImageField(upload_to=figure_path)
    caption = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["entry", "position"]

    def __str__(self) -> str:
        return self.caption or self.image.name


class Subscription(models.Model):
    """An e-mail subscription to the digest: double opt-in, one-click unsubscribe by token."""

    email = models.EmailField(unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="digest_subscriptions"
    )
    categories = models.ManyToManyField(Category, blank=True, related_name="subscriptions")  # empty: all
    starred_only = models.BooleanField(default=False)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["id"],
                name="subscription_active_idx",
                condition=models.Q(confirmed_at__isnull=False, unsubscribed_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None
