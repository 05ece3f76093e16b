"""The site search: ranking, result pages and their cache, "Did you mean" (PostgreSQL full text).

The vectors it searches and the tsquery a reader's text becomes are ``papers.vectors`` (papers) and
``summaries.vectors`` (summaries).
"""

from __future__ import annotations

import datetime
import hashlib
import html
import json
import re
import string
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchRank
from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, Case, F, Func, OuterRef, Q, Subquery, TextField, Value, When
from django.db.models.expressions import RawSQL

from digest.models import DigestEntry
from papers.models import LIST_DEFERRED, Paper, PaperAuthor, in_title_sample
from papers.vectors import (
    CJK_CLASS,
    CJK_RE,
    CJK_SQL_PATTERN,
    ENGLISH,
    MAX_PAGES,
    PAGE_SIZE,
    SEARCH_CANDIDATES,
    CompiledQuery,
    SiteQuery,
    Slot,
    bitmap_scans_only,
    build_query,
    clean_query_text,
    excluded_query,
    query_tokens,
    site_query,
    without_repeated_words,
)
from shortscience.lib import versions
from summaries.models import Summary

# --- Searching ------------------------------------------------------------------------------------------
#
# The search page ranks only a bounded set of candidates from four capped scans: papers whose title, authors
# or keywords match (the small ``title_vector``), the same among papers with summaries (they are what readers
# come for; a partial index holds only them), papers matched through a listed summary, and papers whose full
# vector matches (abstract and venue too). The last two scans run only when the title matches did not fill every
# page we show: an abstract-only or summary-only match rarely outranks a title match, and when thousands of
# summaries match, the hundred the scan returned were the first in table order, a lottery. Measured over 60
# queries of common words at 2.5 M papers, the gate left 59 first pages identical (99.7 % of their papers, 98–99 %
# on pages 2 and 3) and halved the ranking statement (p50 40 → 20 ms, docs/performance.md). Papers with
# summaries whose titles match still come first through their own scan. A common word over millions of papers
# then costs capped index or table scans and about a thousand ts_rank calls, never a rank of every match;
# result pages are cached (see ``search_papers``).

# Papers reached through a summary: fewer, because the summary scan is the costly one (a summary's vector is
# large and mostly stored out of line, so testing a row costs a TOAST read) and a summary match ranks below
# most title matches; measured, 100 instead of 401 changes the rank quality of the first five pages by less
# than 1 % for common words (docs/performance.md, finding 3). Queries with fewer summary matches see them all.
SUMMARY_CANDIDATES = 5 * PAGE_SIZE
MAX_QUERY_CHARS = 200
# ts_rank normalisation: 1 divides by 1 + log(document length), 32 scales into [0, 1).
RANK_NORMALIZATION = 1 | 32
# Result pages are cached this long (seconds); see search_papers for what is cached and why it is safe.
SEARCH_CACHE_SECONDS = 300
# Part of every cache key: bump it whenever ranking, snippets or the cached structure change.
SEARCH_CACHE_VERSION = 1

# Private-use characters mark highlights inside ts_headline output; the same characters are stripped
# from the source text first, so every marker in the output is one PostgreSQL put there.
_START, _STOP = "\ue000", "\ue001"
# Tidy-up of the CJK split done for highlighting: one space was added on each side of every CJK character.
_CJK_SPACE_BEFORE_RE = re.compile(f" ({_START}?[{CJK_CLASS}])")
_CJK_SPACE_AFTER_RE = re.compile(f"([{CJK_CLASS}]{_STOP}?) ")


@dataclass(frozen=True)
class Fragment:
    """A piece of a highlighted snippet; ``hit`` pieces are shown in <mark>. Text is plain (escaped when shown)."""

    text: str
    hit: bool = False


def headline_fragments(raw: str | None, *, unescape: bool = False) -> list[Fragment]:
    """Split ts_headline output (with private-use markers) into plain-text fragments.

    Nothing here is marked safe: the ``highlighted`` filter (discovery/templatetags/search_results.py) prints each
    fragment escaped, inside <mark> when it is a hit, so titles, abstracts and summaries can never inject markup
    through a snippet. ``unescape`` decodes the entities of text taken from stored HTML (it is escaped again when
    shown).
    """
    if not raw:
        return []
    if unescape:
        raw = html.unescape(raw)
    text = _CJK_SPACE_AFTER_RE.sub(r"\1", _CJK_SPACE_BEFORE_RE.sub(r"\1", raw))
    # Adjacent hits ("注意力" is three one-character tokens) read as one highlight.
    text = text.replace(_STOP + _START, "")
    fragments = []
    for index, part in enumerate(re.split(f"[{_START}{_STOP}]", text)):
        if part:
            fragments.append(Fragment(part, hit=index % 2 == 1))
    return fragments


def _highlightable(expression):
    """SQL for a text column as the highlighter should read it: markers stripped, CJK split like the index."""
    stripped = Func(expression, Value(_START + _STOP), Value(""), function="translate", output_field=TextField())
    return Func(
        stripped,
        Value(CJK_SQL_PATTERN),
        Value(" \\1 "),
        Value("g"),
        function="regexp_replace",
        output_field=TextField(),
    )


def _html_text(expression):
    """The text of stored, sanitised HTML: block tags become spaces, inline tags vanish (entities are decoded
    in Python, see ``headline_fragments``)."""
    blocks = Func(
        expression,
        Value(r"</?(p|div|h[1-6]|li|ul|ol|dl|dt|dd|blockquote|pre|table|tr|td|th|br|hr)\b[^>]*>"),
        Value(" "),
        Value("gi"),
        function="regexp_replace",
        output_field=TextField(),
    )
    return Func(blocks, Value("<[^>]*>"), Value(""), Value("g"), function="regexp_replace", output_field=TextField())


def _headline(expression, query, **options):
    return SearchHeadline(
        _highlightable(expression),
        query,
        config=ENGLISH,
        start_sel=_START,
        stop_sel=_STOP,
        fragment_delimiter=" … ",
        **options,
    )


def _rank(query, field: str = "search_vector"):
    return SearchRank(F(field), query, normalization=Value(RANK_NORMALIZATION))


def _paper_rank(query: SiteQuery):
    """A paper's rank: how well its title, authors and keywords match (the small ``title_vector``) when they
    do, else its full vector's rank (abstract and venue weigh little, so these stay below most title matches).
    The same formula whichever scan found the paper."""
    return Case(When(title_vector=query.match, then=_rank(query.rank, "title_vector")), default=_rank(query.rank))


@dataclass
class SearchFilters:
    venue: str = ""
    year_from: int | None = None
    year_to: int | None = None

    def paper_q(self, prefix: str = "") -> Q:
        q = Q()
        if self.venue:
            q &= Q(**{f"{prefix}venue__slug": self.venue})
        if self.year_from is not None:
            q &= Q(**{f"{prefix}year__gte": self.year_from})
        if self.year_to is not None:
            q &= Q(**{f"{prefix}year__lte": self.year_to})
        return q


@dataclass
class SearchPage:
    """One page of results: papers carrying ``title_fragments``, ``snippet`` and ``snippet_summary_id``."""

    papers: list
    number: int
    has_next: bool = False
    # More matches exist beyond the last page we show (MAX_PAGES): the reader should refine the search.
    capped: bool = False
    # "Did you mean": the query with misspelt words corrected, on a first page with few results.
    suggestion: str | None = None

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def previous_number(self) -> int:
        return self.number - 1


def _sql(queryset) -> tuple[str, tuple]:
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    return sql, tuple(params)


def _candidates(filters: SearchFilters, excluded):
    papers = Paper.objects.live().filter(filters.paper_q()).order_by()
    if excluded is not None:
        papers = papers.exclude(search_vector=excluded)
    return papers


def _title_statement(query: SiteQuery, filters: SearchFilters, excluded, ids=None) -> tuple[str, tuple]:
    """The scans of titles, in one statement of rows (scan label, pk, rank, summary_count)."""
    title_hits = (
        _candidates(filters, excluded)
        .filter(title_vector=query.match)
        .annotate(rank=_rank(query.rank, "title_vector"))
        .values_list("pk", "rank", "summary_count")
    )
    summarised_hits = title_hits.filter(summary_count__gt=0)
    # (label, the scan, whether it is sampled): a sample is read first, then only as many of the other titles as
    # the cap leaves (``LIMIT cap - sampled``, a number PostgreSQL computes once, before reading them; none when the
    # sample fills the cap). See ``papers.models.TITLE_SAMPLE``. Titles are sampled only for words that must all
    # match: one common word is a walk that stops at the cap.
    scans = [("t", title_hits, query.intersects), ("u", summarised_hits, True)]
    samples, selects, sample_params, select_params = [], [], [], []
    for label, scan, sampled in scans:
        if not sampled:
            scan_sql, scan_params = _sql(scan[:SEARCH_CANDIDATES])
            selects.append(f"SELECT '{label}', * FROM ({scan_sql}) AS {label}_all")
        else:
            sql, params = _sql(scan.filter(in_title_sample())[:SEARCH_CANDIDATES])
            samples.append(f"{label}_sample AS MATERIALIZED ({sql})")
            sample_params += params
            selects.append(f"SELECT '{label}', * FROM {label}_sample")
            scan_sql, scan_params = _sql(scan.exclude(in_title_sample()))
            selects.append(
                f"SELECT '{label}', * FROM ({scan_sql}"
                f" LIMIT {SEARCH_CANDIDATES} - (SELECT count(*) FROM {label}_sample)) AS {label}_rest"
            )
        select_params += scan_params
    return f"WITH {', '.join(samples)} {' UNION ALL '.join(selects)}", (*sample_params, *select_params)


def _text_statement(query: SiteQuery, filters: SearchFilters, excluded, ids=None) -> tuple[str, tuple]:
    """The scans through listed summaries and full vectors, for titles that leave room: rows (pk, rank,
    summary_count). Their words are rare in titles, so rarely dense anywhere: run as bitmap scans of the GIN
    indexes, which cost what their matches cost (see ``bitmap_scans_only``)."""
    summaries = Summary.objects.listed().filter(filters.paper_q("paper__"), paper__merged_into__isnull=True)
    if excluded is not None:
        summaries = summaries.exclude(paper__search_vector=excluded)
    text_hits = (
        _candidates(filters, excluded)
        .filter(search_vector=query.match)
        .annotate(rank=_paper_rank(query))
        .values_list("pk", "rank", "summary_count")
    )
    summary_hits = (
        summaries.filter(search_vector=query.match)
        .order_by()
        .annotate(rank=_rank(query.rank))
        .values_list("paper_id", "rank", "paper__summary_count")
    )
    summary_sql, summary_params = _sql(summary_hits[:SUMMARY_CANDIDATES])
    text_sql, text_params = _sql(text_hits[:SEARCH_CANDIDATES])
    return f"({summary_sql}) UNION ALL ({text_sql})", (*summary_params, *text_params)


# Statements compiled once per shape (``_statement``), at most this many kept per process.
STATEMENT_SHAPES = 256
_statements: dict[tuple, tuple[str, tuple]] = {}


def _statement(build, query: SiteQuery, filters: SearchFilters, excluded, ids=None) -> tuple[str, tuple]:
    """``build(query, filters, excluded, ids)``, compiled by Django once per shape of query and filters and kept.

    Two searches whose queries differ only in their words (``CompiledQuery.params``) run the same SQL: it is built
    with slots where the words and the ids go (``CompiledQuery.slotted``, ``Slot("ids", 0)``) and they are put in
    here. Django took 3–4 ms of Python to build and compile the ranking statements of each search miss, and as
    much for the page's highlights (docs/performance.md). A search excluding words is built afresh (rare, and its
    exclusion is a query of its own)."""
    if excluded is not None or not isinstance(query.match, CompiledQuery) or not isinstance(query.rank, CompiledQuery):
        return build(query, filters, excluded, ids)
    same = query.match is query.rank
    key = (build.__name__, query.match.sql, query.rank.sql, same, query.intersects, filters.venue)
    key += (filters.year_from, filters.year_to, SEARCH_CANDIDATES, SUMMARY_CANDIDATES)
    shape = _statements.get(key)
    if shape is None:
        match = query.match.slotted("match")
        slotted = SiteQuery(
            match=match, rank=match if same else query.rank.slotted("rank"), intersects=query.intersects
        )
        if len(_statements) >= STATEMENT_SHAPES:
            _statements.clear()
        shape = build(slotted, filters, None, Slot("ids", 0))
        # A statement holding a date or time (a condition on "now") must not be kept: none does today.
        if not any(isinstance(value, datetime.date) for value in shape[1]):
            _statements[key] = shape
    sql, params = shape
    values = {"match": query.match.params, "rank": query.rank.params, "ids": (list(ids or ()),)}
    return sql, tuple(values[p.name][p.index] if isinstance(p, Slot) else p for p in params)


def _ids_in(model, ids) -> RawSQL:
    """Rows of ``model`` whose primary key is one of ``ids`` (a list, or a ``Slot``): one parameter, whatever
    their number."""
    column = f"{connection.ops.quote_name(model._meta.db_table)}.{connection.ops.quote_name(model._meta.pk.column)}"
    return RawSQL(f"{column} = ANY(%s)", (ids,), output_field=BooleanField())


def _highlight_statement(query: SiteQuery, filters: SearchFilters, excluded, ids) -> tuple[str, tuple]:
    """The highlighted title and abstract of papers ``ids`` and their best matching listed summary: rows (pk,
    updated_at, title headline, abstract headline, summary id or None)."""
    best_summary = (
        Summary.objects.listed()
        .filter(paper=OuterRef("pk"), search_vector=query.match)
        .annotate(rank=_rank(query.rank))
        .order_by("-rank", "-score", "-pk")
        .values("pk")[:1]
    )
    papers = (
        Paper.objects.live()
        .filter(_ids_in(Paper, ids))
        .order_by()
        .annotate(
            title_headline=_headline(F("title"), query.rank, highlight_all=True),
            abstract_headline=_headline(F("abstract"), query.rank, max_words=35, min_words=15),
            matched_summary_id=Subquery(best_summary),
        )
        .values_list("pk", "updated_at", "title_headline", "abstract_headline", "matched_summary_id")
    )
    return _sql(papers)


def _summary_highlight_statement(query: SiteQuery, filters: SearchFilters, excluded, ids) -> tuple[str, tuple]:
    """The highlighted text of listed summaries ``ids``: rows (pk, updated_at, headline)."""
    summaries = (
        Summary.objects.listed()
        .filter(_ids_in(Summary, ids))
        .order_by()
        .annotate(headline=_headline(_html_text(F("body_html")), query.rank, max_words=35, min_words=15))
        .values_list("pk", "updated_at", "headline")
    )
    return _sql(summaries)


def _ranked_paper_ids(query: SiteQuery, filters: SearchFilters, offset: int, limit: int, excluded=None) -> list[int]:
    """Ids of one page of matching papers, best first, in one or two statements.

    Four capped scans, each ranking only the rows it returns: papers whose title, authors or keywords match
    (small vector, GIN index ``paper_title_search_idx``) and the same among papers with summaries (partial index
    ``paper_title_summarised_idx``), in one statement; when the query's words must all match
    (``query.intersects``), the first scan reads the sample of titles first (``papers.models.TITLE_SAMPLE``,
    partial index ``paper_title_sample_idx``) and the other titles only for what room the sample leaves under the
    cap: when the sample fills it, the cap's worth of candidates is an arbitrary choice among more than
    TITLE_SAMPLE times the cap, as the first scan's rows always were past the cap, at an eighth of the cost; when
    it does not, the candidates are the sample's and as many others as make up the cap (all of them when fewer
    match; the scan among papers with summaries likewise). Then, only when titles gave fewer than
    the cap, papers through their listed summaries (SUMMARY_CANDIDATES) and papers whose full vector matches
    (abstract, venue), in another. Rows are matched with ``query.match`` and ranked with ``query.rank``
    (``papers.vectors.site_query``). A paper's rank is the best of its candidates' ranks (at most 1,303 rows,
    merged here). ``excluded`` (see ``excluded_query``) drops every candidate whose paper mentions an excluded
    word anywhere.

    The title scans are planned freely: for a common word PostgreSQL walks any index and stops at the cap, where
    a bitmap of every match would cost more (409,000 titles for "learning": 25 ms against 90).
    """

    with connection.cursor() as cursor:
        cursor.execute(*_statement(_title_statement, query, filters, excluded))
        rows = cursor.fetchall()
    candidates = [row[1:] for row in rows]
    # (A title found in the sample and again in the whole scan counts once.)
    if len({row[1] for row in rows if row[0] == "t"}) < SEARCH_CANDIDATES:
        # Titles leave room: the scans through summaries and full vectors (``_text_statement``).
        with bitmap_scans_only() as cursor:
            cursor.execute(*_statement(_text_statement, query, filters, excluded))
            candidates += cursor.fetchall()
    # A paper's rank is the best of its candidates'; ties go to more summaries, then to the newer paper.
    best: dict[int, tuple[float, int]] = {}
    for pk, rank, summary_count in candidates:
        known = best.get(pk)
        best[pk] = (max(rank, known[0]), max(summary_count, known[1])) if known else (rank, summary_count)
    ranked = sorted(best, key=lambda pk: (best[pk][0], best[pk][1], pk), reverse=True)
    return ranked[offset : offset + limit]


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def normalize_query(text: str) -> str:
    """What is searched for, and the text part of the cache key: control characters and repeated spaces
    removed, cut to MAX_QUERY_CHARS, ASCII letters lower-cased. Lower-casing changes nothing in the results:
    PostgreSQL folds case when parsing the query (``OR`` included) and when indexing. Other letters are left
    alone (Python and PostgreSQL need not fold them alike). A plain word typed twice counts once
    (``without_repeated_words``)."""
    return without_repeated_words(clean_query_text(text)[:MAX_QUERY_CHARS].strip().translate(_ASCII_LOWER))


def search_cache_key(text: str, filters: SearchFilters, page: int) -> str:
    """The cache key of one result page: the normalised query, every filter, the page, the stamp of the
    searchable data (``search_results_stamp``) and everything in the configuration that changes results (cap,
    page size, page limit, rank normalisation, cache version)."""
    parts = [
        SEARCH_CACHE_VERSION,
        search_results_stamp(),
        SEARCH_CANDIDATES,
        PAGE_SIZE,
        MAX_PAGES,
        RANK_NORMALIZATION,
        text,
        filters.venue,
        filters.year_from,
        filters.year_to,
        page,
    ]
    digest = hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()
    return f"search:{SEARCH_CACHE_VERSION}:{digest}"


def _listed_papers(ids) -> dict:
    """The live papers among ``ids``, by id, as a result list shows them: with their venue, without the columns no
    list shows (``LIST_DEFERRED``; authors' names: ``_with_author_names``)."""
    papers = Paper.objects.live().filter(pk__in=list(ids)).order_by().defer(*LIST_DEFERRED).select_related("venue")
    return {paper.pk: paper for paper in papers}


def _with_author_names(papers: list) -> list:
    """Set ``author_names`` (in paper order) on each of ``papers``: one query of names whatever the page.

    Django's prefetch of the authorships with their authors built two model instances per author and a queryset
    per paper: 2.8 ms of a page of 20 results, against 0.6 ms for the names alone (docs/performance.md)."""
    names = defaultdict(list)
    authorships = PaperAuthor.objects.filter(paper_id__in=[paper.pk for paper in papers]).order_by(
        "paper_id", "position"
    )
    for paper_id, name in authorships.values_list("paper_id", "author__name"):
        names[paper_id].append(name)
    for paper in papers:
        paper.author_names = names[paper.pk]
    return papers


def _pack(fragments: list[Fragment]) -> list[tuple[str, bool]]:
    return [(fragment.text, fragment.hit) for fragment in fragments]


def _unpack(packed) -> list[Fragment]:
    return [Fragment(text, hit) for text, hit in packed]


def _show(paper, title: list[Fragment], snippet: list[Fragment], snippet_summary_id) -> None:
    paper.title_fragments = title
    paper.snippet = snippet
    paper.snippet_summary_id = snippet_summary_id


def _fresh_results(query: SiteQuery, filters: SearchFilters, page: int, excluded=None) -> tuple[dict, list]:
    """Rank, fetch and highlight one page; returns (cache entry, papers ready for the template).

    The cache entry holds only what is the same for every reader: ids in rank order, highlighted fragments
    and, for each paper and each summary a snippet came from, the ``updated_at`` it was built from.
    """

    ids = _ranked_paper_ids(query, filters, (page - 1) * PAGE_SIZE, PAGE_SIZE + 1, excluded)
    has_next, ids = len(ids) > PAGE_SIZE, ids[:PAGE_SIZE]
    entry = {"has_next": has_next, "rows": []}
    if not ids:
        return entry, []

    # The highlights in one statement, the papers as any list shows them in another: the highlights' statement is
    # compiled once per shape of query (``_statement``), where a queryset of both took Django 5–6 ms to build.
    with connection.cursor() as cursor:
        cursor.execute(*_statement(_highlight_statement, query, SearchFilters(), None, ids))
        highlights = {row[0]: row[1:] for row in cursor.fetchall()}
        summary_ids = [row[3] for row in highlights.values() if row[3]]
        summaries = {}
        if summary_ids:
            cursor.execute(*_statement(_summary_highlight_statement, query, SearchFilters(), None, summary_ids))
            summaries = {pk: (updated_at, headline) for pk, updated_at, headline in cursor.fetchall()}
    by_id = _listed_papers(highlights)
    results = []
    for pk in ids:
        paper, highlight = by_id.get(pk), highlights.get(pk)
        if paper is None or highlight is None:  # merged or deleted since the ranking statement
            continue
        updated_at, title_headline, abstract_headline, summary_id = highlight
        title = headline_fragments(title_headline)
        summary = summaries.get(summary_id)
        if summary is not None:
            snippet, source = headline_fragments(summary[1], unescape=True), (summary_id, summary[0])
        else:
            snippet, source = headline_fragments(abstract_headline), None
        # (The row keeps the ``updated_at`` the highlights were built from.)
        entry["rows"].append((pk, updated_at, _pack(title), _pack(snippet), source))
        _show(paper, title, snippet, source[0] if source else None)
        results.append(paper)
    return entry, _with_author_names(results)


def _cached_results(entry: dict) -> list | None:
    """The papers of a cached page, re-fetched through the visibility querysets; None when anything in the
    entry is no longer exactly what a fresh search would show (the caller then searches again)."""

    rows = entry["rows"]
    if not rows:
        return []
    papers = _listed_papers(row[0] for row in rows)
    sources = {row[4][0]: (row[0], row[4][1]) for row in rows if row[4]}
    current = {}
    if sources:
        current = {
            pk: (paper_id, updated_at)
            for pk, paper_id, updated_at in Summary.objects.listed()
            .filter(pk__in=list(sources))
            .values_list("pk", "paper_id", "updated_at")
        }
    results = []
    for pk, updated_at, title, snippet, source in rows:
        paper = papers.get(pk)
        if paper is None or paper.updated_at != updated_at:
            return None  # merged, deleted, or its title or abstract may have changed
        if source and current.get(source[0]) != sources[source[0]]:
            return None  # the summary was hidden, deleted, made private, edited or moved
        _show(paper, _unpack(title), _unpack(snippet), source[0] if source else None)
        results.append(paper)
    return _with_author_names(results)


def search_papers(text: str, filters: SearchFilters | None = None, page: int = 1) -> SearchPage:
    """Full-text search over papers and their listed summaries; a fixed number of queries per page.

    ``page`` is clamped to 1..MAX_PAGES. Returns an empty page when ``text`` holds nothing searchable.

    Result pages are cached for SEARCH_CACHE_SECONDS under ``search_cache_key`` (popular queries repeat; the
    ranking statement is the expensive part). Only what is the same for every reader is cached — paper ids
    in rank order, highlighted title and snippet fragments, which summary a snippet came from, and the
    ``updated_at`` of each paper and summary used — never HTML, and nothing that depends on who asks.

    Hidden content cannot come back from the cache: a hit re-fetches the papers through
    ``Paper.objects.live()`` and the snippets' summaries through ``Summary.objects.listed()``, and if any
    paper was merged or deleted, any summary was hidden, deleted, made private or moved to another paper,
    or either was edited since (``updated_at`` differs, so a stale title, abstract or summary text could be
    in the fragments), the entry is dropped and the page computed afresh. The check is the papers' fetch
    the page needs anyway plus one primary-key look-up of summaries, so safety does not hang on the TTL; it
    only bounds how long new matches wait to appear in a cached page. New matches cannot wait either: the key
    holds ``search_results_stamp()``, which changes whenever a paper or summary may have started to match
    (``search_results_changed``), so a search made before a paper was added finds it on the next request.

    A first page with fewer than SUGGEST_BELOW results carries a "Did you mean" ``suggestion`` (``suggest``),
    cached with it.
    """
    filters = filters or SearchFilters()
    page = min(max(page, 1), MAX_PAGES)
    text = normalize_query(text)
    if build_query(text) is None:
        return SearchPage([], page)
    key = search_cache_key(text, filters, page)
    entry = cache.get(key)
    results = _cached_results(entry) if entry is not None else None
    if results is None:
        query = site_query(text)
        entry, results = _fresh_results(query, filters, page, excluded_query(text))
        if page == 1 and not entry["has_next"] and len(entry["rows"]) < SUGGEST_BELOW:
            entry["suggestion"] = suggest(text)
        cache.set(key, entry, SEARCH_CACHE_SECONDS)
    has_next = entry["has_next"]
    return SearchPage(
        results,
        page,
        has_next=has_next and page < MAX_PAGES,
        capped=has_next and page >= MAX_PAGES,
        suggestion=entry.get("suggestion"),
    )


# --- In the digest ------------------------------------------------------------------------------------------
#
# Curators' notes in published digests, in any language (``digest.notes`` builds their vectors like a summary's:
# CJK split into characters, matched as phrases). One statement over the GIN index ``digestentry_search_idx``,
# on a search's first page only; the few best notes are shown as their own group above the papers.

DIGEST_HITS = 5


def _digest_statement(query: SiteQuery, filters: SearchFilters, excluded, ids=None) -> tuple[str, tuple]:
    """Entries of published digests whose note matches, best first, at most DIGEST_HITS: rows (pk, headline)."""
    entries = (
        DigestEntry.objects.published()
        .filter(search_vector=query.match)
        .annotate(
            rank=_rank(query.rank),
            headline=_headline(_html_text(F("note_html")), query.rank, max_words=35, min_words=15),
        )
        .order_by("-rank", "-digest__date", "pk")
        .values_list("pk", "headline")[:DIGEST_HITS]
    )
    return _sql(entries)


def search_digest(text: str) -> list[DigestEntry]:
    """The entries of published digests whose note matches ``text``, best first (at most DIGEST_HITS), each with a
    highlighted ``snippet`` (plain-text fragments, escaped when shown).

    One statement, compiled once per shape of query (``_statement``; most searches end there: no note matches),
    then the entries found, with their digest, paper and category. As one queryset of both it took Django 5–6 ms
    of every first page of results."""
    query = build_query(normalize_query(text))
    if query is None:
        return []
    query = CompiledQuery(query)
    with connection.cursor() as cursor:
        cursor.execute(*_statement(_digest_statement, SiteQuery(match=query, rank=query), SearchFilters(), None))
        hits = cursor.fetchall()
    if not hits:
        return []
    entries = {
        entry.pk: entry
        for entry in DigestEntry.objects.published()
        .filter(pk__in=[pk for pk, _ in hits])
        .select_related("digest", "paper", "category")
        .only(
            "pk",
            "starred",
            "language",
            "digest__date",
            "digest__title",
            "paper__title",
            "paper__slug",
            "category__code",
        )
    }
    found = []
    for pk, headline in hits:
        entry = entries.get(pk)
        if entry is not None:  # (not unpublished or deleted since the first statement)
            entry.snippet = headline_fragments(headline, unescape=True)
            found.append(entry)
    return found


# --- Did you mean -----------------------------------------------------------------------------------------
#
# A misspelt query ("atention is all you ned") finds nothing. When a first page has fewer than SUGGEST_BELOW
# results, each word of the query is looked up in the vocabulary of titles (``TitleWord``): a title word
# stays, another is replaced by the nearest title word by trigram distance (GiST index ``titleword_trgm_idx``)
# when their similarity reaches WORD_SIMILARITY. One statement, only on that path: a primary-key look-up per
# word and a nearest-neighbour index walk per word found in no title (at most SUGGEST_WORDS words). Its cost
# follows the size of the vocabulary, which grows far slower than the titles, not the number of papers
# holding a word (docs/performance.md).

SUGGEST_BELOW = 3
SUGGEST_WORDS = 8
# How similar (pg_trgm ``similarity``) a title word must be to replace a query word: pg_trgm's default.
WORD_SIMILARITY = 0.3
SUGGEST_MIN_CHARS = 3
_WORD_RE = re.compile(r"\w+")


def _correctable(word: str) -> bool:
    return len(word) >= SUGGEST_MIN_CHARS and word.lower() != "or" and not word.isdigit() and not CJK_RE.search(word)


def suggest(text: str) -> str | None:
    """``text`` with its misspelt words replaced by the closest words of titles, or None when no word
    changes. Excluded words and the query's syntax (quotes, -, or) are kept."""
    tokens = query_tokens(text)
    words = [word.lower() for token, negated in tokens if not negated for word in _WORD_RE.findall(token)]
    words = list(dict.fromkeys(word for word in words if _correctable(word)))[:SUGGEST_WORDS]
    if not words:
        return None
    # One column per word: a title word stays itself (primary key), another becomes the nearest title word by
    # trigram distance (a nearest-neighbour walk of the GiST index, LIMIT 1) if it is similar enough.
    closest_sql = (
        "CASE WHEN EXISTS (SELECT FROM papers_titleword WHERE word = %s) THEN %s ELSE (SELECT c.word FROM "
        "(SELECT t.word, t.word <-> %s AS distance FROM papers_titleword t ORDER BY t.word <-> %s LIMIT 1) AS c "
        f"WHERE c.distance <= {1 - WORD_SIMILARITY}) END"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join([closest_sql] * len(words)), [w for word in words for w in [word] * 4])
        closest = {word: best for word, best in zip(words, cursor.fetchone(), strict=True) if best}

    def correct(match) -> str:
        return closest.get(match.group(0).lower(), match.group(0))

    corrected = " ".join(token if negated else _WORD_RE.sub(correct, token) for token, negated in tokens)
    original = " ".join(token for token, _ in tokens)
    return corrected if corrected.lower() != original.lower() else None


# --- Fresh results after changes ---------------------------------------------------------------------------
#
# Cached result pages are keyed by a stamp that changes whenever a paper or summary may have started to match
# something: a paper's vectors recomputed (added, title, abstract, authors or keywords changed), a summary's
# vector recomputed (written, edited) or a summary listed or unlisted (published, shown again, hidden).
# Removals are caught by the cache's own checks too (``_cached_results``); additions only by the stamp. Votes,
# comments and views change no stamp, so the cache keeps its hits between edits.


def search_results_stamp() -> int:
    return versions.current(versions.SEARCH)


def searchable_text(text: str) -> str | None:
    """The cleaned query, or None when it cannot find anything.

    Refused: nothing word-like, and queries made only of exclusions ("-foo"), which would match nearly
    every row and could not use the index.
    """
    cleaned = clean_query_text(text)[:MAX_QUERY_CHARS]
    if build_query(cleaned) is None:
        return None
    words = [w.strip("\"'()") for w in cleaned.split()]
    if not any(re.search(r"\w", w) and not w.startswith("-") and w.lower() != "or" for w in words):
        return None
    return cleaned
