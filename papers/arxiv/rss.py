"""arXiv's daily per-category listing (https://rss.arxiv.org/rss/cs.LG), read with ``feedparser``.

The feed is rebuilt once per announcement (midnight US Eastern, Monday to Friday) with one item per paper of the
day's listing. Each item says how it got there in ``<arxiv:announce_type>``:

- ``new``: first announced today in this category, ``cross``: first announced today, cross-listed here — both
  become records with ``announced_on`` = the feed's day;
- ``replace``, ``replace-cross``: a new version of a paper announced earlier — a record without
  ``announced_on`` (the upsert keeps the first announcement), carrying the new version number in ``extra``.

Items give the id and version (``guid`` ``oai:arXiv.org:2404.02151v2``, and the description's first line
``arXiv:2404.02151v2 Announce Type: replace``), title, abstract (the description after ``Abstract:``), authors
(``dc:creator``, comma-separated), categories (``<category>``, primary first) and licence (``dc:rights``). The
feed's ``pubDate`` (with its US Eastern offset) is the announcement day. Affiliations and version dates are not
in the feed: OAI-PMH completes them.
"""

from __future__ import annotations

import datetime
import email.utils
import re

import feedparser

from papers.arxiv.client import MalformedResponse
from papers.arxiv.records import ArxivRecord
from papers.sources.common import CATEGORY_RE, collapse, unique
from shortscience.lib.identifiers import parse_arxiv_id

RSS_URL = "https://rss.arxiv.org/rss/{category}"
ANNOUNCED = ("new", "cross")  # first appearances: the day's announcements
REPLACED = ("replace", "replace-cross")

_HEAD_RE = re.compile(r"^\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<type>[\w-]+)\s*", re.IGNORECASE)
_ABSTRACT_RE = re.compile(r"^\s*Abstract:\s*", re.IGNORECASE)


def feed_day(feed: feedparser.FeedParserDict) -> datetime.date | None:
    """The announcement day: the feed's ``pubDate`` read in its own (US Eastern) offset, not converted to UTC."""
    for key in ("published", "updated"):
        value = feed.feed.get(key)
        if value:
            try:
                return email.utils.parsedate_to_datetime(value).date()
            except (TypeError, ValueError):
                continue
    return None


def parse_feed(content: bytes, category: str) -> tuple[datetime.date | None, list[ArxivRecord]]:
    """The feed's day and a record per item it announces or replaces; other items (none today) are skipped."""
    feed = feedparser.parse(content)
    if feed.bozo and not feed.entries and not feed.feed.get("title"):
        raise MalformedResponse(f"arXiv's feed for {category} is unreadable ({feed.get('bozo_exception')!r})")
    day = feed_day(feed)
    records = []
    for entry in feed.entries:
        record = _entry(entry, day)
        if record is not None:
            records.append(record)
    return day, records


def _entry(entry: feedparser.FeedParserDict, day: datetime.date | None) -> ArxivRecord | None:
    description = entry.get("summary", "")
    head = _HEAD_RE.match(description)
    announce_type = (entry.get("arxiv_announce_type") or (head.group("type") if head else "")).strip().lower()
    if announce_type not in ANNOUNCED + REPLACED:
        return None
    parsed = parse_arxiv_id((entry.get("id") or "").removeprefix("oai:arXiv.org:"))
    if parsed is None and head:
        parsed = parse_arxiv_id(head.group("id"))
    title = collapse(entry.get("title"))
    if parsed is None or not title:
        return None
    abstract = description[head.end() :] if head else description
    record = ArxivRecord(
        arxiv_id=parsed.id,
        title=title,
        abstract=collapse(_ABSTRACT_RE.sub("", abstract, count=1)),
        authors=[(name, []) for name in _authors(entry)],
        categories=unique([t.term.strip() for t in entry.get("tags", []) if CATEGORY_RE.match(t.term.strip())]),
        versions=[],
        license=collapse(entry.get("rights")),
        announced_on=day if announce_type in ANNOUNCED else None,
    )
    record.extra["announce_type"] = announce_type
    if parsed.version:
        record.extra["version"] = parsed.version
    return record


def _authors(entry: feedparser.FeedParserDict) -> list[str]:
    # dc:creator holds every name in one string: "Alice Smith, Bob Jones, Carol Wu".
    creators = [collapse(a.get("name")) for a in entry.get("authors", [])] or [collapse(entry.get("author"))]
    names = []
    for creator in creators:
        names += [collapse(name) for name in re.split(r",\s*|\s+and\s+", creator) if collapse(name)]
    return names
