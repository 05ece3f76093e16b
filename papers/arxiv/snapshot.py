"""arXiv's metadata snapshot (the public JSON-lines file, optionally gzipped) read as ``ArxivRecord``s, streamed.

One JSON object a line: ``id``, ``submitter``, ``authors``, ``title``, ``comments``, ``journal-ref``, ``doi``,
``categories`` (space-separated, primary first), ``license``, ``abstract``, ``versions``
(``[{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}]``), ``update_date`` (``2008-11-13``),
``authors_parsed`` (``[[last, first, suffix, affiliation…]]``). The file is read a line at a time: memory does
not grow with its size.
"""

from __future__ import annotations

import datetime
import gzip
import json
import logging
import os
import re
from collections.abc import Iterable, Iterator
from typing import IO

from papers.arxiv.records import ArxivRecord, ArxivState

logger = logging.getLogger(__name__)

_MONTHS = {
    "Jan": 1,
    "Feb": 2,
    "Mar": 3,
    "Apr": 4,
    "May": 5,
    "Jun": 6,
    "Jul": 7,
    "Aug": 8,
    "Sep": 9,
    "Oct": 10,
    "Nov": 11,
    "Dec": 12,
}
_VERSION_RE = re.compile(r"^v(\d+)$")
# What arXiv writes in the comments (and abstract) of a withdrawn paper's last version.
_WITHDRAWN_RE = re.compile(
    r"\b(?:(?:paper|article|submission|manuscript|preprint|work)\s+(?:has\s+been|is|was)\s+withdrawn"
    r"|withdrawn\s+by\s+(?:the\s+)?(?:author|arxiv|submitter)"
    r"|^\s*withdrawn\b)",
    re.IGNORECASE,
)


def parse_created(text: str) -> datetime.datetime | None:
    """``Mon, 2 Apr 2007 19:18:42 GMT`` → an aware UTC datetime (hand-parsed: strptime costs ten times more)."""
    try:
        _, day, month, year, clock, _zone = text.split()
        hour, minute, second = clock.split(":")
        return datetime.datetime(
            int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second), tzinfo=datetime.UTC
        )
    except (ValueError, KeyError):
        return None


def _printed_name(parts: list[str]) -> str:
    last, first, suffix = [*parts, "", "", ""][:3]
    return " ".join(part.strip() for part in (first, last, suffix) if part and part.strip())


def record_from_json(data: dict) -> ArxivRecord:
    versions = []
    for entry in data.get("versions") or []:
        match = _VERSION_RE.match(str(entry.get("version", "")).strip())
        created = parse_created(str(entry.get("created", "")))
        if match and created:
            versions.append((int(match.group(1)), created))
    authors = []
    for parts in data.get("authors_parsed") or []:
        name = _printed_name(parts)
        if name:
            authors.append((name, [a for a in parts[3:] if isinstance(a, str) and a.strip()]))
    try:
        updated_on = datetime.date.fromisoformat(data.get("update_date") or "")
    except ValueError:
        updated_on = None
    comments = data.get("comments") or ""
    withdrawn = _WITHDRAWN_RE.search(comments) or _WITHDRAWN_RE.search((data.get("abstract") or "")[:300])
    return ArxivRecord(
        arxiv_id=str(data.get("id") or ""),
        title=data.get("title") or "",
        abstract=data.get("abstract") or "",
        authors=authors,
        categories=(data.get("categories") or "").split(),
        versions=versions,
        doi=(data.get("doi") or "").split(" ")[0],  # a few records list several, space-separated
        journal_ref=data.get("journal-ref") or "",
        license=data.get("license") or "",
        comments=comments,
        updated_on=updated_on,
        state=ArxivState.WITHDRAWN if withdrawn else ArxivState.ACTIVE,
    )


class SnapshotFile:
    """The snapshot file opened for reading, gunzipped on the fly when it is gzip (by its magic bytes, whatever its
    name); ``position`` is how far into the file on disk reading has come (for a progress bar)."""

    def __init__(self, path: str):
        self.raw = open(path, "rb")  # noqa: SIM115 - closed by close()
        self.size = os.fstat(self.raw.fileno()).st_size
        self.stream: IO[bytes] = self.raw
        if self.raw.peek(2)[:2] == b"\x1f\x8b":
            self.stream = gzip.GzipFile(fileobj=self.raw, mode="rb")

    @property
    def position(self) -> int:
        return self.raw.tell()

    def close(self) -> None:
        if self.stream is not self.raw:
            self.stream.close()
        self.raw.close()

    def __enter__(self) -> SnapshotFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_records(
    stream: Iterable[bytes], *, limit: int | None = None, errors: list | None = None, first_line: int = 1
) -> Iterator[ArxivRecord]:
    """The records of a snapshot stream (or of a run of its lines starting at line ``first_line``), in file order;
    a line that is not a JSON object is logged and skipped (its line number appended to ``errors`` when given)."""
    count = 0
    for number, line in enumerate(stream, start=first_line):
        if limit is not None and count >= limit:
            return
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise ValueError("not an object")
            record = record_from_json(data)
        except (ValueError, TypeError, AttributeError) as error:
            logger.warning("snapshot line %d unreadable: %s", number, error)
            if errors is not None:
                errors.append(number)
            continue
        count += 1
        yield record
