"""Find and fix drift in derived data: summary scores and comment counts, paper, venue and member counters,
papers without a title vector.

Each check compares the stored value with the value recomputed from the source rows in one aggregate query;
fixing goes through the same one-place functions the models use (``Summary.recompute_score``,
``refresh_comment_count``, ``refresh_paper_counters``, ``refresh_writer_counters``, ``refresh_venue_counters``,
``update_paper_search_vector``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F, Max, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from comments.models import Comment, refresh_comment_count
from papers.merging import refresh_venue_counters, venue_counts
from papers.models import Paper
from papers.vectors import update_paper_search_vector
from summaries.models import LISTED, Summary, refresh_paper_counters, refresh_writer_counters


@dataclass
class Drift:
    label: str
    ids: list[int] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)

    def add(self, pk: int, stored, true) -> None:
        self.ids.append(pk)
        if len(self.examples) < 10:
            self.examples.append(f"#{pk}: stored {stored}, should be {true}")


def _prefixed(q: Q, prefix: str) -> Q:
    return Q(**{f"{prefix}{key}": value for key, value in q.children})


def summary_score_drift() -> Drift:
    now = timezone.now()
    counted = Q(votes__user__banned_at__isnull=True) | Q(votes__user__banned_until__lte=now)
    drift = Drift("summary scores")
    rows = (
        Summary.objects.annotate(true=Coalesce(Sum("votes__value", filter=counted), 0))
        .exclude(score=F("true"))
        .values_list("pk", "score", "true")
    )
    for pk, stored, true in rows.iterator():
        drift.add(pk, stored, true)
    return drift


def comment_count_drift() -> Drift:
    visible = Q(comments__state=Comment.State.VISIBLE, comments__deleted_at__isnull=True)
    drift = Drift("summary comment counts")
    rows = (
        Summary.objects.annotate(true=Count("comments", filter=visible))
        .exclude(comment_count=F("true"))
        .values_list("pk", "comment_count", "true")
    )
    for pk, stored, true in rows.iterator():
        drift.add(pk, stored, true)
    return drift


def paper_count_drift() -> Drift:
    listed = _prefixed(LISTED, "summaries__")
    drift = Drift("paper summary counts")
    rows = (
        Paper.objects.annotate(true=Count("summaries", filter=listed), last=Max("summaries__created_at", filter=listed))
        .exclude(
            Q(summary_count=F("true"))
            & (Q(last_summary_at=F("last")) | Q(last__isnull=True, last_summary_at__isnull=True))
        )
        .values_list("pk", "summary_count", "true")
    )
    for pk, stored, true in rows.iterator():
        drift.add(pk, stored, true)
    return drift


def venue_count_drift() -> Drift:
    drift = Drift("venue paper and summary counts")
    for venue in venue_counts().iterator():
        if (venue.paper_count, venue.summary_count) != (venue.true_papers, venue.true_summaries):
            drift.add(venue.pk, (venue.paper_count, venue.summary_count), (venue.true_papers, venue.true_summaries))
    return drift


def member_count_drift() -> Drift:
    credited = _prefixed(LISTED, "summaries__") & Q(summaries__is_anonymous=False)
    drift = Drift("member summary counts and total scores")
    rows = User.objects.annotate(
        true_n=Count("summaries", filter=credited), true_total=Coalesce(Sum("summaries__score", filter=credited), 0)
    ).exclude(summary_count=F("true_n"), total_score=F("true_total"))
    for pk, n, total, true_n, true_total in rows.values_list(
        "pk", "summary_count", "total_score", "true_n", "true_total"
    ).iterator():
        drift.add(pk, (n, total), (true_n, true_total))
    return drift


def title_vector_drift() -> Drift:
    """Papers without a title vector: added by the previous release while migration papers/0004 filled the
    column (that release does not know it). The search's title scans miss them."""
    drift = Drift("papers without a title vector")
    for pk in Paper.objects.filter(title_vector__isnull=True).order_by("pk").values_list("pk", flat=True).iterator():
        drift.add(pk, "NULL", "the vector of its title, authors and keywords")
    return drift


# Papers per statement when filling vectors: each batch commits on its own, so its row locks are short.
VECTOR_BATCH = 1_000


def fix(kind: str, ids: list[int]) -> None:
    if kind == "scores":
        for summary in Summary.objects.filter(pk__in=ids):
            summary.recompute_score()
    elif kind == "comments":
        for pk in ids:
            refresh_comment_count(pk)
    elif kind == "papers":
        for pk in ids:
            refresh_paper_counters(pk)
    elif kind == "venues":
        refresh_venue_counters(ids)
    elif kind == "members":
        for pk in ids:
            refresh_writer_counters(pk)
    elif kind == "vectors":
        # The site's own statement, which sets search_vector and title_vector together.
        for start in range(0, len(ids), VECTOR_BATCH):
            update_paper_search_vector(ids[start : start + VECTOR_BATCH])


# Order matters when fixing: scores feed member totals, summaries feed paper counts.
CHECKS = [
    ("scores", summary_score_drift),
    ("comments", comment_count_drift),
    ("papers", paper_count_drift),
    ("venues", venue_count_drift),
    ("members", member_count_drift),
    ("vectors", title_vector_drift),
]
