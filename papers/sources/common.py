"""What every source shares: the ``PaperMetadata`` they return, the errors they raise and small text helpers."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from shortscience.lib.identifiers import parse_arxiv_id


@dataclass
class PaperMetadata:
    title: str
    authors: list[str]  # in byline order, "First Last"
    abstract: str = ""
    year: int | None = None
    published_on: datetime.date | None = None  # only when the day is known
    venue_name: str = ""
    venue_acronym: str = ""
    venue_kind: str = ""  # "preprint" | "conference" | "journal" | "workshop" | ""
    arxiv_id: str = ""
    arxiv_version: int | None = None
    doi: str = ""
    dblp_key: str = ""
    url: str = ""
    pdf_url: str = ""
    keywords: list[str] = field(default_factory=list)  # e.g. ["cs.LG", "stat.ML"]
    source: str = ""  # "arxiv" | "crossref" | "bibtex"


class SourceError(Exception):
    """Import failed; the message is user-facing (no tracebacks, no URLs with keys)."""


class NotFound(SourceError):
    """The service answered, and it has no such paper."""


class InvalidIdentifier(SourceError, ValueError):
    """The text given to ``MetadataClient.fetch`` is not an identifier we can look up."""


class ResponseTooLarge(Exception):
    """Raised by ``urllib_http_get`` when a body exceeds ``MAX_RESPONSE_BYTES``."""


# ---------------------------------------------------------------- text helpers

_WS_RE = re.compile(r"\s+")


def collapse(text: str | None) -> str:
    return _WS_RE.sub(" ", text or "").strip()


def unique(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item and item.lower() not in seen:
            seen.add(item.lower())
            out.append(item)
    return out


def make_date(year: int | None, month: int | None, day: int | None) -> datetime.date | None:
    if not (year and month and day):
        return None
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


_ACRONYM_IN_PARENS_RE = re.compile(r"\(([A-Z][A-Za-z0-9&\-]{1,15})\)\s*$")


def acronym_from_name(name: str) -> str:
    """``"2016 IEEE Conference on ... (CVPR)"`` → ``"CVPR"``."""
    match = _ACRONYM_IN_PARENS_RE.search(name or "")
    return match.group(1) if match else ""


def arxiv_id_from_doi(doi: str) -> str:
    """arXiv's own DataCite DOIs (10.48550/arXiv.<id>) name the preprint, not a publication."""
    match = re.match(r"^10\.48550/arxiv\.(.+)$", doi or "", re.IGNORECASE)
    parsed = parse_arxiv_id(match.group(1)) if match else None
    return parsed.id if parsed else ""


def set_arxiv_venue(meta: PaperMetadata) -> None:
    meta.venue_name = "arXiv"
    meta.venue_acronym = "arXiv"
    meta.venue_kind = "preprint"


# Archive-style category names (cs.LG, hep-th, cond-mat.stat-mech); keeps out the
# ACM ("I.2.7") and MSC ("68T05") classes arXiv lists as categories too.
CATEGORY_RE = re.compile(r"^[a-z][a-z\-]*(?:\.[A-Za-z\-]+)?$")


def unreadable(service: str) -> str:
    return f"{service} sent an answer we could not read — try again later, or paste the BibTeX instead."
