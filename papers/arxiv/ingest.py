"""The one upsert every arXiv source uses (daily feeds, OAI-PMH, the metadata snapshot): ``upsert_records``.

Records arrive in batches; each batch is copied into a temporary staging table (``COPY``) and merged into the
papers with a fixed number of set-based statements, whatever the batch size. The rules (issue 13 §1):

* A record is the paper with its arXiv id; else a paper without arXiv id that a member added by hand with the
  same DOI, or the same normalised title (``Paper.title_key``), first author's surname and year. That row is
  updated and given the arXiv id: never a duplicate.
* A paper merged into another (``merged_into``) is updated through its merge target, unless the target is another
  arXiv paper (it has its own record then).
* Fields named in ``Paper.locked_fields`` are never overwritten; an empty value in a record never erases one.
  A record older than what is stored (``updated_on`` before ``arxiv_updated_on``) changes nothing.
* Year and publication day are arXiv's (first version) for arXiv papers; a hand-added paper keeps its own when it
  has one (the journal's year). The venue is arXiv's when the paper has none.
* Versions with their dates, categories (``PaperCategory``, primary at position 0, and ``primary_category``),
  journal reference, licence, comments, per-paper affiliations of each author are kept. Withdrawn and deleted
  papers are marked (``arxiv_state``), never removed; a deleted record of an unknown paper is dropped.
* Stored counters touched are kept exact (``Category.paper_count``, ``Venue.paper_count``/``summary_count``),
  the category codes are the paper's keywords (as ``papers.importing`` does), search vectors and title words of
  the papers whose text changed are recomputed once per batch, and the listing stamp is bumped once per batch.

Batches may run side by side (a harvest beside a snapshot load, or the snapshot loader's several workers): each
matches and inserts its new papers on its own, the costly half of the work, then takes a site-wide
transaction-level advisory lock for the rest (updates of found papers, author creation, bylines, categories,
keywords and every stored counter), so authors are never created twice and no two batches update a counter at once.
A batch that meets a paper another transaction inserted meanwhile retries its leftovers once; a batch the server
aborts on a deadlock or a serialisation failure is run again from the start.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from collections.abc import Iterable
from itertools import islice

from django.contrib.contenttypes.models import ContentType
from django.db import OperationalError, connection, transaction
from django.utils.text import slugify
from psycopg import errors
from taggit.models import Tag

from papers.arxiv.records import ArxivRecord, ArxivState, UpsertStats
from papers.keywords import unique_keyword_slug
from papers.models import SLUG_MAX, Author, Paper, normalize_title, unique_slug
from papers.sources.common import CATEGORY_RE, arxiv_id_from_doi, collapse
from papers.vectors import (
    CJK_SQL_PATTERN,
    TITLE_WORDS_SQL,
    paper_vector_parts,
    search_results_changed,
    update_paper_search_vector,
)
from shortscience.lib import versions
from shortscience.lib.identifiers import parse_arxiv_id, parse_doi

logger = logging.getLogger(__name__)

__all__ = ["ArxivRecord", "UpsertStats", "upsert_records"]

# pg_advisory_xact_lock key: one upsert batch at a time (arbitrary constant, "arXiv" in ASCII).
LOCK_KEY = 0x6172586976

# Column limits of papers_paper / papers_author / papers_paperauthor (truncate rather than fail a whole batch).
_LIMITS = {"title": 500, "doi": 200, "journal_ref": 500, "license": 300, "comments": 1000, "author": 200, "aff": 300}

# Groups of the archives (the taxonomy the lead loads has them; this fills a category arXiv adds later).
_GROUPS = {
    "cs": "Computer Science",
    "econ": "Economics",
    "eess": "Electrical Engineering and Systems Science",
    "math": "Mathematics",
    "q-bio": "Quantitative Biology",
    "q-fin": "Quantitative Finance",
    "stat": "Statistics",
}

_STAGE_COLUMNS = (
    "idx",
    "arxiv_id",
    "doi",
    "title",
    "title_key",
    "surname",
    "year",
    "published_on",
    "abstract",
    "versions",
    "latest_version",
    "journal_ref",
    "license",
    "comments",
    "announced_on",
    "updated_on",
    "state",
    "categories",
    "slug",
)


# How often a batch the server aborted (deadlock, serialisation failure) is run again before the error is raised.
BATCH_ATTEMPTS = 3


def upsert_records(records: Iterable[ArxivRecord], *, batch_size: int = 2000) -> UpsertStats:
    """Store these arXiv records (any number; consumed lazily, ``batch_size`` at a time). See the module doc."""
    stats = UpsertStats()
    iterator = iter(records)
    while batch := list(islice(iterator, batch_size)):
        stats += _upsert_batch_again_if_aborted(batch)
    return stats


def _upsert_batch_again_if_aborted(batch: list[ArxivRecord]) -> UpsertStats:
    for attempt in range(1, BATCH_ATTEMPTS + 1):
        try:
            return _upsert_batch(batch)
        except OperationalError as error:
            retryable = isinstance(error.__cause__, (errors.DeadlockDetected, errors.SerializationFailure))
            if not retryable or attempt == BATCH_ATTEMPTS or connection.in_atomic_block:
                raise
            logger.warning("arXiv upsert: batch aborted by the server (%s), attempt %d", error, attempt)
    raise AssertionError("unreachable")


# ------------------------------------------------------------------ cleaning


def _surname_key(name: str) -> str:
    """The last word of a printed name, for "same first author" (``A. Vaswani`` = ``Ashish Vaswani``)."""
    words = normalize_title(name).split()
    return words[-1] if words else ""


def _slug_base(text: str, fallback: str) -> str:
    return slugify(unicodedata.normalize("NFKD", text))[:SLUG_MAX].strip("-") or fallback


def _clean(record: ArxivRecord) -> ArxivRecord | None:
    """The record with identifiers canonical and text within the columns' limits; None if it cannot be stored."""
    parsed = parse_arxiv_id(record.arxiv_id)
    if parsed is None:
        return None
    title = collapse(record.title)[: _LIMITS["title"]]
    if not title and record.state != ArxivState.DELETED:
        return None
    doi = parse_doi(record.doi) if record.doi else None
    if doi and (arxiv_id_from_doi(doi) or len(doi) > _LIMITS["doi"]):
        doi = None  # arXiv's own DataCite DOI names the preprint, not a publication
    authors, seen = [], set()
    for name, affiliations in record.authors:
        name = collapse(name)[: _LIMITS["author"]]
        if name and name.lower() not in seen:  # an author once per paper (paperauthor_author_uniq)
            seen.add(name.lower())
            affs = [collapse(a)[: _LIMITS["aff"]] for a in affiliations]
            authors.append((name, list(dict.fromkeys(a for a in affs if a))))
    categories = list(dict.fromkeys(c.strip() for c in record.categories if CATEGORY_RE.match(c.strip())))
    return ArxivRecord(
        arxiv_id=parsed.id,
        title=title,
        abstract=collapse(record.abstract),
        authors=authors,
        categories=categories,
        versions=sorted(record.versions),
        doi=doi or "",
        journal_ref=collapse(record.journal_ref)[: _LIMITS["journal_ref"]],
        license=collapse(record.license)[: _LIMITS["license"]],
        comments=collapse(record.comments)[: _LIMITS["comments"]],
        announced_on=record.announced_on,
        updated_on=record.updated_on,
        state=record.state if record.state in ArxivState.ALL else ArxivState.ACTIVE,
    )


def _stage_row(idx: int, record: ArxivRecord) -> tuple:
    first = record.first_version_on
    return (
        idx,
        record.arxiv_id,
        record.doi or None,
        record.title,
        normalize_title(record.title),
        _surname_key(record.authors[0][0]) if record.authors else "",
        first.year if first else None,
        first,
        record.abstract,
        json.dumps([{"version": v, "created": created.isoformat()} for v, created in record.versions]),
        record.latest_version,
        record.journal_ref,
        record.license,
        record.comments,
        record.announced_on,
        record.updated_on,
        record.state,
        record.categories,
        _slug_base(record.title, "paper"),
    )


# ------------------------------------------------------------------ the batch


def _upsert_batch(raw: list[ArxivRecord], *, retry: bool = True) -> UpsertStats:
    stats = UpsertStats(received=len(raw), batches=1)
    by_id: dict[str, ArxivRecord] = {}
    for record in raw:
        cleaned = _clean(record)
        if cleaned is None:
            stats.skipped += 1
            continue
        if cleaned.arxiv_id in by_id:  # the same paper twice in a batch: the later record wins
            stats.skipped += 1
        by_id[cleaned.arxiv_id] = cleaned
    records = list(by_id.values())
    if not records:
        return stats
    # One listing bump for the batch, however many authors and rows its ORM calls save.
    with transaction.atomic(), versions.coalesced(), connection.cursor() as cursor:
        # The statements are few and each is planned once: compiling them (JIT) costs more than it saves.
        # Each joins a small staging table to big tables, where index look-ups row by row are right; on the
        # planner's defaults (random_page_cost 4, merge joins over an index whose histogram lags a bulk load's
        # newest keys) the arXiv-id match and the author look-up read whole tables instead: ~1 s each a batch
        # at a million papers, growing with the tables, against 3 ms and 130 ms this way.
        cursor.execute("SET LOCAL jit = off; SET LOCAL random_page_cost = 1.1; SET LOCAL enable_mergejoin = off")
        _create_stage(cursor, records)
        _match(cursor)
        venue = _arxiv_venue()
        _ensure_categories(cursor)
        inserted = _insert_new(cursor, venue)
        # From here on, one batch at a time (the module doc): held until this transaction ends.
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        leftovers = _recheck_matches(cursor)
        if inserted:
            cursor.execute("UPDATE papers_venue SET paper_count = paper_count + %s WHERE id = %s", [inserted, venue.pk])
        cursor.execute(
            "SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created AND paper_id IS NOT NULL "
            "AND NOT skip), count(*) FILTER (WHERE NOT created AND matched_by IN ('doi', 'title') AND NOT skip), "
            "count(*) FILTER (WHERE skip OR (paper_id IS NULL AND NOT leftover)) FROM arxiv_stage"
        )
        created, updated, by_hand, dropped = cursor.fetchone()
        _analyze_if_grown(cursor, created)
        text_changed = _update_existing(cursor, venue.pk)
        text_changed |= _sync_authors(cursor)
        text_changed |= _sync_categories(cursor)
        text_changed |= _sync_keywords(cursor)
        cursor.execute("SELECT paper_id FROM arxiv_stage WHERE created")
        created_ids = [row[0] for row in cursor.fetchall()]
        if created_ids:  # their vectors were made by the insert; their title words are new to the vocabulary
            cursor.execute(TITLE_WORDS_SQL.format(where="p.id = ANY(%(ids)s)"), {"ids": created_ids})
        # Existing papers whose title, abstract, venue, authors or keywords changed (new ones may be among them).
        text_changed -= set(created_ids)
        if text_changed:
            update_paper_search_vector(sorted(text_changed))
        elif created_ids:
            search_results_changed()
        versions.bump(versions.LISTING)
        stats.created, stats.updated, stats.matched_by_hand = created, updated, by_hand
        stats.skipped += dropped
    if leftovers:
        if retry:
            # A member added one of these papers between our match and our insert: match them again.
            again = _upsert_batch([by_id[arxiv_id] for arxiv_id in leftovers], retry=False)
            again.received = again.batches = 0
            stats += again
        else:
            logger.warning("arXiv upsert: %d records could not be stored: %s", len(leftovers), leftovers[:10])
            stats.skipped += len(leftovers)
    return stats


# Tables a batch grows, and the share of growth since the planner last counted them that makes it count again.
_GROWN_TABLES = ("papers_paper", "papers_author", "papers_paperauthor", "papers_papercategory", "taggit_taggeditem")
_REANALYZE_GROWTH = 0.2


def _analyze_if_grown(cursor, created: int) -> None:
    """ANALYZE the tables a bulk load is growing once they grew by a fifth since last counted (mid-transaction:
    ANALYZE counts this transaction's rows). Autovacuum would, but only later: meanwhile the planner, believing
    the tables small, reads all authors for each paper's search vector (a batch took minutes instead of seconds)."""
    cursor.execute("SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = 'papers_paper'::regclass")
    known = cursor.fetchone()[0]
    if created and created > known * _REANALYZE_GROWTH:
        cursor.execute(f"ANALYZE {', '.join(_GROWN_TABLES)}")


def _create_stage(cursor, records: list[ArxivRecord]) -> None:
    cursor.execute(
        """
        DROP TABLE IF EXISTS arxiv_stage, arxiv_stage_author;
        CREATE TEMP TABLE arxiv_stage (
            idx int PRIMARY KEY, arxiv_id text NOT NULL, doi text, title text, title_key text, surname text,
            year int, published_on date, abstract text, versions jsonb, latest_version int, journal_ref text,
            license text, comments text, announced_on date, updated_on date, state text, categories text[],
            slug text,
            paper_id bigint, matched_by text, created bool NOT NULL DEFAULT false, skip bool NOT NULL DEFAULT false,
            stale bool NOT NULL DEFAULT false, fill_arxiv_id bool NOT NULL DEFAULT false,
            leftover bool NOT NULL DEFAULT false, locked text[] NOT NULL DEFAULT '{}'
        );
        CREATE TEMP TABLE arxiv_stage_author (
            idx int, position int, name text, name_key text, slug text, affiliations text[], author_id bigint,
            PRIMARY KEY (idx, position)
        );
        """
    )
    with cursor.copy(f"COPY arxiv_stage ({', '.join(_STAGE_COLUMNS)}) FROM STDIN") as copy:
        for idx, record in enumerate(records):
            copy.write_row(_stage_row(idx, record))
    with cursor.copy("COPY arxiv_stage_author (idx, position, name, name_key, slug, affiliations) FROM STDIN") as copy:
        for idx, record in enumerate(records):
            for position, (name, affiliations) in enumerate(record.authors):
                copy.write_row((idx, position, name, name.lower(), _slug_base(name, "author"), affiliations))
    cursor.execute("CREATE INDEX ON arxiv_stage (arxiv_id); CREATE INDEX ON arxiv_stage (paper_id)")
    # Statistics of the columns the statements join and filter on (the texts would only cost time to sample).
    cursor.execute(
        "ANALYZE arxiv_stage (idx, arxiv_id, doi, title_key, slug, paper_id); "
        "ANALYZE arxiv_stage_author (idx, position, name_key, slug)"
    )


def _match(cursor) -> None:
    """Find each record's paper: arXiv id, then DOI, then title + first author + year; then follow merges."""
    cursor.execute(
        """
        UPDATE arxiv_stage s SET paper_id = p.id, matched_by = 'arxiv'
        FROM papers_paper p WHERE p.arxiv_id = s.arxiv_id;

        UPDATE arxiv_stage s SET paper_id = p.id, matched_by = 'doi', fill_arxiv_id = true
        FROM papers_paper p
        WHERE s.paper_id IS NULL AND s.doi IS NOT NULL AND p.doi = s.doi AND p.arxiv_id IS NULL;
        """
    )
    # Title candidates are rare (hand-added papers without arXiv id): decide the author and year rule here.
    cursor.execute(
        """
        SELECT s.idx, s.surname, s.year, p.id, p.year, a.name
        FROM arxiv_stage s
        JOIN papers_paper p ON p.title_key = s.title_key AND p.arxiv_id IS NULL
        LEFT JOIN papers_paperauthor pa ON pa.paper_id = p.id AND pa.position = 0
        LEFT JOIN papers_author a ON a.id = pa.author_id
        WHERE s.paper_id IS NULL AND s.title_key <> ''
        ORDER BY s.idx, p.id
        """
    )
    matches: dict[int, int] = {}
    for idx, surname, year, paper_id, paper_year, first_author in cursor.fetchall():
        same_author = bool(surname) and _surname_key(first_author or "") == surname
        same_year = paper_year is None or year is None or paper_year == year
        if same_author and same_year:
            matches.setdefault(idx, paper_id)
    if matches:
        cursor.execute(
            "UPDATE arxiv_stage s SET paper_id = m.paper_id, matched_by = 'title', fill_arxiv_id = true "
            "FROM unnest(%s::int[], %s::bigint[]) AS m (idx, paper_id) WHERE s.idx = m.idx",
            [list(matches), list(matches.values())],
        )
    # Merged papers: their merge target (merges may chain).
    for _ in range(5):
        cursor.execute(
            "UPDATE arxiv_stage s SET paper_id = p.merged_into_id, fill_arxiv_id = false "
            "FROM papers_paper p WHERE p.id = s.paper_id AND p.merged_into_id IS NOT NULL"
        )
        if not cursor.rowcount:
            break
    cursor.execute(
        """
        -- A merge target that is another arXiv paper has its own record.
        UPDATE arxiv_stage s SET skip = true
        FROM papers_paper p WHERE p.id = s.paper_id AND p.arxiv_id IS NOT NULL AND p.arxiv_id <> s.arxiv_id;

        -- Two records found the same paper: the one with its arXiv id (then the first) keeps it; a DOI or title
        -- match that lost is a paper of its own, a merged one that lost is already stored.
        WITH ranked AS (
            SELECT idx, matched_by, row_number() OVER (
                PARTITION BY paper_id ORDER BY (matched_by = 'arxiv' AND NOT fill_arxiv_id) DESC, idx) AS rank
            FROM arxiv_stage WHERE paper_id IS NOT NULL AND NOT skip
        )
        UPDATE arxiv_stage s
        SET paper_id = CASE WHEN r.matched_by = 'arxiv' THEN s.paper_id END,
            skip = r.matched_by = 'arxiv', matched_by = CASE WHEN r.matched_by = 'arxiv' THEN s.matched_by END,
            fill_arxiv_id = false
        FROM ranked r WHERE r.idx = s.idx AND r.rank > 1;

        UPDATE arxiv_stage s SET locked = p.locked_fields FROM papers_paper p WHERE p.id = s.paper_id;

        -- A record older than what is stored changes nothing.
        UPDATE arxiv_stage s SET stale = true
        FROM papers_paper p
        WHERE p.id = s.paper_id AND s.updated_on < p.arxiv_updated_on;

        -- Deleted records of papers we never had: nothing to show.
        UPDATE arxiv_stage SET skip = true WHERE paper_id IS NULL AND state = 'deleted';

        -- A DOI another paper holds (or an earlier record of this batch) is not given again.
        UPDATE arxiv_stage s SET doi = NULL
        FROM (SELECT idx, row_number() OVER (PARTITION BY doi ORDER BY idx) AS rank
              FROM arxiv_stage WHERE doi IS NOT NULL AND NOT skip) d
        WHERE d.idx = s.idx AND (
            d.rank > 1
            OR EXISTS (SELECT 1 FROM papers_paper p WHERE p.doi = s.doi AND p.id IS DISTINCT FROM s.paper_id)
        );
        """
    )


def _arxiv_venue():
    from papers.importing import get_or_create_venue

    return get_or_create_venue("arXiv", "arXiv", "preprint")


def _insert_new(cursor, venue) -> int:
    """Insert the records that found no paper; returns how many were inserted (the others meet a paper a concurrent
    transaction inserted first: ``_recheck_matches``)."""
    # The search vectors are computed here from the staged texts (the same SQL as papers.vectors), not by a second
    # UPDATE: that would write every new row twice and read its authors and keywords back.
    title_vector, rest_vector = paper_vector_parts(
        "f.title",
        "(SELECT string_agg(sa.name, ' ' ORDER BY sa.position) FROM arxiv_stage_author sa WHERE sa.idx = f.idx)",
        "array_to_string(f.categories, ' ')",
        "%(venue_text)s",
        "f.abstract",
    )
    cursor.execute(
        f"""
        WITH fresh AS (
            SELECT s.*, nextval(pg_get_serial_sequence('papers_paper', 'id')) AS new_id,
                   EXISTS (SELECT 1 FROM papers_paper p WHERE p.slug = s.slug)
                   OR row_number() OVER (PARTITION BY s.slug ORDER BY s.idx) > 1 AS slug_taken
            FROM arxiv_stage s WHERE s.paper_id IS NULL AND NOT s.skip
        ), vectored AS (
            SELECT f.*, v.title_vector, v.title_vector || {rest_vector} AS search_vector
            FROM fresh f, LATERAL (SELECT {title_vector} AS title_vector) v
        )
        INSERT INTO papers_paper (
            id, title, slug, abstract, venue_id, year, published_on, arxiv_id, arxiv_version, doi, dblp_key, url,
            pdf_url, source, added_by_id, merged_into_id, primary_category_id, arxiv_versions, journal_ref, license,
            arxiv_comments, arxiv_state, announced_on, arxiv_updated_on, locked_fields, title_key, summary_count,
            last_summary_at, title_vector, search_vector, created_at, updated_at
        )
        SELECT new_id, title,
               CASE WHEN slug_taken THEN left(slug, %(slug_max)s - 1 - length(new_id::text)) || '-' || new_id
                    ELSE slug END,
               abstract, %(venue)s, year, published_on, arxiv_id, latest_version, doi, NULL,
               'https://arxiv.org/abs/' || arxiv_id, 'https://arxiv.org/pdf/' || arxiv_id, 'arxiv', NULL, NULL,
               categories[1],
               versions, journal_ref, license, comments, state, announced_on, updated_on, '{{}}', title_key, 0, NULL,
               title_vector, search_vector, now(), now()
        FROM vectored ORDER BY idx
        ON CONFLICT DO NOTHING
        RETURNING id, arxiv_id
        """,
        {
            "venue": venue.pk,
            "venue_text": f"{venue.name} {venue.acronym}",
            "slug_max": SLUG_MAX + 10,
            "cjk": CJK_SQL_PATTERN,
        },
    )
    inserted = cursor.fetchall()
    if inserted:
        cursor.execute(
            "UPDATE arxiv_stage s SET paper_id = i.id, created = true "
            "FROM unnest(%s::bigint[], %s::text[]) AS i (id, arxiv_id) WHERE s.arxiv_id = i.arxiv_id",
            [[row[0] for row in inserted], [row[1] for row in inserted]],
        )
    return len(inserted)


def _recheck_matches(cursor) -> list[str]:
    """Under the batch lock: the records left without a paper (another transaction inserted theirs first), and
    the records matched by DOI or title to a hand-added paper that a batch committed meanwhile gave another arXiv
    id; both are matched again by a second pass (``_upsert_batch``). Returns their arXiv ids."""
    cursor.execute(
        "UPDATE arxiv_stage s SET paper_id = NULL, matched_by = NULL, fill_arxiv_id = false "
        "FROM papers_paper p "
        "WHERE s.fill_arxiv_id AND p.id = s.paper_id AND p.arxiv_id IS NOT NULL AND p.arxiv_id <> s.arxiv_id"
    )
    cursor.execute("UPDATE arxiv_stage SET leftover = true WHERE paper_id IS NULL AND NOT skip RETURNING arxiv_id")
    return [row[0] for row in cursor.fetchall()]


def _locked(field: str) -> str:
    assert field in Paper.HARVESTED_FIELDS
    return f"'{field}' = ANY(p.locked_fields)"


def _update_existing(cursor, venue_id: int) -> set[int]:
    """Update the papers that were found; returns those whose searchable text (title, abstract, venue) changed."""
    title, abstract, year = _locked("title"), _locked("abstract"), _locked("year")
    published, doi, ref, lic = _locked("published_on"), _locked("doi"), _locked("journal_ref"), _locked("license")
    cursor.execute(
        f"""
        WITH new AS (
            SELECT p.id,
                CASE WHEN {title} OR s.title = '' THEN p.title ELSE s.title END AS title,
                CASE WHEN {title} OR s.title = '' THEN p.title_key ELSE s.title_key END AS title_key,
                CASE WHEN {abstract} OR s.abstract = '' THEN p.abstract ELSE s.abstract END AS abstract,
                CASE WHEN {year} OR s.year IS NULL OR (p.year IS NOT NULL AND p.source <> 'arxiv')
                     THEN p.year ELSE s.year END AS year,
                CASE WHEN {published} OR s.published_on IS NULL OR (p.published_on IS NOT NULL AND p.source <> 'arxiv')
                     THEN p.published_on ELSE s.published_on END AS published_on,
                CASE WHEN {doi} OR s.doi IS NULL THEN p.doi ELSE s.doi END AS doi,
                CASE WHEN {ref} OR s.journal_ref = '' THEN p.journal_ref ELSE s.journal_ref END AS journal_ref,
                CASE WHEN {lic} OR s.license = '' THEN p.license ELSE s.license END AS license,
                CASE WHEN s.comments = '' THEN p.arxiv_comments ELSE s.comments END AS arxiv_comments,
                CASE WHEN jsonb_array_length(s.versions) >= jsonb_array_length(p.arxiv_versions)
                     THEN s.versions ELSE p.arxiv_versions END AS arxiv_versions,
                CASE WHEN jsonb_array_length(s.versions) >= jsonb_array_length(p.arxiv_versions)
                     THEN coalesce(s.latest_version, p.arxiv_version) ELSE p.arxiv_version END AS arxiv_version,
                s.state AS arxiv_state,
                LEAST(p.announced_on, s.announced_on) AS announced_on,
                GREATEST(p.arxiv_updated_on, s.updated_on) AS arxiv_updated_on,
                CASE WHEN s.fill_arxiv_id THEN s.arxiv_id ELSE p.arxiv_id END AS arxiv_id,
                CASE WHEN p.url = '' THEN 'https://arxiv.org/abs/' || s.arxiv_id ELSE p.url END AS url,
                CASE WHEN p.pdf_url = '' THEN 'https://arxiv.org/pdf/' || s.arxiv_id ELSE p.pdf_url END AS pdf_url,
                coalesce(p.venue_id, %(venue)s) AS venue_id
            FROM arxiv_stage s JOIN papers_paper p ON p.id = s.paper_id
            WHERE NOT s.created AND NOT s.skip AND NOT s.stale
        ), changed AS (
            SELECT new.*, old.venue_id IS NULL AS venue_added, old.summary_count,
                   (new.title, new.abstract, new.venue_id) IS DISTINCT FROM (old.title, old.abstract, old.venue_id)
                   AS text_changed
            FROM new JOIN papers_paper old ON old.id = new.id
            WHERE (new.title, new.abstract, new.year, new.published_on, new.doi, new.journal_ref, new.license,
                   new.arxiv_comments, new.arxiv_versions, new.arxiv_version, new.arxiv_state, new.announced_on,
                   new.arxiv_updated_on, new.arxiv_id, new.url, new.pdf_url, new.venue_id)
                IS DISTINCT FROM
                  (old.title, old.abstract, old.year, old.published_on, old.doi, old.journal_ref, old.license,
                   old.arxiv_comments, old.arxiv_versions, old.arxiv_version, old.arxiv_state, old.announced_on,
                   old.arxiv_updated_on, old.arxiv_id, old.url, old.pdf_url, old.venue_id)
        )
        UPDATE papers_paper p SET
            title = c.title, title_key = c.title_key, abstract = c.abstract, year = c.year,
            published_on = c.published_on, doi = c.doi, journal_ref = c.journal_ref, license = c.license,
            arxiv_comments = c.arxiv_comments, arxiv_versions = c.arxiv_versions, arxiv_version = c.arxiv_version,
            arxiv_state = c.arxiv_state, announced_on = c.announced_on, arxiv_updated_on = c.arxiv_updated_on,
            arxiv_id = c.arxiv_id, url = c.url, pdf_url = c.pdf_url,
            venue_id = c.venue_id, updated_at = now()
        FROM changed c WHERE p.id = c.id
        RETURNING p.id, c.text_changed, c.venue_added, c.summary_count
        """,
        {"venue": venue_id},
    )
    rows = cursor.fetchall()
    added = [(summary_count) for _, _, venue_added, summary_count in rows if venue_added]
    if added:
        cursor.execute(
            "UPDATE papers_venue SET paper_count = paper_count + %s, summary_count = summary_count + %s WHERE id = %s",
            [len(added), sum(added), venue_id],
        )
    return {paper_id for paper_id, text_changed, _, _ in rows if text_changed}


# Records whose authors/categories are applied: new papers, and found papers that are neither skipped nor stale.
_APPLIED = "s.paper_id IS NOT NULL AND NOT s.skip AND NOT s.stale"


def _sync_authors(cursor) -> set[int]:
    """Authors in order with their affiliations on this paper; returns the papers whose byline changed."""
    authors_locked = "'authors' = ANY(s.locked)"
    cursor.execute(
        f"""
        -- Authors are reused by printed name, case-insensitively (as Paper.set_authors does).
        UPDATE arxiv_stage_author sa SET author_id = a.id
        FROM (SELECT DISTINCT ON (lower(name)) lower(name) AS name_key, id FROM papers_author
              WHERE lower(name) IN (SELECT name_key FROM arxiv_stage_author) ORDER BY lower(name), id) a
        WHERE a.name_key = sa.name_key;

        WITH missing AS (
            SELECT DISTINCT ON (sa.name_key) sa.name_key, sa.name, sa.slug
            FROM arxiv_stage_author sa JOIN arxiv_stage s ON s.idx = sa.idx
            WHERE sa.author_id IS NULL AND {_APPLIED} AND NOT {authors_locked}
            ORDER BY sa.name_key, sa.idx, sa.position
        ), numbered AS (
            SELECT m.*, nextval(pg_get_serial_sequence('papers_author', 'id')) AS new_id,
                   EXISTS (SELECT 1 FROM papers_author a WHERE a.slug = m.slug)
                   OR row_number() OVER (PARTITION BY m.slug ORDER BY m.name_key) > 1 AS slug_taken
            FROM missing m
        )
        INSERT INTO papers_author (id, name, slug, orcid)
        SELECT new_id, name,
               CASE WHEN slug_taken THEN left(slug, %(slug_max)s - 1 - length(new_id::text)) || '-' || new_id
                    ELSE slug END, ''
        FROM numbered ORDER BY name_key
        ON CONFLICT DO NOTHING;

        UPDATE arxiv_stage_author sa SET author_id = a.id
        FROM (SELECT DISTINCT ON (lower(name)) lower(name) AS name_key, id FROM papers_author
              WHERE lower(name) IN (SELECT name_key FROM arxiv_stage_author WHERE author_id IS NULL)
              ORDER BY lower(name), id) a
        WHERE a.name_key = sa.name_key AND sa.author_id IS NULL;
        """,
        {"slug_max": SLUG_MAX + 10},
    )
    # A slug taken by a concurrent insert: make those few authors one by one.
    cursor.execute(
        f"SELECT DISTINCT sa.name FROM arxiv_stage_author sa JOIN arxiv_stage s ON s.idx = sa.idx "
        f"WHERE sa.author_id IS NULL AND {_APPLIED} AND NOT {authors_locked}"
    )
    for (name,) in cursor.fetchall():
        author = Author.objects.create(name=name, slug=unique_slug(Author, name, fallback="author"))
        cursor.execute("UPDATE arxiv_stage_author SET author_id = %s WHERE name_key = %s", [author.pk, name.lower()])
    cursor.execute(
        f"""
        DROP TABLE IF EXISTS arxiv_want_author, arxiv_changed_byline;
        -- The byline each paper should have; a paper with 'affiliations' locked keeps its authors' affiliations,
        -- and a record without an author's affiliations (a daily listing has none) keeps the stored ones.
        CREATE TEMP TABLE arxiv_want_author AS
        SELECT s.paper_id, sa.position, sa.author_id,
               CASE WHEN 'affiliations' = ANY(s.locked) OR cardinality(sa.affiliations) = 0
                    THEN coalesce(old.affiliations, '{{}}') ELSE sa.affiliations END AS affiliations
        FROM arxiv_stage s JOIN arxiv_stage_author sa ON sa.idx = s.idx
        LEFT JOIN papers_paperauthor old ON old.paper_id = s.paper_id AND old.author_id = sa.author_id
        WHERE {_APPLIED} AND NOT {authors_locked};

        CREATE TEMP TABLE arxiv_changed_byline AS
        SELECT paper_id FROM (
            (SELECT paper_id, position, author_id, affiliations::text[] FROM arxiv_want_author
             EXCEPT
             SELECT pa.paper_id, pa.position, pa.author_id, pa.affiliations::text[] FROM papers_paperauthor pa
             WHERE pa.paper_id IN (SELECT paper_id FROM arxiv_want_author))
            UNION ALL
            (SELECT pa.paper_id, pa.position, pa.author_id, pa.affiliations::text[] FROM papers_paperauthor pa
             WHERE pa.paper_id IN (SELECT paper_id FROM arxiv_want_author)
             EXCEPT
             SELECT paper_id, position, author_id, affiliations::text[] FROM arxiv_want_author)
        ) d GROUP BY paper_id;

        DELETE FROM papers_paperauthor WHERE paper_id IN (SELECT paper_id FROM arxiv_changed_byline);
        INSERT INTO papers_paperauthor (paper_id, author_id, position, affiliations)
        SELECT paper_id, author_id, position, affiliations FROM arxiv_want_author
        WHERE paper_id IN (SELECT paper_id FROM arxiv_changed_byline) ORDER BY paper_id, position;

        -- Authors locked, affiliations not: refresh the affiliations of the authors arXiv lists at the same place.
        UPDATE papers_paperauthor pa SET affiliations = sa.affiliations
        FROM arxiv_stage s JOIN arxiv_stage_author sa ON sa.idx = s.idx
        WHERE {_APPLIED} AND {authors_locked} AND NOT 'affiliations' = ANY(s.locked)
          AND pa.paper_id = s.paper_id AND pa.position = sa.position AND pa.author_id = sa.author_id
          AND pa.affiliations::text[] IS DISTINCT FROM sa.affiliations;
        """
    )
    cursor.execute("SELECT paper_id FROM arxiv_changed_byline")
    return {row[0] for row in cursor.fetchall()}


def _ensure_categories(cursor) -> None:
    """Every category the batch names exists (the taxonomy migration has arXiv's; a new one is added)."""
    # Only the missing ones are inserted: an INSERT … ON CONFLICT meeting a category whose counter another batch
    # is updating would wait for that batch to commit, and this runs before the batch lock.
    cursor.execute(
        "SELECT DISTINCT c.code FROM arxiv_stage s, unnest(s.categories) AS c (code) "
        "WHERE NOT EXISTS (SELECT 1 FROM papers_category pc WHERE pc.code = c.code)"
    )
    codes = [row[0] for row in cursor.fetchall()]
    if codes:
        archives = [code.split(".", 1)[0] for code in codes]
        cursor.execute(
            """
            INSERT INTO papers_category (code, name, name_zh, archive, "group", paper_count)
            SELECT c.code, c.code, '', c.archive, coalesce(g.name, 'Physics'), 0
            FROM unnest(%s::text[], %s::text[]) AS c (code, archive)
            LEFT JOIN unnest(%s::text[], %s::text[]) AS g (archive, name) ON g.archive = c.archive
            ORDER BY c.code
            ON CONFLICT (code) DO NOTHING
            """,
            [codes, archives, list(_GROUPS), list(_GROUPS.values())],
        )


def _sync_categories(cursor) -> set[int]:
    """PaperCategory rows (primary at position 0) and ``Category.paper_count``; nothing to re-index (the codes
    are searchable as keywords, ``_sync_keywords``), so returns an empty set."""
    cursor.execute(
        f"""
        DROP TABLE IF EXISTS arxiv_want_category, arxiv_changed_categories;
        CREATE TEMP TABLE arxiv_want_category AS
        SELECT s.paper_id, c.code AS category_id, (c.n - 1)::int AS position, p.announced_on
        FROM arxiv_stage s JOIN papers_paper p ON p.id = s.paper_id,
             unnest(s.categories) WITH ORDINALITY AS c (code, n)
        WHERE {_APPLIED} AND cardinality(s.categories) > 0 AND NOT 'categories' = ANY(s.locked);

        CREATE TEMP TABLE arxiv_changed_categories AS
        SELECT paper_id FROM (
            (SELECT paper_id, category_id, position FROM arxiv_want_category
             EXCEPT
             SELECT paper_id, category_id, position FROM papers_papercategory
             WHERE paper_id IN (SELECT paper_id FROM arxiv_want_category))
            UNION ALL
            (SELECT paper_id, category_id, position FROM papers_papercategory
             WHERE paper_id IN (SELECT paper_id FROM arxiv_want_category)
             EXCEPT
             SELECT paper_id, category_id, position FROM arxiv_want_category)
        ) d GROUP BY paper_id;

        UPDATE papers_category c SET paper_count = c.paper_count - d.n
        FROM (SELECT category_id, count(*) AS n FROM papers_papercategory
              WHERE paper_id IN (SELECT paper_id FROM arxiv_changed_categories) GROUP BY category_id) d
        WHERE c.code = d.category_id;
        DELETE FROM papers_papercategory WHERE paper_id IN (SELECT paper_id FROM arxiv_changed_categories);
        INSERT INTO papers_papercategory (paper_id, category_id, position, announced_on)
        SELECT paper_id, category_id, position, announced_on FROM arxiv_want_category
        WHERE paper_id IN (SELECT paper_id FROM arxiv_changed_categories) ORDER BY paper_id, position;
        UPDATE papers_category c SET paper_count = c.paper_count + d.n
        FROM (SELECT category_id, count(*) AS n FROM arxiv_want_category
              WHERE paper_id IN (SELECT paper_id FROM arxiv_changed_categories) GROUP BY category_id) d
        WHERE c.code = d.category_id;

        UPDATE papers_paper p SET primary_category_id = w.category_id
        FROM arxiv_want_category w
        WHERE w.position = 0 AND p.id = w.paper_id AND p.primary_category_id IS DISTINCT FROM w.category_id;

        -- The listing copy of the announcement day follows the paper's.
        UPDATE papers_papercategory pc SET announced_on = p.announced_on
        FROM arxiv_stage s JOIN papers_paper p ON p.id = s.paper_id
        WHERE {_APPLIED} AND pc.paper_id = p.id AND pc.announced_on IS DISTINCT FROM p.announced_on;
        """
    )
    return set()


def _category_tag_ids(codes: list[str]) -> dict[str, int]:
    """taggit tags named after these category codes, made when missing (a few hundred exist, ever)."""
    found = {tag.name.lower(): tag.pk for tag in Tag.objects.filter(name__in=codes)}
    for code in codes:
        if code.lower() not in found:  # TAGGIT_CASE_INSENSITIVE: "CS.LG" typed by a member is the same keyword
            tag = Tag.objects.filter(name__iexact=code).first()
            if tag is None:
                tag = Tag.objects.create(name=code, slug=unique_keyword_slug(Tag, code))
            found[code.lower()] = tag.pk
    return {code: found[code.lower()] for code in codes}


def _sync_keywords(cursor) -> set[int]:
    """The category codes as keywords (added, never removed: a member's keywords stay); returns papers given one."""
    cursor.execute(
        f"SELECT DISTINCT unnest(s.categories) FROM arxiv_stage s WHERE {_APPLIED} AND NOT 'categories' = ANY(s.locked)"
    )
    codes = [row[0] for row in cursor.fetchall()]
    if not codes:
        return set()
    tag_ids = _category_tag_ids(codes)
    cursor.execute(
        f"""
        INSERT INTO taggit_taggeditem (tag_id, object_id, content_type_id)
        SELECT t.tag_id, s.paper_id, %s
        FROM arxiv_stage s, unnest(s.categories) AS c (code)
        JOIN unnest(%s::text[], %s::int[]) AS t (code, tag_id) ON t.code = c.code
        WHERE {_APPLIED} AND NOT 'categories' = ANY(s.locked)
        ORDER BY s.paper_id, t.tag_id
        ON CONFLICT DO NOTHING
        RETURNING object_id
        """,
        [ContentType.objects.get_for_model(Paper).pk, list(tag_ids), list(tag_ids.values())],
    )
    return {row[0] for row in cursor.fetchall()}
