"""The record every arXiv source (RSS, OAI-PMH, the metadata snapshot) produces for ``papers.arxiv.ingest``.

Sources normalise before they build a record: ``arxiv_id`` without a version (``2401.01234``,
``hep-th/9901001``), whitespace collapsed in ``title`` and ``abstract``, authors as printed ("First Last"),
categories primary first. The upsert does not re-parse anything.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field


class ArxivState:
    """Values of ``ArxivRecord.state`` (and of ``Paper.arxiv_state``)."""

    ACTIVE = ""
    WITHDRAWN = "withdrawn"
    DELETED = "deleted"
    ALL = (ACTIVE, WITHDRAWN, DELETED)


@dataclass
class ArxivRecord:
    arxiv_id: str  # normalised, no version ("2401.01234", "hep-th/9901001")
    title: str
    abstract: str
    authors: list[tuple[str, list[str]]]  # (printed name, [affiliations]) in byline order
    categories: list[str]  # primary first, then cross-lists ("cs.LG", "stat.ML")
    versions: list[tuple[int, datetime.datetime]]  # [(1, created), (2, created)], aware datetimes
    doi: str = ""
    journal_ref: str = ""
    license: str = ""  # licence URL as arXiv gives it
    comments: str = ""
    announced_on: datetime.date | None = None  # the day arXiv announced it (listings), when the source knows it
    updated_on: datetime.date | None = None  # arXiv's last update of the metadata (snapshot update_date, OAI datestamp)
    state: str = ArxivState.ACTIVE  # "", "withdrawn", "deleted"
    extra: dict = field(default_factory=dict, repr=False)  # source-specific leftovers, ignored by the upsert

    @property
    def primary_category(self) -> str:
        return self.categories[0] if self.categories else ""

    @property
    def first_version_on(self) -> datetime.date | None:
        """The day v1 was submitted: the paper's publication day on arXiv."""
        if not self.versions:
            return None
        return min(self.versions, key=lambda v: v[0])[1].date()

    @property
    def latest_version(self) -> int | None:
        return max((v for v, _ in self.versions), default=None)


@dataclass
class UpsertStats:
    """What ``upsert_records`` did, summed over batches."""

    received: int = 0  # records handed in
    created: int = 0  # new papers
    updated: int = 0  # existing papers (by arXiv id, DOI or title/author/year) updated
    matched_by_hand: int = 0  # of ``updated``: papers added by a member, found by DOI or title and given their arXiv id
    skipped: int = 0  # records dropped (invalid id, no title, duplicate within a batch)
    batches: int = 0

    def __iadd__(self, other: UpsertStats) -> UpsertStats:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self
