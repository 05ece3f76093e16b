"""Uploaded summary images that nothing references any more: found and deleted by the nightly clean-up.

An image is uploaded from the editor (``summaries.images.store``: ``<MARKDOWNX_MEDIA_PATH>/<random>.<ext>``) and
referenced by the Markdown the writer saves. It is an orphan when no summary body and no revision body names it —
an upload whose summary was never saved, or whose summary (and so its revisions) was deleted. Revisions keep every
saved body, so an image once saved stays referenced as long as its summary exists.

How a run goes, so that it stays cheap at a million summaries and never deletes a referenced file:

1. Note the newest revision id, then read the names every body refers to, in one pass over the bodies that
   mention the folder at all (PostgreSQL extracts the names: only names travel to Python, over a server-side
   cursor).
2. Walk the storage's listing of the folder, streamed (S3: pages of 1,000 keys; disk: ``os.scandir``), and keep
   the files older than the grace period that no body names.
3. Before deleting a batch, look again in the revisions saved since step 1 (every saved body is a revision; an
   index range on the primary key), so a summary saved meanwhile keeps its image; then delete through the
   storage API (``default_storage.delete``), which works on disk and on S3 alike.

The grace period (``ORPHANED_IMAGE_GRACE_DAYS``, 7 by default) covers an editor that uploaded an image and has not
saved yet: an image uploaded in a tab left open for longer than that is deleted before the summary is saved.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from summaries.models import Revision, Summary

logger = logging.getLogger(__name__)

# Candidates deleted per round (each round first re-checks the revisions saved since the scan began).
DELETE_BATCH = 500


def image_folder() -> str:
    return getattr(settings, "MARKDOWNX_MEDIA_PATH", "summary-images/").strip("/")


def _name_pattern(folder: str) -> str:
    # The file name after "<folder>/" in a URL: up to whatever ends a URL in Markdown or HTML.
    return re.escape(folder + "/") + r"""([^/\s()<>\[\]"'?#]+)"""


def referenced_names() -> set[str]:
    """File names (without the folder) that any summary or revision body refers to, in one pass over the bodies."""
    folder = image_folder()
    like = "%" + folder.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"
    pattern = _name_pattern(folder)
    names: set[str] = set()
    sql = f"""
        SELECT DISTINCT m[1] FROM (
            SELECT body FROM {Summary._meta.db_table} WHERE body LIKE %s
            UNION ALL
            SELECT body FROM {Revision._meta.db_table} WHERE body LIKE %s
        ) bodies, regexp_matches(bodies.body, %s, 'g') m
    """
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, [like, like, pattern])
        while rows := cursor.fetchmany(2_000):
            names.update(row[0] for row in rows)
    return names


def names_in_revisions_after(revision_id: int, names: list[str]) -> set[str]:
    """Which of ``names`` the revisions saved after ``revision_id`` refer to."""
    folder = image_folder()
    bodies = Revision.objects.filter(pk__gt=revision_id).values_list("body", flat=True)
    found = set()
    for body in bodies.iterator(chunk_size=200):
        found.update(name for name in names if f"{folder}/{name}" in body)
    return found


@dataclass(frozen=True)
class StoredFile:
    name: str  # the storage name, e.g. "summary-images/3f…c1.png"
    modified: datetime


def stored_files(storage=default_storage, folder: str | None = None) -> Iterator[StoredFile]:
    """Every file directly in ``folder`` of ``storage``, streamed: S3 lists a page of keys at a time, a local
    folder is read entry by entry. Other storages fall back on ``listdir`` (the whole folder at once)."""
    folder = image_folder() if folder is None else folder.strip("/")
    bucket = getattr(storage, "bucket", None)
    if bucket is not None and hasattr(storage, "_normalize_name"):  # django-storages' S3Storage
        prefix = storage._normalize_name(folder) + "/"  # the key prefix, under the storage's location
        for obj in bucket.objects.filter(Prefix=prefix):
            relative = obj.key[len(prefix) :]
            if relative and "/" not in relative:
                yield StoredFile(f"{folder}/{relative}", obj.last_modified)
        return
    if hasattr(storage, "path"):
        try:
            directory = storage.path(folder)
        except NotImplementedError:
            directory = None
        if directory is not None:
            if not os.path.isdir(directory):
                return
            with os.scandir(directory) as entries:
                for entry in entries:
                    if entry.is_file(follow_symlinks=False):
                        modified = datetime.fromtimestamp(entry.stat().st_mtime, tz=UTC)
                        yield StoredFile(f"{folder}/{entry.name}", modified)
            return
    _, files = storage.listdir(folder)
    for file_name in files:
        name = f"{folder}/{file_name}"
        yield StoredFile(name, storage.get_modified_time(name))


@dataclass
class CleanUp:
    scanned: int = 0
    referenced: int = 0
    too_recent: int = 0
    deleted: list[str] = field(default_factory=list)


def delete_orphaned_images(
    *, grace: timedelta | None = None, dry_run: bool = False, storage=default_storage, now: datetime | None = None
) -> CleanUp:
    """Delete (or with ``dry_run`` only list) the images of the folder that no body refers to and that are older
    than ``grace`` (``ORPHANED_IMAGE_GRACE_DAYS``). Returns what it saw and what it deleted."""
    grace = timedelta(days=settings.ORPHANED_IMAGE_GRACE_DAYS) if grace is None else grace
    cutoff = (now or timezone.now()) - grace
    last_revision = Revision.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    referenced = referenced_names()
    result = CleanUp()
    batch: list[StoredFile] = []

    def flush():
        names = [stored.name.rsplit("/", 1)[-1] for stored in batch]
        saved_meanwhile = names_in_revisions_after(last_revision, names)
        for stored, name in zip(batch, names, strict=True):
            if name in saved_meanwhile:
                result.referenced += 1
                continue
            if not dry_run:
                storage.delete(stored.name)
                logger.info("Deleted orphaned image %s (uploaded %s)", stored.name, stored.modified.isoformat())
            result.deleted.append(stored.name)
        batch.clear()

    for stored in stored_files(storage):
        result.scanned += 1
        if stored.name.rsplit("/", 1)[-1] in referenced:
            result.referenced += 1
        elif stored.modified >= cutoff:
            result.too_recent += 1
        else:
            batch.append(stored)
            if len(batch) >= DELETE_BATCH:
                flush()
    if batch:
        flush()
    return result
