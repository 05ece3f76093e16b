"""The snapshot load on several processes: ``upsert_in_workers`` hands runs of a snapshot's lines to worker
processes, each of which parses its lines and stores them with ``papers.arxiv.ingest.upsert_records`` on its
own database connection.

One PostgreSQL backend is one core: a single loader keeps one core busy and leaves the other idle. Batches are
safe side by side (the module doc of ``papers.arxiv.ingest``: each inserts its new papers alone, then takes the
batch lock for authors, bylines and counters), so two workers on two cores load about twice as fast. The
parent only reads raw lines and counts; workers are forked (Linux), after the parent closed its database
connections so that none is shared.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import traceback
from collections.abc import Iterable, Iterator

from django.db import connections

from papers.arxiv.ingest import upsert_records
from papers.arxiv.records import UpsertStats
from papers.arxiv.snapshot import read_records

logger = logging.getLogger(__name__)

# A run of a snapshot's lines: the number of its first line and the lines (bytes, as read).
Chunk = tuple[int, list[bytes]]


class WorkerFailed(RuntimeError):
    """A worker stopped on an error (its traceback is the message); the other workers were stopped."""


def chunk_lines(lines: Iterable[bytes], size: int, *, limit: int | None = None) -> Iterator[Chunk]:
    """``lines`` in runs of ``size`` non-blank lines, each with the number of its first line; at most ``limit``
    non-blank lines in all."""
    chunk: list[bytes] = []
    first, taken = 1, 0
    for number, line in enumerate(lines, start=1):
        if limit is not None and taken >= limit:
            break
        if not chunk:
            first = number
        chunk.append(line)
        if line.strip():
            taken += 1
            if len(chunk) >= size:
                yield first, chunk
                chunk = []
    if chunk:
        yield first, chunk


# Database connections a worker inherited open from its parent: kept, never used nor closed (closing one would
# end the parent's session on the shared socket), so that garbage collection cannot close them either.
_INHERITED: list = []


def _forget_inherited_connections() -> None:
    """The parent closes its connections before forking; any still open (another thread's, a caller's) is the
    parent's socket: this worker leaves it alone and opens its own."""
    for wrapper in connections.all():
        if wrapper.connection is not None:
            _INHERITED.append(wrapper.connection)
            wrapper.connection = None


def _work(tasks, results) -> None:
    """A worker's life: parse and store chunks until told to stop (None), reporting each chunk's result."""
    _forget_inherited_connections()
    try:
        while (chunk := tasks.get()) is not None:
            first_line, lines = chunk
            errors: list[int] = []
            records = list(read_records(lines, errors=errors, first_line=first_line))
            stats = upsert_records(records, batch_size=max(len(records), 1))
            results.put(("batch", stats, errors))
    except BaseException:  # reported to the parent, which stops everything
        results.put(("error", traceback.format_exc(), None))
    finally:
        connections.close_all()
        results.put(("done", None, None))


def upsert_in_workers(chunks: Iterable[Chunk], workers: int) -> Iterator[tuple[UpsertStats, list[int]]]:
    """Store the records of these chunks with ``workers`` processes; yields each chunk's statistics and unreadable
    line numbers as it is done (not in file order). Raises ``WorkerFailed`` when a worker fails."""
    context = multiprocessing.get_context("fork")
    tasks = context.Queue(maxsize=2 * workers)  # a bounded read-ahead: memory stays flat
    results = context.Queue()
    connections.close_all()  # never shared with a child
    processes = [
        context.Process(target=_work, args=(tasks, results), name=f"snapshot-worker-{n}", daemon=True)
        for n in range(workers)
    ]
    for process in processes:
        process.start()
    running = workers

    def collect(*, block: bool) -> Iterator[tuple[UpsertStats, list[int]]]:
        nonlocal running
        while running:
            try:
                kind, payload, errors = results.get(timeout=1.0) if block else results.get_nowait()
            except queue.Empty:
                if not block:
                    return
                if not any(process.is_alive() for process in processes):
                    raise WorkerFailed("every worker exited without reporting") from None
                continue
            if kind == "batch":
                yield payload, errors
            elif kind == "error":
                raise WorkerFailed(payload)
            else:
                running -= 1
                if block:
                    continue

    def hand_out(item) -> Iterator[tuple[UpsertStats, list[int]]]:
        while True:
            yield from collect(block=False)
            if not any(process.is_alive() for process in processes):
                raise WorkerFailed("every worker exited")
            try:
                tasks.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    try:
        for chunk in chunks:
            yield from hand_out(chunk)
        for _ in processes:
            yield from hand_out(None)
        yield from collect(block=True)
    finally:
        for process in processes:
            if process.is_alive() and running:
                process.terminate()
        for process in processes:
            process.join(timeout=10)
