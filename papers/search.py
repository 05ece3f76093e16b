"""Full-text search vectors and queries (PostgreSQL).

Each text is indexed twice: with the ``english`` configuration (stemming, so
"networks" finds "network") and with ``simple`` (exact words in any language).
Chinese, Japanese and Korean have no spaces between words, so CJK characters are
split into single-character tokens both when indexing and when querying: a word
from a Chinese summary is then found as the sequence of its characters.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from django import forms
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Func, OuterRef, Q, Subquery, TextField, Value

from papers.identifiers import Identifier

# Han, Hiragana/Katakana, Hangul and CJK compatibility ideographs.
_CJK_CLASS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_CJK_RE = re.compile(f"([{_CJK_CLASS}])")
# The same pattern for PostgreSQL's regexp_replace (ARE syntax accepts literal characters).
CJK_SQL_PATTERN = f"([{_CJK_CLASS}])"


def cjk_split(text: str) -> str:
    return _CJK_RE.sub(r" \1 ", text or "")


def _weighted(expr: str, weight: str) -> str:
    """SQL for the two-configuration tsvector of ``expr`` with ``weight``."""
    return (
        f"setweight(to_tsvector('english', coalesce({expr}, '')), '{weight}') || "
        f"setweight(to_tsvector('simple', regexp_replace(coalesce({expr}, ''), %(cjk)s, ' \\1 ', 'g')), '{weight}')"
    )


_AUTHORS = (
    "(SELECT string_agg(a.name, ' ') FROM papers_paperauthor pa "
    "JOIN papers_author a ON a.id = pa.author_id WHERE pa.paper_id = p.id)"
)
_KEYWORDS = (
    "(SELECT string_agg(t.name, ' ') FROM taggit_taggeditem ti JOIN taggit_tag t ON t.id = ti.tag_id "
    "JOIN django_content_type ct ON ct.id = ti.content_type_id "
    "WHERE ct.app_label = 'papers' AND ct.model = 'paper' AND ti.object_id = p.id)"
)
_VENUE = "(SELECT concat_ws(' ', v.name, v.acronym) FROM papers_venue v WHERE v.id = p.venue_id)"

# The small vector that ranks: title (A), authors and keywords (B). Stored on its own as ``title_vector`` and
# as the first part of ``search_vector`` (the full vector, for matching), computed once for both.
TITLE_VECTOR_SQL = " || ".join([_weighted("p.title", "A"), _weighted(_AUTHORS, "B"), _weighted(_KEYWORDS, "B")])
_REST_VECTOR_SQL = " || ".join([_weighted(_VENUE, "D"), _weighted("p.abstract", "C")])
# Both vectors in one statement (also used in batches by generate_bench_data, which appends a WHERE clause).
# tsvector concatenation is associative, so search_vector is exactly title || authors || keywords || venue
# || abstract, as before title_vector existed.
PAPER_VECTOR_SQL = (
    "UPDATE papers_paper p SET (title_vector, search_vector) = "
    f"(SELECT v.title, v.title || {_REST_VECTOR_SQL} FROM (SELECT {TITLE_VECTOR_SQL} AS title) AS v)"
)
SUMMARY_VECTOR_SQL = "UPDATE summaries_summary s SET search_vector = " + _weighted("s.body", "A")


def update_paper_search_vector(paper_ids=None) -> None:
    """Recompute the search vectors (``search_vector`` and ``title_vector``) of these papers (all papers when
    ``paper_ids`` is None)."""
    with connection.cursor() as cursor:
        if paper_ids is None:
            cursor.execute(PAPER_VECTOR_SQL, {"cjk": CJK_SQL_PATTERN})
        else:
            cursor.execute(
                PAPER_VECTOR_SQL + " WHERE p.id = ANY(%(ids)s)", {"cjk": CJK_SQL_PATTERN, "ids": list(paper_ids)}
            )


def update_summary_search_vector(summary_id=None) -> None:
    with connection.cursor() as cursor:
        if summary_id is None:
            cursor.execute(SUMMARY_VECTOR_SQL, {"cjk": CJK_SQL_PATTERN})
        else:
            cursor.execute(SUMMARY_VECTOR_SQL + " WHERE s.id = %(id)s", {"cjk": CJK_SQL_PATTERN, "id": summary_id})


def build_query(text: str) -> SearchQuery | None:
    """The tsquery for what a reader typed, or None when it holds nothing searchable."""
    text = (text or "").strip()[:200]
    if not re.search(r"\w", text):
        return None
    return SearchQuery(text, config="english", search_type="websearch") | SearchQuery(
        cjk_query(text), config="simple", search_type="websearch"
    )


_CJK_RUN_RE = re.compile(f"[{_CJK_CLASS}]+")


def cjk_query(text: str) -> str:
    """``text`` for a websearch query over CJK-split vectors: each run of CJK characters outside quotes
    becomes a quoted phrase, so "注意力" finds those three characters next to each other, not anywhere."""
    parts = text.split('"')
    for index in range(0, len(parts), 2):  # even parts lie outside quotes
        parts[index] = _CJK_RUN_RE.sub(lambda m: f'"{m.group(0)}"', parts[index])
    return cjk_split('"'.join(parts))


# --- Searching ------------------------------------------------------------------------------------------
#
# The search page ranks only a bounded set of candidates: at most SEARCH_CANDIDATES papers whose own vector
# matches plus at most SEARCH_CANDIDATES papers matched through a listed summary. A common word over millions
# of papers then costs two capped GIN index scans and a few thousand ts_rank calls, never a rank of every
# match. Papers with summaries come first among the paper matches (they are what readers come for).

PAGE_SIZE = 20
MAX_PAGES = 20
SEARCH_CANDIDATES = 1000
MAX_QUERY_CHARS = 200
# ts_rank normalisation: 1 divides by 1 + log(document length), 32 scales into [0, 1).
RANK_NORMALIZATION = 1 | 32

# Private-use characters mark highlights inside ts_headline output; the same characters are stripped
# from the source text first, so every marker in the output is one PostgreSQL put there.
_START, _STOP = "\ue000", "\ue001"
# Tidy-up of the CJK split done for highlighting: one space was added on each side of every CJK character.
_CJK_SPACE_BEFORE_RE = re.compile(f" ({_START}?[{_CJK_CLASS}])")
_CJK_SPACE_AFTER_RE = re.compile(f"([{_CJK_CLASS}]{_STOP}?) ")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000-\uf8ff]")


def clean_query_text(text: str) -> str:
    """What a reader typed, made safe to hand to PostgreSQL: no NUL or control characters, spaces collapsed."""
    return " ".join(_CONTROL_RE.sub(" ", text or "").split())


@dataclass(frozen=True)
class Fragment:
    """A piece of a highlighted snippet; ``hit`` pieces are shown in <mark>. Text is plain (escaped when shown)."""

    text: str
    hit: bool = False


def headline_fragments(raw: str | None, *, unescape: bool = False) -> list[Fragment]:
    """Split ts_headline output (with private-use markers) into plain-text fragments.

    Nothing here is marked safe: templates print each fragment escaped, inside <mark> when it is a hit, so
    titles, abstracts and summaries can never inject markup through a snippet. ``unescape`` decodes the
    entities of text taken from stored HTML (it is escaped again when shown).
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
        config="english",
        start_sel=_START,
        stop_sel=_STOP,
        fragment_delimiter=" … ",
        **options,
    )


def _rank(query):
    return SearchRank(F("search_vector"), query, normalization=Value(RANK_NORMALIZATION))


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


def _ranked_paper_ids(query, filters: SearchFilters, offset: int, limit: int) -> list[int]:
    """Ids of one page of matching papers, best first, in one statement.

    Three capped candidate scans, each ranking only the rows it returns (one read of each vector):
    papers whose own vector matches, the same among papers with summaries, and papers through their
    listed summaries. A paper's rank is the best of its candidates' ranks.
    """
    from papers.models import Paper
    from summaries.models import Summary

    live = Paper.objects.live().filter(filters.paper_q(), search_vector=query).order_by()
    paper_hits = live.annotate(rank=_rank(query)).values_list("pk", "rank", "summary_count")
    # Matches among papers with summaries (the partial index paper_with_summaries_idx narrows the scan), so that
    # a common word still brings up the papers readers come for.
    summarised_hits = paper_hits.filter(summary_count__gt=0)
    summary_hits = (
        Summary.objects.listed()
        .filter(filters.paper_q("paper__"), paper__merged_into__isnull=True, search_vector=query)
        .order_by()
        .annotate(rank=_rank(query))
        .values_list("paper_id", "rank", "paper__summary_count")
    )
    parts = [_sql(qs[:SEARCH_CANDIDATES]) for qs in (paper_hits, summarised_hits, summary_hits)]
    sql = (
        "SELECT paper_id FROM ("
        + " UNION ALL ".join(f"({part_sql})" for part_sql, _ in parts)
        + ") AS candidates (paper_id, rank, summary_count) "
        "GROUP BY paper_id ORDER BY max(rank) DESC, max(summary_count) DESC, paper_id DESC LIMIT %s OFFSET %s"
    )
    params = (*(param for _, part_params in parts for param in part_params), limit, offset)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def search_papers(text: str, filters: SearchFilters | None = None, page: int = 1) -> SearchPage:
    """Full-text search over papers and their listed summaries; a fixed number of queries per page.

    ``page`` is clamped to 1..MAX_PAGES. Returns an empty page when ``text`` holds nothing searchable.
    """
    from papers.models import Paper
    from summaries.models import Summary

    filters = filters or SearchFilters()
    page = min(max(page, 1), MAX_PAGES)
    query = build_query(clean_query_text(text))
    if query is None:
        return SearchPage([], page)
    ids = _ranked_paper_ids(query, filters, (page - 1) * PAGE_SIZE, PAGE_SIZE + 1)
    has_next, ids = len(ids) > PAGE_SIZE, ids[:PAGE_SIZE]
    if not ids:
        return SearchPage([], page)

    best_summary = (
        Summary.objects.listed()
        .filter(paper=OuterRef("pk"), search_vector=query)
        .annotate(rank=_rank(query))
        .order_by("-rank", "-score", "-pk")
        .values("pk")[:1]
    )
    papers = (
        Paper.objects.filter(pk__in=ids)
        .defer("search_vector", "abstract")
        .select_related("venue")
        .prefetch_related("authorships__author")
        .annotate(
            title_headline=_headline(F("title"), query, highlight_all=True),
            abstract_headline=_headline(F("abstract"), query, max_words=35, min_words=15),
            matched_summary_id=Subquery(best_summary),
        )
    )
    by_id = {paper.pk: paper for paper in papers}
    summary_ids = [p.matched_summary_id for p in by_id.values() if p.matched_summary_id]
    summary_headlines = dict(
        Summary.objects.listed()
        .filter(pk__in=summary_ids)
        .annotate(headline=_headline(_html_text(F("body_html")), query, max_words=35, min_words=15))
        .values_list("pk", "headline")
    )
    results = []
    for pk in ids:
        paper = by_id.get(pk)
        if paper is None:
            continue
        paper.title_fragments = headline_fragments(paper.title_headline)
        if paper.matched_summary_id in summary_headlines:
            paper.snippet = headline_fragments(summary_headlines[paper.matched_summary_id], unescape=True)
            paper.snippet_summary_id = paper.matched_summary_id
        else:
            paper.snippet = headline_fragments(paper.abstract_headline)
            paper.snippet_summary_id = None
        results.append(paper)
    return SearchPage(results, page, has_next=has_next and page < MAX_PAGES, capped=has_next and page >= MAX_PAGES)


def find_paper_by_identifier(identifier: Identifier):
    """The live paper an arXiv id, DOI or DBLP key names (following merges), or None."""
    from papers.models import Paper

    field = {"arxiv": "arxiv_id", "doi": "doi", "dblp": "dblp_key"}[identifier.kind]
    paper = Paper.objects.filter(**{field: identifier.value}).select_related("merged_into").first()
    if paper is not None and paper.merged_into_id:
        return paper.merged_into
    return paper


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


class SearchForm(forms.Form):
    """The search page's form. ``q`` is never invalid (odd input gets a message, not an error)."""

    q = forms.CharField(label="Search papers and summaries", required=False, strip=True)
    venue = forms.ChoiceField(label="Venue", required=False)
    year_from = forms.IntegerField(label="From year", required=False, min_value=1600, max_value=2100)
    year_to = forms.IntegerField(label="To year", required=False, min_value=1600, max_value=2100)

    VENUE_CHOICES = 50

    def __init__(self, data=None, **kwargs):
        data = data.copy() if data is not None else None
        # ?year=2017 (links from venue-year pages) is a one-year range.
        if data is not None and data.get("year") and not (data.get("year_from") or data.get("year_to")):
            data["year_from"] = data["year_to"] = data["year"]
        super().__init__(data, **kwargs)
        from papers.models import Venue

        selected = (data or {}).get("venue") or ""
        top = Venue.objects.filter(paper_count__gt=0).order_by("-summary_count", "-paper_count", "name")
        venues = Venue.objects.filter(Q(pk__in=top.values("pk")[: self.VENUE_CHOICES]) | Q(slug=selected))
        self.fields["venue"].choices = [("", "Any venue")] + [
            (v.slug, str(v)) for v in sorted(venues.only("slug", "name", "acronym"), key=lambda v: str(v).lower())
        ]

    def clean(self):
        cleaned = super().clean()
        year_from, year_to = cleaned.get("year_from"), cleaned.get("year_to")
        if year_from and year_to and year_from > year_to:
            self.add_error("year_to", "“To year” must not be before “From year”.")
        return cleaned

    @property
    def was_truncated(self) -> bool:
        return len(self.cleaned_data.get("q", "")) > MAX_QUERY_CHARS

    def filters(self) -> SearchFilters:
        return SearchFilters(
            venue=self.cleaned_data.get("venue") or "",
            year_from=self.cleaned_data.get("year_from"),
            year_to=self.cleaned_data.get("year_to"),
        )
