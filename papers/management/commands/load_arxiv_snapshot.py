"""``manage.py load_arxiv_snapshot FILE [--limit N] [--batch-size N]``: arXiv's metadata snapshot into the papers.

Streams the file (JSON lines, plain or gzip) a batch at a time through ``papers.arxiv.ingest.upsert_records``
(``COPY`` into a staging table, then set-based upserts): memory stays flat whatever the file's size. Re-running
it updates what changed and leaves the rest alone. Progress goes to standard error.
"""

from __future__ import annotations

import sys
import time
from itertools import islice

from django.core.management.base import BaseCommand, CommandError

from papers.arxiv.ingest import upsert_records
from papers.arxiv.records import UpsertStats
from papers.arxiv.snapshot import SnapshotFile, read_records


class Command(BaseCommand):
    help = "Load arXiv's metadata snapshot (JSON lines, optionally gzipped) into the papers."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--limit", type=int, default=None, help="Stop after this many records.")
        parser.add_argument("--batch-size", type=int, default=2000, help="Records per transaction (default 2000).")
        parser.add_argument("--no-progress", action="store_true", help="No progress line on standard error.")

    def handle(self, *args, file, limit, batch_size, no_progress, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            snapshot = SnapshotFile(file)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}") from error
        total, errors = UpsertStats(), []
        started = time.monotonic()
        with snapshot:
            records = read_records(snapshot.stream, limit=limit, errors=errors)
            while True:
                stats = upsert_records(islice(records, batch_size), batch_size=batch_size)
                if not stats.received:
                    break
                total += stats
                if not no_progress:
                    self._progress(snapshot, total, started)
        if not no_progress:
            sys.stderr.write("\n")
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"{total.received} records in {elapsed:.0f} s: {total.created} new, {total.updated} updated "
            f"({total.matched_by_hand} added by hand before), {total.skipped} skipped, "
            f"{len(errors)} unreadable lines."
        )

    @staticmethod
    def _progress(snapshot: SnapshotFile, total: UpsertStats, started: float) -> None:
        elapsed = time.monotonic() - started
        share = snapshot.position / snapshot.size if snapshot.size else 1.0
        eta = elapsed / share - elapsed if share > 0 else 0
        sys.stderr.write(
            f"\r{share:6.1%} {total.received:>10,} records  {total.received / max(elapsed, 1e-9):>6,.0f}/s  "
            f"elapsed {elapsed / 60:5.1f} min  left ~{eta / 60:5.1f} min "
        )
        sys.stderr.flush()
