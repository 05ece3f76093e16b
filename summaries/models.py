from __future__ import annotations

import random
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import connection, models, transaction
from django.db.models import Max, Min, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from papers.models import LIST_DEFERRED, Paper
from papers.vectors import search_results_changed
from shortscience.lib import versions
from shortscience.lib.estimates import estimated_rows
from summaries import counters
from summaries.markup import render_summary
from summaries.vectors import update_summary_search_vector

TOP_PERIODS = {"week": timedelta(days=7), "month": timedelta(days=30), "all": None}

# What readers may see; the partial indexes below cover exactly these rows.
LISTED = Q(visibility="public", state="visible", deleted_at__isnull=True)
# The fields LISTED reads; a change to any of them may list or unlist a summary.
LISTING_FIELDS = frozenset({"visibility", "state", "deleted_at"})


class WrittenContent:
    """What summaries and comments share: a Markdown ``body`` stored rendered in ``body_html``, a moderation
    ``state`` and a soft ``deleted_at``. Each model's ``save`` keeps its own derived data in step."""

    def _render_body(self, render, kwargs) -> bool:
        """Render ``body`` with ``render`` when this save writes it (``kwargs`` of ``save``); whether it did."""
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" not in update_fields:
            return False
        self.body_html = render(self.body)
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "body_html"}
        return True

    def set_state(self, state: str) -> None:
        self.state = state
        self.save(update_fields=["state", "updated_at"])

    def soft_delete(self) -> None:
        self.deleted_at = timezone.now()
        self.save(update_fields=["deleted_at", "updated_at"])


# Columns of a summary card's rows that the card never shows (``SummaryQuerySet.for_cards``).
CARD_DEFERRED = ("body", "search_vector", *(f"paper__{name}" for name in LIST_DEFERRED))


class SummaryQuerySet(models.QuerySet):
    """Visibility rules for summaries. Every page, feed, sitemap, count, search and API uses these; who may open
    one summary is ``accounts.permissions.can_view_summary``."""

    def listed(self):
        """Public, visible (not hidden, spam or held for review) and not deleted: what readers may see."""
        return self.filter(LISTED)

    def credited(self):
        """Listed and signed with the writer's name: what counts on profiles and the leaderboard."""
        return self.listed().filter(is_anonymous=False)

    def with_card_data(self):
        return self.select_related("paper", "paper__venue", "writer")

    def for_cards(self):
        """``with_card_data`` without the columns no summary card shows, the biggest of their rows (Markdown
        source, search vectors, the paper's abstract and arXiv history): a list page reads 15–20 of them."""
        return self.with_card_data().defer(*CARD_DEFERRED)

    def ranked(self):
        return self.order_by("-score", "-created_at", "-id")

    def latest(self):
        """Newest first (index summary_latest_idx for listed rows)."""
        return self.order_by("-created_at", "-id")

    def top(self, period: str):
        """Highest score first, among summaries published in the last ``period`` ("week", "month" or "all")."""
        since = TOP_PERIODS.get(period)
        queryset = self.filter(created_at__gte=timezone.now() - since) if since else self
        return queryset.order_by("-score", "-created_at", "-id")

    def featured(self):
        """Editors' picks, most recently picked first (index summary_featured_idx)."""
        return self.filter(is_featured=True).order_by("-featured_at", "-id")

    def with_vote_of(self, user):
        """Annotate ``my_vote`` (1, -1 or 0): ``user``'s vote on each summary, in the same query."""
        if user is None or not user.is_authenticated:
            return self.annotate(my_vote=models.Value(0, output_field=models.SmallIntegerField()))
        vote = Vote.objects.filter(summary=models.OuterRef("pk"), user=user).values("value")[:1]
        return self.annotate(my_vote=Coalesce(models.Subquery(vote), 0, output_field=models.SmallIntegerField()))

    def random_listed(self):
        """A random listed summary without sorting the table: a random id, then the first listed at or after it.

        Two index look-ups whatever the table size. Ids after long runs of unlisted rows are a little
        more likely; good enough for "surprise me".
        """
        bounds = self.listed().aggregate(low=Min("id"), high=Max("id"))
        if bounds["low"] is None:
            return None
        start = random.randint(bounds["low"], bounds["high"])
        return self.listed().filter(id__gte=start).order_by("id").first()


class Summary(WrittenContent, models.Model):
    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public"
        PRIVATE = "private", "Private (only you)"

    class State(models.TextChoices):
        VISIBLE = "visible", "Visible"
        PENDING = "pending", "Held for review"
        HIDDEN = "hidden", "Hidden by a moderator"
        SPAM = "spam", "Spam"

    class Audience(models.TextChoices):
        NEWCOMER = "newcomer", "Newcomer"
        PRACTITIONER = "practitioner", "Practitioner"
        EXPERT = "expert", "Expert"

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="summaries")
    # SET_NULL: deleting an account keeps its summaries, shown as anonymous.
    writer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="summaries"
    )
    body = models.TextField()
    body_html = models.TextField(editable=False, default="")
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    is_anonymous = models.BooleanField("anonymous to readers", default=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.VISIBLE)
    audience = models.CharField(max_length=20, choices=Audience.choices, default=Audience.PRACTITIONER)
    arxiv_version = models.PositiveSmallIntegerField("describes arXiv version", null=True, blank=True)
    # Denormalised: always the sum of counted votes (see Vote.cast / recompute_score).
    score = models.IntegerField(default=0, editable=False)
    comment_count = models.PositiveIntegerField(default=0, editable=False)
    is_featured = models.BooleanField("editors' pick", default=False)
    featured_at = models.DateTimeField(null=True, blank=True)
    # Unguessable, revocable link for sharing a private summary.
    share_token = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    # Optimistic locking for the editor: a save with a stale revision number is refused.
    revision_number = models.PositiveIntegerField(default=1, editable=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SummaryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "summaries"
        ordering = ["-created_at"]
        constraints = [
            # A writer has one summary per paper (edited over time, with revisions).
            models.UniqueConstraint(fields=["paper", "writer"], name="summary_one_per_writer_per_paper"),
        ]
        indexes = [
            # Paper page: its listed summaries ranked by score then age.
            models.Index(fields=["paper", "-score", "-created_at"], name="summary_paper_rank_idx", condition=LISTED),
            # Home "latest", feeds, sitemap.
            models.Index(fields=["-created_at", "-id"], name="summary_latest_idx", condition=LISTED),
            # Home "top of the week/month/all time".
            models.Index(fields=["-score", "-created_at"], name="summary_top_idx", condition=LISTED),
            # Profile pages and "my summaries".
            models.Index(fields=["writer", "-created_at"], name="summary_writer_idx"),
            # Editors' picks on the home page.
            models.Index(fields=["-featured_at"], name="summary_featured_idx", condition=Q(is_featured=True)),
            # Moderation queue filters.
            models.Index(fields=["state", "-created_at"], name="summary_state_idx", condition=~Q(state="visible")),
            GinIndex(fields=["search_vector"], name="summary_search_idx"),
            # Sitemap pages (discovery sitemaps, paged by id windows): an index-only range scan of listed ids.
            # Built by papers/migrations/0003 (with the papers' sitemap index), adopted by summaries/0002.
            models.Index(fields=["id"], include=["updated_at"], name="summary_sitemap_idx", condition=LISTED),
            # The sitemap index's <lastmod> of the summaries section: MAX(updated_at) of listed summaries.
            models.Index(fields=["-updated_at"], name="summary_sitemap_lastmod_idx", condition=LISTED),
        ]

    @classmethod
    def own_on(cls, paper, user) -> int | None:
        """The id of ``user``'s (not deleted) summary of ``paper``, None for none or for an anonymous visitor.

        Every member's paper page asks (write or edit?). Written as SQL, as ``Vote.values_of``: the ORM spent
        0.4 ms building a statement that reads one entry of the (paper, writer) unique index."""
        if not user.is_authenticated:
            return None
        table, quote = cls._meta.db_table, connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {quote(table)} WHERE paper_id = %s AND writer_id = %s AND deleted_at IS NULL",
                [paper.pk, user.pk],
            )
            row = cursor.fetchone()
        return row[0] if row else None

    def __str__(self) -> str:
        return f"Summary of “{self.paper.title}”" if self.paper_id else "Summary"

    def get_absolute_url(self) -> str:
        return reverse("discovery:summary", args=[self.pk])

    @classmethod
    def listed_values(cls, *, visibility, state, deleted_at) -> bool:
        """``LISTED`` in Python."""
        return visibility == cls.Visibility.PUBLIC and state == cls.State.VISIBLE and deleted_at is None

    @property
    def is_listed(self) -> bool:
        return self.listed_values(visibility=self.visibility, state=self.state, deleted_at=self.deleted_at)

    @property
    def byline(self) -> str:
        """What readers see as the writer: never the name of an anonymous (or deleted) writer."""
        if self.is_anonymous or self.writer_id is None:
            return "anonymous"
        return self.writer.public_name

    @staticmethod
    def render_markdown_body(body: str) -> str:
        """A summary's Markdown as stored ``body_html``; citations (arXiv ids, DOIs, DBLP keys) link to the
        papers' pages here, looked up in one query (``summaries.markup``)."""
        return render_summary(body)

    def render_body(self) -> str:
        return self.render_markdown_body(self.body)

    def save(self, *args, **kwargs):
        body_changed = self._render_body(self.render_markdown_body, kwargs)
        with transaction.atomic():
            was_listed = self._lock_listing_fields(kwargs.get("update_fields"))
            super().save(*args, **kwargs)
            self._after_change(was_listed, body_changed)
        self._loaded_paper_id = self.paper_id

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # The paper it was loaded with: a save that changes it moves the summary's counts (counters.summary_saved).
        instance._loaded_paper_id = instance.__dict__.get("paper_id")
        return instance

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        if fields is None or {"paper", "paper_id"} & set(fields):
            self._loaded_paper_id = self.paper_id

    def _lock_listing_fields(self, update_fields) -> bool:
        """Whether the stored summary is listed, read under a row lock so that the venue counter moves by the
        real change: the instance may be stale (a moderator's old page) and two requests may save at once.

        Listing fields this save does not write are refreshed from the locked row, so ``is_listed`` afterwards
        is what the row will hold. A save that writes none of them (a vote's score, the share token) takes no
        lock and changes no listing.
        """
        if self._state.adding:
            return False
        written = LISTING_FIELDS if update_fields is None else LISTING_FIELDS & set(update_fields)
        if not written:
            return self.is_listed
        stored = Summary.objects.select_for_update().filter(pk=self.pk).values(*LISTING_FIELDS).first()
        if stored is None:
            return False
        for field in LISTING_FIELDS - written:
            setattr(self, field, stored[field])
        return self.listed_values(**stored)

    def _after_change(self, was_listed: bool, body_changed: bool) -> None:
        """Keep every derived value in step with this summary (counters in ``summaries.counters``)."""
        if body_changed:
            update_summary_search_vector(self.pk)
        if was_listed != self.is_listed:
            search_results_changed()
        counters.summary_saved(self, was_listed=was_listed, old_paper_id=getattr(self, "_loaded_paper_id", None))
        versions.bump(versions.LISTING)

    def restore(self) -> None:
        self.deleted_at = None
        self.save(update_fields=["deleted_at", "updated_at"])

    def feature(self, on: bool = True) -> None:
        self.is_featured = on
        self.featured_at = timezone.now() if on else None
        self.save(update_fields=["is_featured", "featured_at", "updated_at"])

    def ensure_share_token(self) -> str:
        if not self.share_token:
            self.share_token = secrets.token_urlsafe(32)
            self.save(update_fields=["share_token", "updated_at"])
        return self.share_token

    def revoke_share_token(self) -> None:
        self.share_token = None
        self.save(update_fields=["share_token", "updated_at"])

    def recompute_score(self) -> int:
        """Set score to the sum of counted votes (votes of banned members do not count)."""
        return counters.votes_changed(self)


class Revision(models.Model):
    """Every saved body of a summary."""

    summary = models.ForeignKey(Summary, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["summary", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["summary", "number"], name="revision_number_uniq"),
        ]

    def __str__(self) -> str:
        return f"Revision {self.number} of summary {self.summary_id}"


class Vote(models.Model):
    class Value(models.IntegerChoices):
        UP = 1, "Up"
        DOWN = -1, "Down"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="votes")
    summary = models.ForeignKey(Summary, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField(choices=Value.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "summary"], name="vote_one_per_user_per_summary"),
            models.CheckConstraint(condition=Q(value__in=[1, -1]), name="vote_value_plus_or_minus_one"),
        ]
        indexes = [
            # Score recomputation sums a summary's votes.
            models.Index(fields=["summary", "value"], name="vote_summary_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {'+1' if self.value > 0 else '−1'} on summary {self.summary_id}"

    @classmethod
    def values_of(cls, user_id: int, summary_ids) -> dict[int, int]:
        """``{summary id: value}`` of ``user_id``'s votes on ``summary_ids``: every member's list page asks.

        Written as SQL: the ORM spent 0.4 ms building this statement, twice what PostgreSQL spends running it
        through the (user, summary) unique index."""
        table, quote = cls._meta.db_table, connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT summary_id, value FROM {quote(table)} WHERE user_id = %s AND summary_id = ANY(%s)",
                [user_id, list(summary_ids)],
            )
            return dict(cursor.fetchall())

    @classmethod
    def cast(cls, *, user, summary_id: int, value: int) -> tuple[int, int]:
        """Record ``user``'s vote; the same value again withdraws it. Returns (new score, user's vote or 0).

        The summary row is locked for the transaction, so concurrent votes on one summary are
        serialised and the stored score always equals the sum of its votes.
        """
        if value not in (1, -1):
            raise ValueError("A vote is +1 or -1.")
        with transaction.atomic():
            summary = Summary.objects.select_for_update().get(pk=summary_id)
            existing = cls.objects.filter(user=user, summary=summary).first()
            if existing and existing.value == value:
                existing.delete()
                current = 0
            elif existing:
                existing.value = value
                existing.save(update_fields=["value", "updated_at"])
                current = value
            else:
                cls.objects.create(user=user, summary=summary, value=value)
                current = value
            score = summary.recompute_score()
        return score, current


SITE_COUNTS_CACHE_KEY = "site-counts"
SITE_COUNTS_TIMEOUT = 300


# Below this many rows (planner estimate) the site counts are exact, a COUNT(*) of a few milliseconds; above
# it the planner's row estimate is shown, rounded ("about …"). It was 100,000: a cold home page then spent
# 56–113 ms counting listed summaries (issue 14), and 2 s at 2.5M papers before estimates.
SITE_COUNTS_EXACT_MAX = 10_000


def _count(queryset, relation: str) -> tuple[int, bool]:
    """(count, approximate): exact COUNT(*) for small tables, the rounded estimate of ``relation`` for big ones."""
    estimate = estimated_rows(relation)
    if estimate is None or estimate < SITE_COUNTS_EXACT_MAX:
        return queryset.count(), False
    return round(estimate, -3), True


def site_counts() -> dict:
    """Papers, listed summaries and credited writers on the site; cached five minutes.

    Big tables are not counted row by row: above ``SITE_COUNTS_EXACT_MAX`` rows the papers come from
    the estimate of the papers table and listed summaries from that of their partial index
    ``summary_latest_idx``; ``approximate[name]`` says so, and the home page prints "about 2.5 million".
    """
    from django.core.cache import cache

    from accounts.models import User

    def compute() -> dict:
        papers, papers_approx = _count(Paper.objects.live(), Paper._meta.db_table)
        summaries, summaries_approx = _count(Summary.objects.listed(), "summary_latest_idx")
        return {
            "papers": papers,
            "summaries": summaries,
            # user_leaderboard_idx holds exactly the members with summaries: an index-only count.
            "writers": User.objects.filter(summary_count__gt=0).count(),
            "approximate": {"papers": papers_approx, "summaries": summaries_approx},
        }

    return cache.get_or_set(SITE_COUNTS_CACHE_KEY, compute, SITE_COUNTS_TIMEOUT)
