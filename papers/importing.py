"""Turn fetched, parsed or typed metadata (``papers.sources.PaperMetadata``) into a Paper.

The view layer calls three things: ``lookup`` (fetch through the one client, cached for a day),
``find_duplicate`` (never a duplicate: identifiers or a normalised title that are already on the
site) and ``create_paper`` (venue matching, ordered authors, keywords, identifiers). Metadata travels
between the preview and the confirmation as a signed token (``sign_metadata`` / ``unsign_metadata``),
so the confirmation neither trusts the browser nor fetches again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import hashlib
import re
from collections.abc import Callable

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Lower

from papers import sources
from papers.links import web_url_or_empty
from papers.models import Paper, Venue
from papers.sources import PaperMetadata
from shortscience.lib.identifiers import parse_arxiv_id, parse_doi, parse_identifier

FETCH_CACHE_SECONDS = 24 * 3600
# A failed look-up is answered from the cache for a while: asking again right away would only ask arXiv or
# Crossref again for the same answer. "Not found" stays true longer than "could not reach".
NOT_FOUND_CACHE_SECONDS = 10 * 60
FAILURE_CACHE_SECONDS = 60
# The site-wide count of look-ups in flight expires on its own, so a worker killed mid-request cannot hold
# a slot for longer than this.
OUTBOUND_SLOTS_KEY = "papers:metadata:in-flight"
OUTBOUND_SLOTS_SECONDS = 60
TOKEN_SALT = "papers.importing.metadata"
TOKEN_MAX_AGE = 24 * 3600

# Venue names and acronyms that mean the same venue as a canonical acronym. Keys are lower case;
# names are matched as substrings of the (lower-cased) venue name a source gives.
ACRONYM_ALIASES = {
    "nips": "NeurIPS",
    "neurips": "NeurIPS",
    "corr": "arXiv",
    "arxiv": "arXiv",
    "cvpr": "CVPR",
    "iccv": "ICCV",
    "eccv": "ECCV",
    "iclr": "ICLR",
    "icml": "ICML",
    "naacl": "NAACL",
    "naacl-hlt": "NAACL",
    "acl": "ACL",
    "emnlp": "EMNLP",
    "aaai": "AAAI",
    "ijcai": "IJCAI",
    "jmlr": "JMLR",
    "miccai": "MICCAI",
    "kdd": "KDD",
}
NAME_ALIASES = [
    ("neural information processing systems", "NeurIPS"),
    ("international conference on learning representations", "ICLR"),
    ("international conference on machine learning", "ICML"),
    ("conference on computer vision and pattern recognition", "CVPR"),
    ("international conference on computer vision", "ICCV"),
    ("european conference on computer vision", "ECCV"),
    ("north american chapter of the association for computational linguistics", "NAACL"),
    ("empirical methods in natural language processing", "EMNLP"),
    ("annual meeting of the association for computational linguistics", "ACL"),
    ("journal of machine learning research", "JMLR"),
    ("medical image computing and computer-assisted intervention", "MICCAI"),
    ("medical image computing and computer assisted intervention", "MICCAI"),
    ("aaai conference on artificial intelligence", "AAAI"),
    ("international joint conference on artificial intelligence", "IJCAI"),
    ("knowledge discovery and data mining", "KDD"),
]


# ----------------------------------------------------------------------- fetching


def _cache_key(identifier: str) -> str | None:
    parsed = parse_identifier(identifier)
    if parsed is None or parsed.kind not in ("arxiv", "doi"):
        return None
    digest = hashlib.sha256(f"{parsed.kind}:{parsed.value}:{parsed.version or ''}".encode()).hexdigest()
    return f"papers:metadata:{digest}"


class Busy(sources.SourceError):
    """Too many look-ups are already waiting on arXiv and Crossref, site-wide."""


@contextlib.contextmanager
def outbound_slot():
    """Hold one of ``METADATA_MAX_CONCURRENT`` site-wide slots for an outbound look-up, or raise ``Busy``.

    Each look-up can hold a worker for the client's whole timeout; without a cap a burst of look-ups of
    unknown identifiers would hold every worker. The count lives in the shared cache, so it holds across
    workers and machines.
    """
    cache.add(OUTBOUND_SLOTS_KEY, 0, timeout=OUTBOUND_SLOTS_SECONDS)
    try:
        in_flight = cache.incr(OUTBOUND_SLOTS_KEY)
    except ValueError:  # expired between add and incr
        cache.set(OUTBOUND_SLOTS_KEY, 1, timeout=OUTBOUND_SLOTS_SECONDS)
        in_flight = 1
    try:
        if in_flight > settings.METADATA_MAX_CONCURRENT:
            raise Busy(
                "Many papers are being looked up right now. Please try again in a few seconds, "
                "or paste the paper's BibTeX instead."
            )
        yield
    finally:
        with contextlib.suppress(ValueError):  # the count expired meanwhile: nothing to give back
            cache.decr(OUTBOUND_SLOTS_KEY)


def lookup(identifier: str, *, on_fetch: Callable[[], None] | None = None) -> PaperMetadata:
    """Metadata for an arXiv id/URL or DOI/DOI URL. Successful answers are cached for a day, failures briefly.

    ``on_fetch`` runs only when the answer is not cached, right before asking arXiv or Crossref: the view
    counts the reader's look-up rate limit there, so repeating a known look-up costs nothing.
    Raises ``sources.SourceError`` (or a subclass) with a message for the reader.
    """
    key = _cache_key(identifier)
    if key:
        cached = cache.get(key)
        if cached is not None:
            return metadata_from_dict(cached)
        failure = cache.get(f"{key}:failed")
        if failure is not None:
            not_found, message = failure
            raise (sources.NotFound if not_found else sources.SourceError)(message)
    if on_fetch is not None:
        on_fetch()
    with outbound_slot():
        try:
            meta = sources.get_client().fetch(identifier)
        except sources.InvalidIdentifier:
            raise
        except sources.SourceError as error:
            if key:
                not_found = isinstance(error, sources.NotFound)
                seconds = NOT_FOUND_CACHE_SECONDS if not_found else FAILURE_CACHE_SECONDS
                cache.set(f"{key}:failed", (not_found, str(error)), seconds)
            raise
    if key:
        cache.set(key, metadata_to_dict(meta), FETCH_CACHE_SECONDS)
    return meta


def existing_for_identifier(identifier: str) -> Paper | None:
    """The paper an identifier typed by a reader already refers to, before anything is fetched."""
    parsed = parse_identifier(identifier)
    if parsed is None:
        return None
    if parsed.kind == "arxiv":
        return Paper.objects.find_existing(arxiv_id=parsed.value)
    if parsed.kind == "doi":
        arxiv = re.match(r"^10\.48550/arxiv\.(.+)$", parsed.value)
        if arxiv and parse_arxiv_id(arxiv.group(1)):
            return Paper.objects.find_existing(arxiv_id=arxiv.group(1))
        return Paper.objects.find_existing(doi=parsed.value)
    return Paper.objects.filter(dblp_key=parsed.value).first()


def find_duplicate(meta: PaperMetadata) -> Paper | None:
    """An existing paper with the same arXiv id, DOI, DBLP key or normalised title."""
    paper = Paper.objects.find_existing(
        arxiv_id=meta.arxiv_id if meta.arxiv_id and parse_arxiv_id(meta.arxiv_id) else "",
        doi=meta.doi if meta.doi and parse_doi(meta.doi) else "",
        title=meta.title,
    )
    if paper is None and meta.dblp_key:
        paper = Paper.objects.filter(dblp_key=meta.dblp_key).select_related("merged_into").first()
        if paper and paper.merged_into_id:
            paper = paper.merged_into
    return paper


# --------------------------------------------------------- carrying metadata safely


def metadata_to_dict(meta: PaperMetadata) -> dict:
    data = dataclasses.asdict(meta)
    data["published_on"] = meta.published_on.isoformat() if meta.published_on else None
    return data


def metadata_from_dict(data: dict) -> PaperMetadata:
    names = {f.name for f in dataclasses.fields(PaperMetadata)}
    values = {k: v for k, v in data.items() if k in names}
    if values.get("published_on"):
        values["published_on"] = datetime.date.fromisoformat(values["published_on"])
    return PaperMetadata(**values)


def sign_metadata(meta: PaperMetadata) -> str:
    return signing.dumps(metadata_to_dict(meta), salt=TOKEN_SALT, compress=True)


def unsign_metadata(token: str) -> PaperMetadata:
    """Raises ``signing.BadSignature`` (or ``SignatureExpired``) for a forged or stale token."""
    data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    try:
        return metadata_from_dict(data)
    except (TypeError, ValueError) as error:
        raise signing.BadSignature("malformed metadata") from error


# ------------------------------------------------------------------------ venues


def canonical_acronym(name: str = "", acronym: str = "") -> str:
    """The canonical acronym (NIPS → NeurIPS) for a venue name or acronym, or ""."""
    if acronym and acronym.strip().lower() in ACRONYM_ALIASES:
        return ACRONYM_ALIASES[acronym.strip().lower()]
    lowered = " ".join((name or "").lower().split())
    if lowered in ACRONYM_ALIASES:
        return ACRONYM_ALIASES[lowered]
    for needle, canonical in NAME_ALIASES:
        if needle in lowered:
            return canonical
    # "Proceedings of NIPS 2017", "ICLR 2021 (Poster)": a known acronym as a word.
    for word in re.findall(r"[a-z][a-z\-]+", lowered):
        if word in ACRONYM_ALIASES and word not in ("acl", "corr"):
            return ACRONYM_ALIASES[word]
    return ""


def match_venue(name: str, acronym: str = "", kind: str = "", dblp_key: str = "") -> Venue | None:
    """An existing venue for these details: DBLP prefix, alias/acronym, then exact name."""
    prefix = re.match(r"^((?:conf|journals)/[^/]+)/", dblp_key or "")
    if prefix:
        venue = Venue.objects.filter(dblp_key=prefix.group(1)).first()
        if venue:
            return venue
    if kind == "preprint" and (name or acronym).lower().startswith(("arxiv", "corr")):
        venue = Venue.objects.filter(dblp_key="journals/corr").first()
        if venue:
            return venue
    candidates = {c.lower() for c in (canonical_acronym(name, acronym), acronym, name) if c and len(c) <= 50}
    if candidates:
        venue = (
            Venue.objects.annotate(acronym_lower=Lower("acronym"))
            .filter(acronym_lower__in=candidates)
            .order_by("-paper_count", "id")
            .first()
        )
        if venue:
            return venue
    if name:
        venue = (
            Venue.objects.annotate(name_lower=Lower("name"))
            .filter(name_lower=" ".join(name.split()).lower())
            .order_by("id")
            .first()
        )
        if venue:
            return venue
    return None


def _clean_venue_name(name: str) -> str:
    # "Proceedings of the 2019 Conference of …" → "Conference of …"; drop a trailing year or edition.
    name = " ".join((name or "").split())
    name = re.sub(r"^proceedings of (the )?", "", name, flags=re.IGNORECASE)
    name = re.sub(r"^(19|20)\d\d\s+", "", name)
    name = re.sub(r"[\s,]+(19|20)\d\d$", "", name)
    return (name[:1].upper() + name[1:])[:300]


# pg_advisory_xact_lock key of venue creation (arbitrary constant, "venue" in ASCII).
VENUE_LOCK_KEY = 0x76656E7565


def get_or_create_venue(name: str, acronym: str = "", kind: str = "", dblp_key: str = "") -> Venue | None:
    name, acronym = (name or "").strip(), (acronym or "").strip()
    if not name and not acronym:
        return None
    venue = match_venue(name, acronym, kind, dblp_key)
    if venue:
        return venue
    acronym = canonical_acronym(name, acronym) or acronym
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # One creation at a time, site-wide (held until the caller's transaction ends): two processes meeting
            # the same new venue at once — the snapshot loader's workers — would otherwise both miss the other's
            # uncommitted venue and create two, the second under another slug.
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [VENUE_LOCK_KEY])
            venue = match_venue(name, acronym, kind, dblp_key)
            if venue:
                return venue
            return Venue.objects.create(
                name=_clean_venue_name(name) or acronym,
                acronym=acronym[:50],
                kind=kind if kind in Venue.Kind.values else _guess_kind(name),
            )
    except IntegrityError:  # created meanwhile by a path that does not take the lock (the admin): theirs
        venue = match_venue(name, acronym, kind, dblp_key)
        if venue is None:
            raise
        return venue


def _guess_kind(name: str) -> str:
    lowered = name.lower()
    if "workshop" in lowered:
        return Venue.Kind.WORKSHOP
    if any(word in lowered for word in ("conference", "proceedings", "symposium", "meeting")):
        return Venue.Kind.CONFERENCE
    return Venue.Kind.JOURNAL


# ------------------------------------------------------------------------ papers


class DuplicatePaper(Exception):
    def __init__(self, paper: Paper):
        super().__init__(f"Already on ShortScience: {paper}")
        self.paper = paper


def create_paper(meta: PaperMetadata, *, added_by=None, source: str = "") -> Paper:
    """Create the paper with venue, ordered authors and keywords; raises DuplicatePaper if it exists."""
    existing = find_duplicate(meta)
    if existing:
        raise DuplicatePaper(existing)
    arxiv = parse_arxiv_id(meta.arxiv_id) if meta.arxiv_id else None
    try:
        with transaction.atomic():
            venue = get_or_create_venue(meta.venue_name, meta.venue_acronym, meta.venue_kind, meta.dblp_key)
            year = meta.year if meta.year and 1600 <= meta.year <= 2100 else None
            paper = Paper(
                title=meta.title[:500],
                abstract=meta.abstract,
                venue=venue,
                year=year,
                published_on=meta.published_on if year else None,
                arxiv_id=arxiv.id if arxiv else None,
                arxiv_version=meta.arxiv_version or (arxiv.version if arxiv else None),
                doi=parse_doi(meta.doi) if meta.doi else None,
                dblp_key=meta.dblp_key or None,
                url=web_url_or_empty(meta.url),
                pdf_url=web_url_or_empty(meta.pdf_url),
                source=source or meta.source or Paper.Source.MANUAL,
                added_by=added_by,
            )
            paper.save()
            paper.set_authors(meta.authors)
            keywords = [k.strip()[:100] for k in meta.keywords if k.strip()]
            if keywords:
                paper.keywords.set(keywords)
                paper.refresh_search_vector()
    except IntegrityError:
        # Someone added the same paper between our check and our insert.
        existing = find_duplicate(meta)
        if existing:
            raise DuplicatePaper(existing) from None
        raise
    return paper
