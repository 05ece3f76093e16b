"""Every stored counter changes here: one function per event, and the set-based statements that recompute them.

The counters: a summary's ``score`` (its counted votes) and ``comment_count`` (its shown comments), a paper's
``summary_count`` and ``last_summary_at`` (its listed summaries), a venue's ``paper_count`` and
``summary_count`` (its live papers and their listed summaries) and a member's ``summary_count`` and
``total_score`` (their credited summaries). Each is defined once, as a ``Counter`` whose source is a grouped
queryset; the per-event functions recompute the rows an event touched with that same statement, and
``repair_counters`` (``moderation.recompute``) and ``generate_bench_data`` run it over whole tables.

The one exception is cheap and exact bookkeeping: a summary listed or unlisted moves its venue's count by one
(under the summary's row lock, see ``Summary._lock_listing_fields``) rather than recounting a venue of 100,000
papers, and a paper moved to another venue moves its counts in ``Paper.save`` (venues are the papers app's).

Comments sit above summaries: their rule for "shown" (``CommentQuerySet.shown``) is passed in by the callers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Count, F, Max, Q, QuerySet, Sum

from accounts.models import User
from papers.models import Paper, Venue
from shortscience.lib import versions
from summaries import models as summary_models


@dataclass(frozen=True)
class Counter:
    """Columns of ``table`` computed from a grouped source: ``source(ids)`` yields ``key`` (the row's id) and one
    value per column; rows without source rows get ``defaults``.

    ``ids`` limits a statement to some rows: a list of ids (the rows an event touched), a ``range`` of ids (a
    batch of a whole-table check, ``moderation.recompute``: an index range on both sides) or None (every row)."""

    label: str
    table: str
    defaults: dict
    source: object  # callable(ids or None) -> QuerySet with values("key", *columns)

    @property
    def columns(self) -> list[str]:
        return list(self.defaults)

    def _joined(self, ids, using):
        """(sql, params, where) of ``base`` (the table) LEFT JOIN ``c`` (the true values), limited to ``ids``."""
        source_sql, params = self.source(ids).query.get_compiler(using).as_sql()
        sql = f"{connections[using].ops.quote_name(self.table)} base LEFT JOIN ({source_sql}) c ON c.key = base.id"
        where = "TRUE"
        if isinstance(ids, range):
            where = "base.id >= %s AND base.id < %s"
            params = (*params, ids.start, ids.stop)
        elif ids is not None:
            where = "base.id = ANY(%s)"
            params = (*params, list(ids))
        return sql, params, where

    def _true(self) -> str:
        return ", ".join(f"coalesce(c.{column}, %s)" for column in self.columns)

    def _stored(self, alias: str) -> str:
        return ", ".join(f"{alias}.{column}" for column in self.columns)

    def drift(self, ids=None, using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
        """(id, stored values, true values) of every row whose stored values are wrong, by id."""
        if ids is not None and not ids:
            return []
        joined, params, where = self._joined(ids, using)
        defaults = list(self.defaults.values())
        sql = (
            f"SELECT base.id, {self._stored('base')}, {self._true()} FROM {joined}"
            f" WHERE {where} AND ({self._stored('base')}) IS DISTINCT FROM ({self._true()}) ORDER BY base.id"
        )
        n = len(self.columns)
        with connections[using].cursor() as cursor:
            cursor.execute(sql, [*defaults, *params, *defaults])
            return [(row[0], row[1 : 1 + n], row[1 + n :]) for row in cursor.fetchall()]

    def repair(self, ids=None, using: str = DEFAULT_DB_ALIAS) -> int:
        """Write the true values into the rows (of ``ids``, or all) that are wrong; returns how many changed."""
        if ids is not None and not ids:
            return 0
        joined, params, where = self._joined(ids, using)
        defaults = list(self.defaults.values())
        table = connections[using].ops.quote_name(self.table)
        assignments = ", ".join(f"{column} = coalesce(c.{column}, %s)" for column in self.columns)
        sql = (
            f"UPDATE {table} t SET {assignments} FROM {joined}"
            f" WHERE t.id = base.id AND {where} AND ({self._stored('t')}) IS DISTINCT FROM ({self._true()})"
        )
        with connections[using].cursor() as cursor:
            cursor.execute(sql, [*defaults, *params, *defaults])
            return cursor.rowcount


def _restricted(queryset: QuerySet, field: str, ids) -> QuerySet:
    if ids is None:
        return queryset
    if isinstance(ids, range):
        return queryset.filter(**{f"{field}__gte": ids.start, f"{field}__lt": ids.stop})
    return queryset.filter(**{f"{field}__in": list(ids)})


def _prefixed(q: Q, prefix: str) -> Q:
    return Q(**{f"{prefix}{key}": value for key, value in q.children})


def counted_votes():
    """Votes that count towards a score: not those of members banned now."""
    return summary_models.Vote.objects.exclude(user__in=User.objects.banned().values("pk"))


def _score_source(ids):
    votes = _restricted(counted_votes().order_by(), "summary_id", ids)
    return votes.values(key=F("summary_id")).annotate(score=Sum("value")).values("key", "score")


def _paper_source(ids):
    listed = _restricted(summary_models.Summary.objects.listed().order_by(), "paper_id", ids)
    return (
        listed.values(key=F("paper_id"))
        .annotate(summary_count=Count("id"), last_summary_at=Max("created_at"))
        .values("key", "summary_count", "last_summary_at")
    )


def _venue_source(ids):
    live = _restricted(Paper.objects.live().filter(venue__isnull=False).order_by(), "venue_id", ids)
    listed = _prefixed(summary_models.LISTED, "summaries__")
    return (
        live.values(key=F("venue_id"))
        .annotate(paper_count=Count("id", distinct=True), summary_count=Count("summaries", filter=listed))
        .values("key", "paper_count", "summary_count")
    )


def _member_source(ids):
    credited = _restricted(summary_models.Summary.objects.credited().order_by(), "writer_id", ids)
    return (
        credited.filter(writer__isnull=False)
        .values(key=F("writer_id"))
        .annotate(summary_count=Count("id"), total_score=Sum("score"))
        .values("key", "summary_count", "total_score")
    )


SCORES = Counter("summary scores", "summaries_summary", {"score": 0}, _score_source)
PAPERS = Counter("paper summary counts", "papers_paper", {"summary_count": 0, "last_summary_at": None}, _paper_source)
VENUES = Counter(
    "venue paper and summary counts", "papers_venue", {"paper_count": 0, "summary_count": 0}, _venue_source
)
MEMBERS = Counter(
    "member summary counts and total scores", "accounts_user", {"summary_count": 0, "total_score": 0}, _member_source
)


def comment_counts(shown_comments: QuerySet) -> Counter:
    """The summaries' ``comment_count``: how many of ``shown_comments`` (``Comment.objects.shown()``) each has."""

    def source(ids):
        comments = _restricted(shown_comments.order_by(), "summary_id", ids)
        return comments.values(key=F("summary_id")).annotate(comment_count=Count("id")).values("key", "comment_count")

    return Counter("summary comment counts", "summaries_summary", {"comment_count": 0}, source)


def all_counters(shown_comments: QuerySet) -> list[tuple[str, Counter]]:
    """Every counter, in the order to repair them: scores feed member totals, summaries feed paper counts."""
    return [
        ("scores", SCORES),
        ("comments", comment_counts(shown_comments)),
        ("papers", PAPERS),
        ("venues", VENUES),
        ("members", MEMBERS),
    ]


def repair_all(shown_comments: QuerySet, using: str = DEFAULT_DB_ALIAS) -> None:
    """Recompute every counter of every row, set-based (``generate_bench_data``)."""
    for _, counter in all_counters(shown_comments):
        counter.repair(using=using)


# --- Events -----------------------------------------------------------------------------------------------


def _move_venue_count(paper_id: int, by: int) -> None:
    # WHERE id IN (SELECT venue_id FROM paper WHERE id = …): a primary-key look-up, no join.
    venue_of_paper = Paper.objects.filter(pk=paper_id).values("venue_id")
    Venue.objects.filter(pk__in=venue_of_paper).update(summary_count=F("summary_count") + by)


def summary_saved(summary, *, was_listed: bool, old_paper_id: int | None = None) -> None:
    """A summary was written, edited, listed or unlisted (state, visibility, deletion), or moved to another paper
    (``old_paper_id``, the paper it was loaded with): its papers', venues' and writer's counters follow."""
    moved = old_paper_id is not None and old_paper_id != summary.paper_id
    if moved:
        if was_listed:
            _move_venue_count(old_paper_id, -1)
        if summary.is_listed:
            _move_venue_count(summary.paper_id, +1)
        PAPERS.repair([old_paper_id, summary.paper_id])
    else:
        if was_listed != summary.is_listed:
            _move_venue_count(summary.paper_id, 1 if summary.is_listed else -1)
        PAPERS.repair([summary.paper_id])
    if summary.writer_id:
        MEMBERS.repair([summary.writer_id])


def votes_changed(summary) -> int:
    """Votes on ``summary`` were cast, withdrawn or stopped (or started again) counting: its score and its
    writer's total follow. Returns the new score."""
    SCORES.repair([summary.pk])
    summary.score = type(summary).objects.filter(pk=summary.pk).values_list("score", flat=True).get()
    if summary.writer_id:
        MEMBERS.repair([summary.writer_id])
    return summary.score


def votes_of_member_changed(user_id: int) -> int:
    """A member was banned or unbanned: the summaries they voted on are rescored. Returns how many."""
    summaries = summary_models.Summary.objects.filter(
        pk__in=summary_models.Vote.objects.filter(user_id=user_id).values("summary_id")
    )
    ids = list(summaries.values_list("pk", flat=True))
    SCORES.repair(ids)
    writers = summaries.exclude(writer=None).values_list("writer_id", flat=True).distinct()
    MEMBERS.repair(list(writers))
    versions.bump(versions.LISTING)  # scores shown in cached answers changed without a save
    return len(ids)


def comments_changed(summary_id: int, shown_comments: QuerySet) -> None:
    """A comment of the summary was posted, edited, hidden, shown again or deleted."""
    comment_counts(shown_comments).repair([summary_id])


def summaries_moved(*, paper_ids, summary_ids) -> None:
    """Summaries were moved between papers in bulk (a merge of papers or its undoing): the papers', their venues'
    and the writers' counters are recomputed."""
    paper_ids = [pk for pk in paper_ids if pk]
    PAPERS.repair(paper_ids)
    venue_ids = Paper.objects.filter(pk__in=paper_ids, venue__isnull=False).values_list("venue_id", flat=True)
    VENUES.repair(list(venue_ids))
    writers = summary_models.Summary.objects.filter(pk__in=list(summary_ids), writer__isnull=False)
    MEMBERS.repair(list(writers.values_list("writer_id", flat=True).distinct()))


def member_left(*, voted_on, paper_ids) -> None:
    """A member deleted their account: their votes are gone (the summaries they voted on are rescored) and
    their private summaries with them (the papers' counts are recomputed; private ones never counted, so this
    is a check, not a change)."""
    voted_on = list(voted_on)
    SCORES.repair(voted_on)
    writers = summary_models.Summary.objects.filter(pk__in=voted_on, writer__isnull=False)
    MEMBERS.repair(list(writers.values_list("writer_id", flat=True).distinct()))
    PAPERS.repair(list(paper_ids))
    versions.bump(versions.LISTING)  # bylines and scores shown in cached answers changed without a save
