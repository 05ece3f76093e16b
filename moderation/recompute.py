"""Find and fix drift in derived data: summary scores and comment counts, paper, venue and member counters,
papers without a title vector.

Each counter check compares the stored values with the values recomputed from the source rows, one set-based
statement per batch of ``COUNTER_BATCH`` consecutive ids (each an index range scan on both sides, so a statement
stays short and its memory bounded at millions of rows), and fixing runs the statement that writes them: both are
``summaries.counters``' own, the ones every event uses. Title vectors are filled with the site's own statement
(``update_paper_search_vector``).

``check_all`` and ``mail_drift_report`` are the nightly job (``moderation.tasks.check_counters``): report only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from comments.models import Comment
from jobs.queue import enqueue
from jobs.tasks import send_email
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


# Rows per drift statement of a whole-table check (ids, so a sparse table gives smaller batches).
COUNTER_BATCH = 100_000


def id_batches(table: str, size: int) -> list[range]:
    """Consecutive id ranges of ``size`` covering every row of ``table``."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min(id), max(id) FROM {connection.ops.quote_name(table)}")
        low, high = cursor.fetchone()
    if low is None:
        return []
    return [range(start, min(start + size, high + 1)) for start in range(low, high + 1, size)]


def _counter_check(counter: counters.Counter):
    def check() -> Drift:
        drift = Drift(counter.label)
        for batch in id_batches(counter.table, COUNTER_BATCH):
            for pk, stored, true in counter.drift(batch):
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


def check_all() -> list[Drift]:
    """Every check (counters and title vectors), reporting only: the drifts found, empty ones left out."""
    return [drift for _, check in CHECKS if (drift := check()).ids]


def drift_report(drifts: list[Drift]) -> str:
    """Plain text listing each drift: how many rows, and up to ten examples."""
    lines = []
    for drift in drifts:
        lines.append(f"{drift.label}: {len(drift.ids)} drifted")
        lines.extend(f"  {example}" for example in drift.examples)
    return "\n".join(lines)


def mail_drift_report(drifts: list[Drift], day) -> bool:
    """Queue the day's drift report to ``ADMIN_EMAILS`` (at most one mail a day, however often it runs).
    False when there is nothing to send or nobody to send it to."""
    recipients = [address for _, address in settings.ADMINS]
    if not drifts or not recipients:
        return False
    total = sum(len(drift.ids) for drift in drifts)
    body = (
        f"The nightly check found {total} stored value(s) that differ from the values recomputed from their "
        f"rows on {day.isoformat()}. Nothing was changed.\n\n{drift_report(drifts)}\n\n"
        "Look for what caused it (a bulk edit in SQL, a restored backup, a bug), then correct the values with "
        "`manage.py repair_counters --fix`.\n"
    )
    subject = f"[{settings.SITE_NAME}] Counter drift: {total} value(s)"
    enqueue(send_email, f"counter-drift:{day.isoformat()}", subject, body, recipients)
    return True
