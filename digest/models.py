"""The daily arXiv digest: curators pick the day's papers by category, star the best, write a short note in any
language; readers get the page, feeds and e-mail."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from moderation.models import AuditEntry
from papers.models import Category, Paper
from shortscience.lib import versions
from summaries.markup import render_summary

#: Languages a note may be written in (BCP 47 tag, name in that language); the first two are the usual ones.
NOTE_LANGUAGES = [
    ("zh-Hans", "中文（简体）"),
    ("en", "English"),
    ("zh-Hant", "中文（繁體）"),
    ("ja", "日本語"),
    ("ko", "한국어"),
    ("de", "Deutsch"),
    ("es", "Español"),
    ("fr", "Français"),
    ("pt", "Português"),
    ("ru", "Русский"),
]
NOTE_MAX_LENGTH = 20_000


class DigestStateError(Exception):
    """A publication step that the digest's current state does not allow; the message is for the curator."""


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

    # --- Publication (curators; unpublish: moderators). Each step locks the row, checks the state it starts
    # from under the lock, and leaves an audit entry. -------------------------------------------------------

    def publish(self, actor=None) -> None:
        """Publish now (``actor`` None: the beat, for a scheduled digest). Raises DigestStateError."""
        with transaction.atomic():
            locked = self._locked()
            if locked.state == self.State.PUBLISHED:
                raise DigestStateError("This digest is published already.")
            self._publish_locked(locked, actor)

    @classmethod
    def publish_if_due(cls, pk: int, now=None) -> bool:
        """The beat's step: publish digest ``pk`` if it is still scheduled and its time has come (a curator
        may have cancelled or published it since the beat listed it). True when it published."""
        now = now or timezone.now()
        with transaction.atomic():
            locked = cls.objects.select_for_update().filter(pk=pk).first()
            if locked is None or locked.state != cls.State.SCHEDULED or locked.publish_at > now:
                return False
            locked._publish_locked(locked, None)
            return True

    def unpublish(self, actor) -> None:
        """Take a published digest off the site, back to a draft (moderators: ``can_unpublish_digest``)."""
        with transaction.atomic():
            locked = self._locked()
            if locked.state != self.State.PUBLISHED:
                raise DigestStateError("This digest is not published.")
            self._set_state(locked, state=self.State.DRAFT, publish_at=None)
            AuditEntry.record(actor=actor, action=AuditEntry.Action.UNPUBLISH, obj=locked)
            versions.bump(versions.LISTING)

    def schedule(self, at, actor) -> None:
        """Publish at ``at`` (the beat's ``digest.publish_due`` does it); a scheduled digest can be re-timed."""
        with transaction.atomic():
            locked = self._locked()
            if locked.state == self.State.PUBLISHED:
                raise DigestStateError("This digest is published already.")
            if not locked.entries.exists():
                raise DigestStateError("Add at least one paper before scheduling the digest.")
            self._set_state(locked, state=self.State.SCHEDULED, publish_at=at)
            self._add_curator(actor)
            AuditEntry.record(
                actor=actor, action=AuditEntry.Action.SCHEDULE, obj=locked, details={"publish_at": at.isoformat()}
            )

    def unschedule(self, actor) -> None:
        """Cancel the scheduled publication: back to a draft."""
        with transaction.atomic():
            locked = self._locked()
            if locked.state != self.State.SCHEDULED:
                raise DigestStateError("This digest is not scheduled.")
            self._set_state(locked, state=self.State.DRAFT, publish_at=None)
            AuditEntry.record(actor=actor, action=AuditEntry.Action.UNSCHEDULE, obj=locked)

    def recount(self) -> None:
        """Recompute ``entry_count`` from the rows (after edits outside the curation pages, e.g. the admin)."""
        self.entry_count = self.entries.count()
        Digest.objects.filter(pk=self.pk).update(entry_count=self.entry_count)

    def _locked(self) -> Digest:
        return Digest.objects.select_for_update().get(pk=self.pk)

    def _publish_locked(self, locked: Digest, actor) -> None:
        if not locked.entries.exists():
            raise DigestStateError("Add at least one paper before publishing the digest.")
        was_scheduled = locked.state == self.State.SCHEDULED
        # The first publication's time stays: feeds and the archive date the digest by it, not by a re-publish.
        self._set_state(locked, state=self.State.PUBLISHED, published_at=locked.published_at or timezone.now())
        self._add_curator(actor)
        AuditEntry.record(
            actor=actor, action=AuditEntry.Action.PUBLISH, obj=locked, details={"scheduled": was_scheduled}
        )
        versions.bump(versions.LISTING)

    def _set_state(self, locked: Digest, **fields) -> None:
        for name, value in fields.items():
            setattr(locked, name, value)
            setattr(self, name, value)
        locked.save(update_fields=[*fields, "updated_at"])
        self.updated_at = locked.updated_at

    def _add_curator(self, user) -> None:
        if getattr(user, "pk", None):
            self.curators.add(user)


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

    def set_note(self, note: str, language: str) -> None:
        """Store the curator's note and its HTML, rendered by the summaries' renderer (the one the editor's live
        preview uses, so the preview is what readers get)."""
        self.note = note
        self.note_html = render_summary(note) if note.strip() else ""
        self.language = language
        self.save(update_fields=["note", "note_html", "language", "updated_at"])

    @property
    def language_name(self) -> str:
        return dict(NOTE_LANGUAGES).get(self.language, self.language)


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


class SkippedPaper(models.Model):
    """A paper of the digest's day that a curator looked at and left out (triage's "skipped" state; added and
    starred are the digest's entries)."""

    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="skips")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    curator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The unique index also serves the triage page's "skipped papers of this digest" look-up.
        constraints = [models.UniqueConstraint(fields=["digest", "paper"], name="skippedpaper_uniq")]

    def __str__(self) -> str:
        return f"{self.digest.date}: skipped {self.paper_id}"


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
