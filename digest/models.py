"""The daily arXiv digest: curators pick the day's papers by category, star the best, write a short note in any
language; readers get the page, feeds and e-mail."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models, transaction
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce, JSONObject
from django.urls import reverse
from django.utils import timezone

from digest.notes import render_note, update_entry_search_vector
from jobs.queue import enqueue
from moderation.models import AuditEntry
from papers.models import Category, Paper, PaperAuthor
from shortscience.lib import versions

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

    # --- Reading (the public pages, feeds and API) ---

    def in_month(self, year: int, month: int):
        """Published digests of one month, newest first (``digest_published_idx``)."""
        return self.published().filter(date__year=year, date__month=month).order_by("-date")


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

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "intro" in update_fields:
            self.intro_html = render_note(self.intro)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "intro_html"}
        with transaction.atomic():
            super().save(*args, **kwargs)
            # Published, unpublished or edited: cached API answers and pages keyed by LISTING are retired.
            versions.bump(versions.LISTING)

    @property
    def is_published(self) -> bool:
        return self.state == self.State.PUBLISHED

    @property
    def display_title(self) -> str:
        return self.title or f"Digest of {self.date.day} {self.date:%B %Y}"

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
        # The subscribers' e-mails, after the commit, by the worker (at most once: mail_digest sets mailed_at).
        from digest.tasks import mail_digest  # the tasks module imports this one

        enqueue(mail_digest, locked.pk)

    def _set_state(self, locked: Digest, **fields) -> None:
        for name, value in fields.items():
            setattr(locked, name, value)
            setattr(self, name, value)
        locked.save(update_fields=[*fields, "updated_at"])
        self.updated_at = locked.updated_at

    def _add_curator(self, user) -> None:
        if getattr(user, "pk", None):
            self.curators.add(user)

    def sections(self) -> list[Category]:
        """The categories of this digest's entries in the order they first appear (the legend and the category
        filter): one query."""
        return list(
            Category.objects.filter(digest_entries__digest=self)
            .annotate(first_position=models.Min("digest_entries__position"))
            .order_by("first_position", "code")
        )


class DigestEntryQuerySet(models.QuerySet):
    def published(self):
        """Entries of published digests: what readers, feeds, search and the API may see."""
        return self.filter(digest__state=Digest.State.PUBLISHED)

    def in_order(self):
        return self.order_by("position", "pk")

    def with_number(self):
        """Annotate ``number``: the entry's place in its whole digest (1、2、…), the same whatever filter a page
        applies (a correlated count over ``digestentry_position_idx``)."""
        earlier = (
            DigestEntry.objects.filter(digest_id=OuterRef("digest_id"))
            .filter(Q(position__lt=OuterRef("position")) | Q(position=OuterRef("position"), pk__lt=OuterRef("pk")))
            .order_by()
            .values("digest_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(number=Coalesce(Subquery(earlier), Value(0)) + 1)

    def for_display(self):
        """What an entry shows on a page, in a feed or an e-mail: paper, category, ordered authors with their
        affiliations, figures (two extra queries for any number of entries)."""
        return self.select_related("paper", "category", "digest").prefetch_related(
            Prefetch("paper__authorships", queryset=PaperAuthor.objects.select_related("author").order_by("position")),
            "figures",
        )

    def badges_subquery(self, limit: int = 5):
        """For annotating papers (``OuterRef("pk")``): the published digests that picked the paper, newest first, as
        an array of ``{"id", "date", "starred"}`` (``digestentry_paper_idx``). The paper page's "In the digest of
        6 December 2026 ★" lines come with the paper's own row, in no extra query; ``DigestBadge.list`` reads them."""
        return ArraySubquery(
            self.published()
            .filter(paper=OuterRef("pk"))
            .order_by("-digest__date")
            .values(json=JSONObject(id="pk", date="digest__date", starred="starred"))[:limit]
        )

    def filtered(self, *, category: str = "", starred: bool = False):
        entries = self
        if category:
            entries = entries.filter(category_id=category)
        if starred:
            entries = entries.filter(starred=True)
        return entries


@dataclass(frozen=True)
class DigestBadge:
    """ "In the digest of <date> ★" on a paper's page, linking to the entry on its digest's page."""

    entry_id: int
    date: datetime.date
    starred: bool

    @classmethod
    def list(cls, rows) -> list[DigestBadge]:
        return [cls(row["id"], datetime.date.fromisoformat(row["date"]), bool(row["starred"])) for row in rows or []]

    def get_absolute_url(self) -> str:
        return reverse("digest:day", args=[self.date.isoformat()]) + f"#entry-{self.entry_id}"


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

    objects = DigestEntryQuerySet.as_manager()

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

    def save(self, *args, **kwargs):
        """Render the note (the one writer of ``note_html``) and refresh its search vector when it changed."""
        update_fields = kwargs.get("update_fields")
        note_changed = update_fields is None or "note" in update_fields
        if note_changed:
            self.note_html = render_note(self.note)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "note_html"}
        with transaction.atomic():
            super().save(*args, **kwargs)
            if note_changed:
                update_entry_search_vector([self.pk])
            versions.bump(versions.LISTING)

    def get_absolute_url(self) -> str:
        """The entry on its digest's page."""
        return f"{self.digest.get_absolute_url()}#entry-{self.pk}"

    def set_note(self, note: str, language: str) -> None:
        """Store the curator's note in its language (``save`` renders it and refreshes its search vector)."""
        self.note = note
        self.language = language
        self.save(update_fields=["note", "language", "updated_at"])

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


class SubscriptionQuerySet(models.QuerySet):
    def active(self):
        """Confirmed and not unsubscribed: who gets the digest (``subscription_active_idx``)."""
        return self.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)


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

    objects = SubscriptionQuerySet.as_manager()

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

    def get_absolute_url(self) -> str:
        """The manage page (the token is the only key to it)."""
        return reverse("digest:manage", args=[self.token])

    def get_confirm_url(self) -> str:
        return reverse("digest:confirm", args=[self.token])

    def get_unsubscribe_url(self) -> str:
        return reverse("digest:unsubscribe", args=[self.token])

    def confirm(self) -> bool:
        """The owner of the address (holding the token from our mail) asked for the digest: a pending or
        unsubscribed subscription becomes active. True when this call activated it."""
        done = (
            Subscription.objects.filter(pk=self.pk)
            .filter(models.Q(confirmed_at__isnull=True) | models.Q(unsubscribed_at__isnull=False))
            .update(confirmed_at=timezone.now(), unsubscribed_at=None)
        )
        self.refresh_from_db(fields=["confirmed_at", "unsubscribed_at"])
        return bool(done)

    def set_choices(self, categories, starred_only: bool) -> None:
        with transaction.atomic():
            self.starred_only = starred_only
            self.save(update_fields=["starred_only"])
            self.categories.set(categories)

    def unsubscribe(self) -> None:
        Subscription.objects.filter(pk=self.pk, unsubscribed_at__isnull=True).update(unsubscribed_at=timezone.now())
        self.refresh_from_db(fields=["unsubscribed_at"])

    def choose(self, entries, category_codes: set[str] | None = None) -> list:
        """The entries this subscriber asked for: their categories (all when they chose none), starred only if
        so. ``category_codes`` is the set of chosen codes when the caller has it (mailing in batches)."""
        if category_codes is None:
            category_codes = {category.code for category in self.categories.all()}
        return [
            entry
            for entry in entries
            if (not category_codes or entry.category_id in category_codes) and (entry.starred or not self.starred_only)
        ]
