"""Recompute every stored search vector (papers' ``search_vector`` and ``title_vector``, summaries'
``search_vector``) with the site's own statements, ``papers.vectors.PAPER_VECTOR_SQL`` and
``summaries.vectors.SUMMARY_VECTOR_SQL``, and the vocabulary of titles that "Did you mean" corrects words from
(``TITLE_WORDS_SQL``).

Needed once after a change of what the vectors hold or how they are built (migration papers/0006: accents
folded by ``unaccent``); until then the search still works, with the old vectors. Rows are rewritten in
batches of consecutive ids, each committed on its own, so its row locks are short and readers and writers go
on; an interrupted run prints the id to resume from (``--from-id``). Run it niced on a busy server. Cost at
2.5 M papers and 1 M summaries: docs/performance.md.
"""

import time

from django.core.management.base import BaseCommand
from django.db import connection

from papers.vectors import CJK_SQL_PATTERN, PAPER_VECTOR_SQL, TITLE_WORDS_SQL, search_results_changed
from summaries.vectors import SUMMARY_VECTOR_SQL

PAPERS = "p.id BETWEEN %(start)s AND %(stop)s"
# Statements per batch of ids: the vectors, and for papers the vocabulary of titles ("Did you mean").
TABLES = {
    "papers": ("papers_paper", [PAPER_VECTOR_SQL + " WHERE " + PAPERS, TITLE_WORDS_SQL.format(where=PAPERS)]),
    "summaries": ("summaries_summary", [SUMMARY_VECTOR_SQL + " WHERE s.id BETWEEN %(start)s AND %(stop)s"]),
}


class Command(BaseCommand):
    help = "Recompute the search vectors of every paper and summary, in batches (resumable with --from-id)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=5_000, help="Rows per statement (default 5,000).")
        parser.add_argument("--only", choices=sorted(TABLES), help="Only papers or only summaries.")
        parser.add_argument("--from-id", type=int, default=None, help="Resume: start at this id (with --only).")

    def handle(self, *args, **options):
        kinds = [options["only"]] if options["only"] else list(TABLES)
        for kind in kinds:
            self.rebuild(kind, options["batch"], options["from_id"])
        search_results_changed()

    def rebuild(self, kind: str, batch: int, from_id: int | None) -> None:
        table, statements = TABLES[kind]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT min(id), max(id) FROM {table}")
            low, high = cursor.fetchone()
        if low is None:
            self.stdout.write(f"{kind}: none")
            return
        start = max(low, from_id or low)
        began, done = time.monotonic(), 0
        try:
            while start <= high:
                params = {"cjk": CJK_SQL_PATTERN, "start": start, "stop": start + batch - 1}
                with connection.cursor() as cursor:
                    cursor.execute(statements[0], params)
                    done += cursor.rowcount
                    for statement in statements[1:]:
                        cursor.execute(statement, params)
                start += batch
                elapsed = time.monotonic() - began
                share = min(1.0, (start - low) / (high - low + 1))
                self.stdout.write(
                    f"{kind}: {done:,} rows, ids up to {min(start - 1, high):,} of {high:,} ({share:.0%}), "
                    f"{elapsed:.0f} s, about {elapsed / share - elapsed:.0f} s left"
                )
        except BaseException:
            self.stderr.write(f"Interrupted: resume with --only {kind} --from-id {start}")
            raise
        self.stdout.write(self.style.SUCCESS(f"{kind}: {done:,} rows in {time.monotonic() - began:.0f} s"))
