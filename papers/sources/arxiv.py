"""arXiv: reading one Atom ``<entry>`` of the export API into ``PaperMetadata``."""

from __future__ import annotations

import datetime
import logging
import re
import xml.etree.ElementTree as ET

from papers.links import web_url_or_empty
from papers.sources.common import (
    CATEGORY_RE,
    PaperMetadata,
    SourceError,
    arxiv_id_from_doi,
    collapse,
    set_arxiv_venue,
    unique,
    unreadable,
)
from shortscience.lib.identifiers import parse_arxiv_id, parse_doi

logger = logging.getLogger(__name__)

ARXIV_API_URL = "https://export.arxiv.org/api/query"

ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_DTD_RE = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def parse_xml(service: str, text: str) -> ET.Element:
    # xml.etree expands internal entities; refusing any DTD rules out entity
    # expansion attacks ("billion laughs") and external entities. Atom needs none.
    if _DTD_RE.search(text):
        logger.warning("%s answer contains a DTD; refused", service)
        raise SourceError(unreadable(service))
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        logger.warning("%s answer is not XML: %s", service, error)
        raise SourceError(unreadable(service)) from error
    if root.tag != f"{ATOM}feed":
        raise SourceError(unreadable(service))
    return root


def _parse_timestamp(value: str | None) -> datetime.date | None:
    try:
        return datetime.datetime.fromisoformat((value or "").strip().replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _https(url: str) -> str:
    return re.sub(r"^http://(?:export\.)?arxiv\.org/", "https://arxiv.org/", url or "")


def arxiv_entry(entry: ET.Element) -> PaperMetadata | None:
    """One Atom ``<entry>`` → metadata; None for arXiv's error or blank entries."""
    parsed = parse_arxiv_id(collapse(entry.findtext(f"{ATOM}id")))
    title = collapse(entry.findtext(f"{ATOM}title"))
    if parsed is None or not title:
        return None
    published = _parse_timestamp(entry.findtext(f"{ATOM}published"))
    meta = PaperMetadata(
        title=title,
        authors=[
            name for name in (collapse(a.findtext(f"{ATOM}name")) for a in entry.findall(f"{ATOM}author")) if name
        ],
        abstract=collapse(entry.findtext(f"{ATOM}summary")),
        year=published.year if published else None,
        published_on=published,  # the first version's date: when the work became public
        arxiv_id=parsed.id,
        arxiv_version=parsed.version,
        url=f"https://arxiv.org/abs/{parsed.id}",
        source="arxiv",
    )
    set_arxiv_venue(meta)
    for link in entry.findall(f"{ATOM}link"):
        if link.get("title") == "pdf" and link.get("href"):
            meta.pdf_url = web_url_or_empty(_https(link.get("href", "")))
    primary = entry.find(f"{_ARXIV}primary_category")
    terms = [primary.get("term", "")] if primary is not None else []
    terms += [c.get("term", "") for c in entry.findall(f"{ATOM}category")]
    meta.keywords = unique([t.strip() for t in terms if CATEGORY_RE.match(t.strip())])
    # The DOI of the published version, if the authors gave one; a journal
    # reference sometimes carries a DOI too (journal_ref is free text otherwise).
    for text in (entry.findtext(f"{_ARXIV}doi"), entry.findtext(f"{_ARXIV}journal_ref")):
        doi = _find_doi(text or "")
        if doi and not arxiv_id_from_doi(doi):
            meta.doi = doi
            break
    return meta


_DOI_IN_TEXT_RE = re.compile(r"\b10\.\d{4,9}/[^\s,;\"'<>]+")


def _find_doi(text: str) -> str:
    match = _DOI_IN_TEXT_RE.search(text)
    return (parse_doi(match.group(0)) or "") if match else ""
