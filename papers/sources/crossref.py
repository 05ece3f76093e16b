"""Crossref: reading one ``work`` record of the REST API into ``PaperMetadata``."""

from __future__ import annotations

import datetime
import html
import re

from papers.links import web_url_or_empty
from papers.sources.common import PaperMetadata, acronym_from_name, collapse, make_date
from shortscience.lib.identifiers import parse_doi

CROSSREF_API_URL = "https://api.crossref.org/works/"

_CROSSREF_KINDS = {
    "journal-article": "journal",
    "proceedings-article": "conference",
    "posted-content": "preprint",
}
_JATS_TITLE_RE = re.compile(r"<(?:jats:)?title\b[^>]*>.*?</(?:jats:)?title>", re.IGNORECASE | re.DOTALL)
_JATS_PARA_END_RE = re.compile(r"</(?:jats:)?p>", re.IGNORECASE)
_BLOCK_TAG_RE = re.compile(r"<(?:br|/?(?:jats:)?(?:p|sec|list|list-item))\b[^>]*>", re.IGNORECASE)
_TAG_RE = re.compile(r"<[^>]+>")


def _strip_markup(text: str) -> str:
    """Crossref titles and abstracts carry JATS/HTML tags and entities."""
    # Inline tags (<i>, <sub>) sit inside words: "CO<sub>2</sub>" must stay "CO2".
    return collapse(html.unescape(_TAG_RE.sub("", _BLOCK_TAG_RE.sub(" ", text or ""))))


def _crossref_abstract(jats: str) -> str:
    # Section headings ("Abstract") are dropped; paragraphs stay paragraphs.
    text = _JATS_TITLE_RE.sub(" ", jats or "")
    paragraphs = (_strip_markup(p) for p in _JATS_PARA_END_RE.split(text))
    return "\n\n".join(p for p in paragraphs if p)


def _crossref_date(message: dict) -> tuple[int | None, datetime.date | None]:
    # The print date is what citations use; the others stand in when it is missing.
    for key in ("published-print", "published-online", "issued", "published"):
        parts = ((message.get(key) or {}).get("date-parts") or [[None]])[0]
        parts = [int(p) for p in parts if p is not None] if parts else []
        if parts:
            year, month, day = [*parts, None, None][:3]
            return year, make_date(year, month, day)
    return None, None


def _first(values) -> str:
    if isinstance(values, list):
        return _strip_markup(values[0]) if values else ""
    return _strip_markup(values or "")


def crossref_work(message: dict, doi: str) -> PaperMetadata:
    title = _first(message.get("title"))
    subtitle = _first(message.get("subtitle"))
    if subtitle and subtitle.lower() not in title.lower():
        title = f"{title}: {subtitle}"
    if not title:
        raise ValueError("work without a title")
    authors = []
    for person in message.get("author") or []:
        name = collapse(f"{person.get('given', '')} {person.get('family', '')}") or collapse(person.get("name"))
        if name:
            authors.append(name)
    kind = _CROSSREF_KINDS.get(message.get("type", ""), "")
    event = message.get("event") or {}
    venue = _first(message.get("container-title")) or _strip_markup(event.get("name", ""))
    if kind == "conference" and "workshop" in venue.lower():
        kind = "workshop"
    acronym = re.sub(r"\s*'?\d{2,4}$", "", collapse(event.get("acronym"))) or acronym_from_name(venue)
    short = _first(message.get("short-container-title"))
    if not acronym and kind == "journal" and short.lower() != venue.lower():
        acronym = short
    year, published_on = _crossref_date(message)
    doi = parse_doi(message.get("DOI") or "") or doi
    return PaperMetadata(
        title=title,
        authors=authors,
        abstract=_crossref_abstract(message.get("abstract", "")),
        year=year,
        published_on=published_on,
        venue_name=venue,
        venue_acronym=acronym,
        venue_kind=kind,
        doi=doi,
        url=web_url_or_empty(f"https://doi.org/{doi}"),
        source="crossref",
    )
