"""Find and fix drift in derived data: summary scores and comment counts, paper, venue and member counters,
papers without a title vector.

Each counter check compares the stored values with the values recomputed from the source rows in one set-based
statement, and fixing runs the statement that writes them: both are ``summaries.counters``' own, the ones every
event uses. Title vectors are filled with the site's own statement (``update_paper_search_vector``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from comments.models import Comment
from papers.models import Paper
from papers.vectors import update_paper_search_vector
from summaries import counters


@dataclass
class Drift:
    label: str
    ids: list[int] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)

    def add(self, pk: int, stored, true) -> None:
        self.ids.append(pk)
        if len(self.examples) < 10:
            self.examples.append(f"#{pk}: stored {stored}, should be {true}")


def title_vector_drift() -> Drift:
    """Papers without a title vector: added by the previous release while migration papers/0004 filled the
    column (that release does not know it). The search's title scans miss them."""
    drift = Drift("papers without a title vector")
    for pk in Paper.objects.filter(title_vector__isnull=True).order_by("pk").values_list("pk", flat=True).iterator():
        drift.add(pk, "NULL", "the vector of its title, authors and keywords")
    return drift


# Papers per statement when filling vectors: each batch commits on its own, so its row locks are short.
VECTOR_BATCH = 1_000


def _counter_check(counter: counters.Counter):
    def check() -> Drift:
        drift = Drift(counter.label)
        for pk, stored, true in counter.drift():
            drift.add(pk, _shown(stored), _shown(true))
        return drift

    return check


def _shown(values: tuple):
    return values[0] if len(values) == 1 else values


COUNTERS = dict(counters.all_counters(Comment.objects.shown()))


def fix(kind: str, ids: list[int]) -> None:
    if kind == "vectors":
        # The site's own statement, which sets search_vector and title_vector together.
        for start in range(0, len(ids), VECTOR_BATCH):
            update_paper_search_vector(ids[start : start + VECTOR_BATCH])
    else:
        counters_of_kind = COUNTERS[kind]
        for start in range(0, len(ids), VECTOR_BATCH):
            counters_of_kind.repair(ids[start : start + VECTOR_BATCH])


# Order matters when fixing: scores feed member totals, summaries feed paper counts.
CHECKS = [*((kind, _counter_check(counter)) for kind, counter in COUNTERS.items()), ("vectors", title_vector_drift)]
