"""Full-text search vectors of papers and the tsquery that matches them (PostgreSQL).

Each text is indexed twice: with the ``english_unaccent`` configuration (stemming, so
"networks" finds "network") and with ``simple_unaccent`` (exact words in any language); both fold
accents (migration papers/0006), so "lukasz" finds "Łukasz" and "Łukasz" finds "Lukasz".
Chinese, Japanese and Korean have no spaces between words, so CJK characters are
split into single-character tokens both when indexing and when querying: a word
from a Chinese summary is then found as the sequence of its characters.

The site search that ranks and caches results is ``discovery.search``; the summary's vector is
``summaries.vectors``; both build on what is here.
"""

from __future__ import annotations

import copy
import re
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchQueryField
from django.db import connection, transaction
from django.db.models import Func
from django.utils.functional import cached_property
from django.utils.hashable import make_hashable

from shortscience.lib import versions

# Han, Hiragana/Katakana, Hangul and CJK compatibility ideographs.
CJK_CLASS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
CJK_RE = re.compile(f"([{CJK_CLASS}])")
# The same pattern for PostgreSQL's regexp_replace (ARE syntax accepts literal characters).
CJK_SQL_PATTERN = f"([{CJK_CLASS}])"


def cjk_split(text: str) -> str:
    return CJK_RE.sub(r" \1 ", text or "")


# Text search configurations of the stored vectors and of every query: ``english`` and ``simple`` with
# ``unaccent`` before the dictionary (migration papers/0006).
ENGLISH = "english_unaccent"
SIMPLE = "simple_unaccent"


def weighted_vector(expr: str, weight: str) -> str:
    """SQL for the two-configuration tsvector of ``expr`` with ``weight``."""
    return (
        f"setweight(to_tsvector('{ENGLISH}', coalesce({expr}, '')), '{weight}') || "
        f"setweight(to_tsvector('{SIMPLE}', regexp_replace(coalesce({expr}, ''), %(cjk)s, ' \\1 ', 'g')), "
        f"'{weight}')"
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


def paper_vector_parts(title: str, authors: str, keywords: str, venue: str, abstract: str) -> tuple[str, str]:
    """SQL for a paper's two vector parts from SQL expressions of its texts: the title vector (title A, authors
    and keywords B) and the rest (venue D, abstract C); ``search_vector`` is their concatenation. Used here on
    stored rows and by the arXiv bulk upsert (``papers.arxiv.ingest``) on rows it is inserting, so both agree."""
    title_sql = " || ".join(
        [weighted_vector(title, "A"), weighted_vector(authors, "B"), weighted_vector(keywords, "B")]
    )
    rest_sql = " || ".join([weighted_vector(venue, "D"), weighted_vector(abstract, "C")])
    return title_sql, rest_sql


# The small vector that ranks: title (A), authors and keywords (B). Stored on its own as ``title_vector`` and
# as the first part of ``search_vector`` (the full vector, for matching), computed once for both.
TITLE_VECTOR_SQL, _REST_VECTOR_SQL = paper_vector_parts("p.title", _AUTHORS, _KEYWORDS, _VENUE, "p.abstract")
# Both vectors in one statement (also used in batches by generate_bench_data, which appends a WHERE clause).
# tsvector concatenation is associative, so search_vector is exactly title || authors || keywords || venue
# || abstract, as before title_vector existed.
PAPER_VECTOR_SQL = (
    "UPDATE papers_paper p SET (title_vector, search_vector) = "
    f"(SELECT v.title, v.title || {_REST_VECTOR_SQL} FROM (SELECT {TITLE_VECTOR_SQL} AS title) AS v)"
)
# The words of papers' titles, for "Did you mean" (``suggest``); ``{where}`` picks the papers (``p``). Sorted so
# that two transactions adding the same new words insert them in the same order (no deadlock).
TITLE_WORDS_SQL = (
    "INSERT INTO papers_titleword (word) SELECT DISTINCT w.word FROM papers_paper p, "
    "regexp_split_to_table(lower(p.title), '[^[:alnum:]]+') AS w (word) "
    "WHERE length(w.word) BETWEEN 3 AND 40 AND w.word !~ '^[0-9]+$' AND ({where}) ORDER BY 1 ON CONFLICT DO NOTHING"
)


def search_results_changed() -> None:
    """Cached result pages may now miss a match: make every later search compute afresh (the site search keys
    its cache by this stamp, ``discovery.search``). Runs after the transaction commits; before, a search would
    cache results without the change under the new stamp."""
    versions.bump(versions.SEARCH)


def update_paper_search_vector(paper_ids=None) -> None:
    """Recompute the search vectors (``search_vector`` and ``title_vector``) of these papers (all papers when
    ``paper_ids`` is None)."""
    with connection.cursor() as cursor:
        if paper_ids is None:
            cursor.execute(PAPER_VECTOR_SQL, {"cjk": CJK_SQL_PATTERN})
            cursor.execute(TITLE_WORDS_SQL.format(where="TRUE"))
        else:
            params = {"cjk": CJK_SQL_PATTERN, "ids": list(paper_ids)}
            cursor.execute(PAPER_VECTOR_SQL + " WHERE p.id = ANY(%(ids)s)", params)
            cursor.execute(TITLE_WORDS_SQL.format(where="p.id = ANY(%(ids)s)"), params)
    search_results_changed()


# The last word of a query also matches the start of a longer word ("batch norm" finds "Batch
# Normalization"), from this many characters on: a shorter prefix expands to a large part of the index.
PREFIX_MIN_CHARS = 3
_LAST_WORD_RE = re.compile(r"(?:^|\s)(\w+)$")


def _split_prefix(text: str) -> tuple[str, str | None]:
    """``text`` without its last word, and that word when it should match as a prefix; else (text, None).

    Only a plain last word: not inside quotes (a phrase is exact), not excluded ("-word"), not "or", not
    CJK (CJK words are matched as runs of characters), and not after "or" (it would turn OR into AND)."""
    if text.count('"') % 2:
        return text, None
    match = _LAST_WORD_RE.search(text)
    if match is None:
        return text, None
    word, head = match.group(1), text[: match.start(1)]
    previous = head.split()[-1:] or [""]
    if (
        len(word) < PREFIX_MIN_CHARS
        or word.lower() == "or"
        or previous[0].lower() == "or"
        or CJK_RE.search(word)
        or word.isdigit()
    ):
        return text, None
    return head, word


def _english(text: str, prefix: str | None, words: list[str] | None) -> SearchQuery:
    query = SearchQuery(text, config=ENGLISH, search_type="websearch")
    if prefix is not None and words:
        # The words that start with the prefix, as alternatives (each stemmed by the english configuration).
        alternatives = " or ".join(dict.fromkeys([prefix.lower(), *words]))
        query &= SearchQuery(alternatives, config=ENGLISH, search_type="websearch")
    elif prefix is not None:
        # ``prefix`` is made of word characters only, so quoting it is safe in tsquery syntax.
        query &= SearchQuery(f"'{prefix}':*", config=ENGLISH, search_type="raw")
    return query


def _simple(text: str, prefix: str | None, words: list[str] | None) -> SearchQuery:
    query = SearchQuery(cjk_query(text), config=SIMPLE, search_type="websearch")
    if prefix is not None and words:
        alternatives = " or ".join(dict.fromkeys([prefix.lower(), *words]))
        query &= SearchQuery(cjk_query(alternatives), config=SIMPLE, search_type="websearch")
    elif prefix is not None:
        query &= SearchQuery(f"'{prefix}':*", config=SIMPLE, search_type="raw")
    return query


def _both_configurations(text: str, prefix: str | None = None, words: list[str] | None = None) -> SearchQuery:
    return _english(text, prefix, words) | _simple(text, prefix, words)


def build_query(text: str) -> SearchQuery | None:
    """The tsquery for what a reader typed, or None when it holds nothing searchable.

    The syntax is ``websearch_to_tsquery``'s ("a phrase", -excluded, or), in both configurations, with the
    last word also matching as a prefix (see ``_split_prefix``)."""
    text = (text or "").strip()[:200]
    if not re.search(r"\w", text):
        return None
    return _both_configurations(*_split_prefix(text))


# --- The site search's two queries -------------------------------------------------------------------------------
#
# Two costs of the query above, measured over 2.5 million titles and a million summaries of common words
# (docs/performance.md, "Search misses at 2.5 M"):
#
# - To PostgreSQL a prefix (``'object':*``) is a walk of every index entry that starts with it and a bitmap of all
#   their rows before anything is intersected: a prefix of common words (object, objects, objective, objectives,
#   in both configurations) took 100–180 ms, against 16–23 ms for the same words matched exactly. So when the
#   titles hold at most PREFIX_WORDS words that start with the last word (``TitleWord``, an index range scan),
#   the prefix becomes those words, matched exactly; a prefix no title word starts with (a name, a word of
#   abstracts only) or one that starts more words stays a prefix.
# - Each configuration is a posting-list intersection of its own. For plain words that the english configuration
#   keeps (no stop word, no phrase, exclusion or "or", ASCII), the english half matches every row the simple half
#   does (a row holding a word holds its stem too), so the rows are found with the english half alone (12 → 8 ms
#   for titles, 17 → 12 ms for summaries); ranks and highlights still use both halves, so results are the same.

PREFIX_WORDS = 16
_PLAIN_QUERY_RE = re.compile(r"[a-z0-9]+(?: [a-z0-9]+)*")


@dataclass(frozen=True)
class SiteQuery:
    """What the site search matches rows with (``match``) and ranks and highlights them with (``rank``)."""

    match: SearchQuery
    rank: SearchQuery
    # Two or more words or phrases that must all match (no "or"): matching them intersects posting lists.
    intersects: bool = False


@dataclass(frozen=True)
class Slot:
    """Where a query's ``index``-th parameter goes in a statement compiled once for many queries."""

    name: str
    index: int


class CompiledQuery(SearchQuery):
    """``query`` compiled to SQL once, then used as is wherever it goes (filters, ranks, highlights).

    A query is a tree of ``websearch_to_tsquery`` calls (2–8 of them: both configurations, the prefix's words), and
    Django copies, resolves, hashes and compiles every node of it in every annotation and filter that names it:
    5–6 ms of Python in a search of the digest's notes (a filter, a rank and a headline) and a third of a search
    miss's (docs/performance.md). The SQL is the same, byte for byte."""

    def __init__(self, query: SearchQuery):
        from django.db.models.sql import Query

        sql_query = Query(None)
        compiler = sql_query.get_compiler(connection=connection)
        sql, params = compiler.compile(query.resolve_expression(sql_query))
        Func.__init__(self, output_field=SearchQueryField())
        self.config, self.invert, self.sql, self.params = None, False, sql, tuple(params)

    @cached_property
    def identity(self):
        return (self.__class__, self.sql, make_hashable(self.params))

    def slotted(self, name: str) -> CompiledQuery:
        """The same SQL with a ``Slot(name, i)`` for its i-th parameter (see ``discovery.search._statement``)."""
        clone = copy.copy(self)
        clone.__dict__.pop("identity", None)
        clone.params = tuple(Slot(name, index) for index in range(len(self.params)))
        return clone

    def resolve_expression(self, *args, **kwargs):
        return self

    def as_sql(self, compiler, connection, *args, **kwargs):
        return self.sql, list(self.params)


def site_query(text: str) -> SiteQuery | None:
    """``build_query(text)`` as the site search runs it (see above): one query of the vocabulary, none when the
    text has neither a prefix nor plain words. None when ``text`` holds nothing searchable."""
    text = (text or "").strip()[:200]
    if not re.search(r"\w", text):
        return None
    head, prefix = _split_prefix(text)
    plain = bool(_PLAIN_QUERY_RE.fullmatch(text)) and "or" not in text.split()
    words, english_keeps_every_word = None, False
    if prefix is not None or plain:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT ARRAY(SELECT word FROM papers_titleword WHERE word LIKE %s LIMIT %s),"
                f" numnode(plainto_tsquery('{ENGLISH}', %s)) = numnode(plainto_tsquery('{SIMPLE}', %s))",
                # (Without a prefix the pattern matches no word: only the second column is wanted.)
                [_like_prefix(prefix) if prefix else "", PREFIX_WORDS + 1, text, text],
            )
            found, english_keeps_every_word = cursor.fetchone()
        if prefix is not None and len(found) <= PREFIX_WORDS:
            words = found
    rank = _both_configurations(head, prefix, words)
    terms = [token.lower() for token, excluded in query_tokens(text) if not excluded]
    intersects = len(terms) > 1 and "or" not in terms
    # (A prefix left as a prefix keeps both halves: an english stem need not start a word as the word does.)
    if plain and english_keeps_every_word and (prefix is None or words) and all(w.isascii() for w in words or ()):
        return SiteQuery(
            match=CompiledQuery(_english(head, prefix, words)), rank=CompiledQuery(rank), intersects=intersects
        )
    rank = CompiledQuery(rank)
    return SiteQuery(match=rank, rank=rank, intersects=intersects)


@contextmanager
def bitmap_scans_only():
    """A cursor whose statements are planned with sequential and plain index scans off, in a transaction of their
    own (or the caller's, where the settings are restored after): tables are read through bitmaps of index
    matches only.

    For capped full-text scans of words that are rare where they are looked for (the site search's scans through
    summaries and full vectors): PostgreSQL may judge a walk of the table, or of some other index, cheaper when it
    expects many matches and a LIMIT, but each row tested costs a TOAST read of a vector, and when the guess is
    wrong the walk reads everything: a query matching nothing took 3.6 s at 2.5 M papers (the listed summaries'
    index walked to the end), 1.5 ms as a bitmap of the GIN index. A bitmap costs what its matches cost, whatever
    the guess."""
    settings = ("enable_seqscan", "enable_indexscan")
    if connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("; ".join(f"SET LOCAL {name} = off" for name in settings))
            yield cursor
            # (Not after an error: the transaction is aborted.)
            cursor.execute("; ".join(f"SET LOCAL {name} = on" for name in settings))
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("; ".join(f"SET LOCAL {name} = off" for name in settings))
        yield cursor


def _like_prefix(prefix: str) -> str:
    return prefix.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


_TOKEN_RE = re.compile(r'-?"[^"]*"?|\S+')


def query_tokens(text: str) -> list[tuple[str, bool]]:
    """The query's words and quoted phrases, each with whether it is excluded (``-word``, ``-"a phrase"``)."""
    return [(token, token.startswith("-") and len(token) > 1) for token in _TOKEN_RE.findall(text or "")]


def excluded_query(text: str) -> SearchQuery | None:
    """A tsquery matching any word or phrase the reader excluded, or None.

    ``build_query`` excludes them per vector: a paper matched by its title (``title_vector``) or through a
    summary would still be shown when only its abstract, or its own title, holds an excluded word. The
    search therefore also drops every candidate whose full vector matches this query."""
    excluded = [token[1:] for token, negated in query_tokens((text or "").strip()[:200]) if negated]
    excluded = [term for term in excluded if re.search(r"\w", term)]
    if not excluded:
        return None
    return _both_configurations(" or ".join(excluded))


_CJK_RUN_RE = re.compile(f"[{CJK_CLASS}]+")


def cjk_query(text: str) -> str:
    """``text`` for a websearch query over CJK-split vectors: each run of CJK characters outside quotes
    becomes a quoted phrase, so "注意力" finds those three characters next to each other, not anywhere."""
    parts = text.split('"')
    for index in range(0, len(parts), 2):  # even parts lie outside quotes
        parts[index] = _CJK_RUN_RE.sub(lambda m: f'"{m.group(0)}"', parts[index])
    return cjk_split('"'.join(parts))


# The search page shows at most MAX_PAGES pages of PAGE_SIZE results (discovery.search).
PAGE_SIZE = 20
MAX_PAGES = 20

# Enough candidates per scan to fill every page we ever show (MAX_PAGES × PAGE_SIZE) and to know that more
# exist. Past the cap a scan's rows are arbitrary (table or index order, not rank), so a larger cap improves
# the first pages little but costs a row test and a ts_rank per row: measured on 250,000 papers, the first
# page with 401 candidates scores 91–97 % of what ranking every match would give, as the former 1,000 did
# (docs/performance.md, finding 3). Also caps the admin searches' matches (moderation/admin_papers.py,
# moderation/admin_summaries.py).
SEARCH_CANDIDATES = MAX_PAGES * PAGE_SIZE + 1

# Control characters, and the private-use characters the search's highlighter uses as markers.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000-\uf8ff]")


def clean_query_text(text: str) -> str:
    """What a reader typed, made safe to hand to PostgreSQL: no NUL or control characters, spaces collapsed."""
    return " ".join(_CONTROL_RE.sub(" ", text or "").split())


def without_repeated_words(text: str) -> str:
    """A query of plain words (lower-case, no "or", no quotes or signs) with each word once, in the order of their
    last occurrence (the last word, matched as a prefix, stays last): "kernels kernels" finds what "kernels" does.

    Not only tidier: PostgreSQL estimates the matches of ``kernel & kernel`` as if the two were independent words,
    the square of one word's share, and planned a bitmap of every title holding "kernel" (75 ms at 2.5 M papers)
    where the word alone is a walk that stops at the cap (docs/performance.md)."""
    words = text.split()
    if not _PLAIN_QUERY_RE.fullmatch(text) or "or" in words or len(set(words)) == len(words):
        return text
    return " ".join(reversed(dict.fromkeys(reversed(words))))
