"""``manage.py load_arxiv_snapshot FILE [--limit N] [--batch-size N] [--workers N]``: arXiv's metadata snapshot
into the papers.

Streams the file (JSON lines, plain or gzip) a batch at a time through ``papers.arxiv.ingest.upsert_records``
(``COPY`` into a staging table, then set-based upserts): memory stays flat whatever the file's size. With several
workers (the default: one a core, at most 4) each batch is parsed and stored by a worker process on its own
connection (``papers.arxiv.workers``); with ``--workers 1`` in this process, a thread parsing the next batch.
Re-running it updates what changed and leaves the rest alone. Progress goes to standard error.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import time
from itertools import islice

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from papers.arxiv.ingest import upsert_records
from papers.arxiv.records import UpsertStats
from papers.arxiv.snapshot import SnapshotFile, read_records
from papers.arxiv.workers import WorkerFailed, chunk_lines, upsert_in_workers

DEFAULT_WORKERS = max(1, min(os.cpu_count() or 1, 4))


class Command(BaseCommand):
    help = "Load arXiv's metadata snapshot (JSON lines, optionally gzipped) into the papers."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--limit", type=int, default=None, help="Stop after this many records.")
        parser.add_argument("--batch-size", type=int, default=2000, help="Records per transaction (default 2000).")
        parser.add_argument(
            "--workers",
            type=int,
            default=DEFAULT_WORKERS,
            help=f"Worker processes, each on its own database connection (default {DEFAULT_WORKERS}: one a core).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress line on standard error.")

    def handle(self, *args, file, limit, batch_size, workers, no_progress, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        try:
            snapshot = SnapshotFile(file)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}") from error
        if snapshot.size >= BIG_FILE_BYTES:
            for advice in server_advice():
                self.stderr.write(advice)
        total, errors = UpsertStats(), []
        started = time.monotonic()
        with snapshot:
            for stats, unreadable in self._batches(snapshot, limit, batch_size, workers):
                total += stats
                errors += unreadable
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
    def _batches(snapshot: SnapshotFile, limit: int | None, batch_size: int, workers: int):
        """Each stored batch's statistics and unreadable line numbers. Inside a transaction (a test, a caller's
        atomic block) the load stays on this connection: forked workers would not see its uncommitted rows."""
        if workers == 1 or connection.in_atomic_block:
            errors: list[int] = []
            records = read_records(snapshot.stream, limit=limit, errors=errors)
            for batch in _read_ahead(records, batch_size):
                yield upsert_records(batch, batch_size=batch_size), []
            yield UpsertStats(), errors  # filled by the reading thread, complete now
            return
        try:
            yield from upsert_in_workers(chunk_lines(snapshot.stream, batch_size, limit=limit), workers)
        except WorkerFailed as error:
            raise CommandError(f"A worker failed; the batches already stored are kept.\n{error}") from error

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


# A file this size is a bulk load: worth checking the server's settings for one.
BIG_FILE_BYTES = 500 * 1024 * 1024
# PostgreSQL settings under which a bulk load of the whole snapshot slows down (docs/deployment.md, "Bulk loading
# arXiv"): with max_wal_size at its default of 1 GB the server checkpoints every few seconds and writes each
# touched page whole into the WAL again; with 128 MB of shared buffers the indexes of millions of papers are read
# back from the kernel's cache all the time. Measured: on the defaults the load fell below 1,000 records/s by
# 1.2 M records; configured, it held ~1,500/s to the end (docs/performance.md, "Snapshot load").
ADVISED_SETTINGS = {"max_wal_size": ("8GB", 8 * 1024**3), "shared_buffers": ("1GB", 1024**3)}


def server_advice() -> list[str]:
    """A line per PostgreSQL setting below what a bulk load wants (none when the server is configured for it)."""
    advice = []
    with connection.cursor() as cursor:
        for name, (advised, minimum) in ADVISED_SETTINGS.items():
            cursor.execute("SELECT current_setting(%s), pg_size_bytes(current_setting(%s))", [name, name])
            value, size = cursor.fetchone()
            if size < minimum:
                advice.append(
                    f"Note: PostgreSQL's {name} is {value}; a bulk load runs much faster with {advised} or more "
                    f'(docs/deployment.md, "Bulk loading arXiv").'
                )
    return advice


_END = object()


def _read_ahead(records, batch_size: int, depth: int = 2):
    """Batches of ``records``, parsed by a thread while the database works on the previous batch (the driver
    releases the GIL while it waits): parsing and upserting overlap on two cores. At most ``depth`` batches wait,
    so memory stays flat."""
    batches: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce():
        try:
            while not stop.is_set() and (batch := list(islice(records, batch_size))):
                batches.put(batch)
        except BaseException as error:  # handed to the consumer, raised there
            batches.put(error)
        batches.put(_END)

    thread = threading.Thread(target=produce, name="snapshot-reader", daemon=True)
    thread.start()
    try:
        while (item := batches.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # let a producer blocked on a full queue finish
            try:
                batches.get_nowait()
            except queue.Empty:
                thread.join(0.05)
