"""What makes a search that is not in the cache cheap at 2.5 M papers (issue 14; docs/performance.md, "Search misses
at 2.5 M"), and that it finds what it found before: the last word's prefix turned into the title words that start
with it, rows matched by the english half of the query alone when it finds every row, the ranking statement
without sequential scans, and the summaries' scan only while titles leave room."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from papers import vectors
from papers.models import Paper
from tests.factories import PaperFactory, SummaryFactory

from .test_search import get, result_titles

pytestmark = pytest.mark.django_db


def sql_of(query) -> str:
    return str(Paper.objects.filter(title_vector=query.match).query)


def test_a_prefix_that_starts_a_few_title_words_finds_them_all(client):
    for title in ["Batch Normalization", "Layer Normalisation Explained", "Normal Forms of Games", "Norm Bounds"]:
        PaperFactory(title=title)
    assert ":*" not in sql_of(vectors.site_query("batch norm"))  # norm | normalization | normal | …, exactly
    assert result_titles(get(client, q="batch norm")) == ["Batch Normalization"]
    assert sorted(result_titles(get(client, q="norm"))) == [
        "Batch Normalization",
        "Layer Normalisation Explained",
        "Norm Bounds",
        "Normal Forms of Games",
    ]


def test_a_prefix_no_title_word_starts_still_finds_names_and_abstracts(client):
    # An author's first name typed in part: no title holds it, so it stays a prefix of the whole vector.
    PaperFactory(title="A Fast Learning Algorithm for Deep Belief Nets", author_names=["Geoffrey Hinton"])
    PaperFactory(title="Unrelated", abstract="We discuss hyperparameterisation at length.")
    assert result_titles(get(client, q="hinton geof")) == ["A Fast Learning Algorithm for Deep Belief Nets"]
    assert result_titles(get(client, q="hyperparam")) == ["Unrelated"]


def test_a_prefix_that_starts_many_title_words_stays_a_prefix(client):
    words = [f"quorum{chr(ord('a') + i)}x" for i in range(vectors.PREFIX_WORDS + 2)]
    for word in words[: vectors.PREFIX_WORDS]:
        PaperFactory(title=f"Consensus by {word}")
    assert ":*" not in sql_of(vectors.site_query("consensus quorum"))
    for word in words[vectors.PREFIX_WORDS :]:
        PaperFactory(title=f"Consensus by {word}")
    assert ":*" in sql_of(vectors.site_query("consensus quorum"))
    assert len(result_titles(get(client, q="consensus quorum"))) == len(words)


@pytest.mark.parametrize(
    "text",
    ["networks", "deep networks", "graph neural", "learning to rank", "the transformer", "attention is all you need"],
)
def test_the_english_half_alone_matches_exactly_the_rows_both_halves_match(text):
    for title in [
        "Graph Neural Networks",
        "Deep Residual Networks",
        "Learning to Rank Documents",
        "The Transformer, Explained",
        "Attention Is All You Need",
        "A Network of Networks",
        "Ranking Networks Deeply",
    ]:
        PaperFactory(title=title)
    query = vectors.site_query(text)
    matched = set(Paper.objects.filter(title_vector=query.match).values_list("pk", flat=True))
    both = set(Paper.objects.filter(title_vector=query.rank).values_list("pk", flat=True))
    assert matched == both and matched
    if text in ("the transformer", "attention is all you need"):  # stop words: the english half alone would lose them
        assert query.match is query.rank


def test_the_scans_through_summaries_are_planned_as_bitmaps_and_the_settings_are_restored():
    def settings(cursor):
        values = []
        for name in ("enable_seqscan", "enable_indexscan", "enable_bitmapscan"):
            cursor.execute(f"SHOW {name}")
            values.append(cursor.fetchone()[0])
        return values

    with vectors.bitmap_scans_only() as cursor:
        assert settings(cursor) == ["off", "off", "on"]
    with connection.cursor() as cursor:
        assert settings(cursor) == ["on", "on", "on"]


def test_a_summary_only_match_is_found_while_titles_leave_room(client):
    SummaryFactory(paper__title="Unrelated Title", body="A note on the wombat estimator.")
    PaperFactory(title="Wombat Estimators Revisited")
    found = sorted(result_titles(get(client, q="wombat estimator")))
    assert found == ["Unrelated Title", "Wombat Estimators Revisited"]


# --- Repeated words and the sample of titles (papers.models.TITLE_SAMPLE) -----------------------------------------


@pytest.mark.parametrize(
    ("typed", "searched"),
    [
        ("Kernels kernels", "kernels"),
        ("graph kernels graph", "kernels graph"),  # the last word stays last: it is the one matched as a prefix
        ("graph kernels", "graph kernels"),
        ('"graph graph"', '"graph graph"'),  # a phrase, an exclusion or "or" is left as typed
        ("graph -graph graph", "graph -graph graph"),
        ("graph or graph", "graph or graph"),
    ],
)
def test_a_plain_word_typed_twice_is_searched_once(typed, searched):
    from discovery.search import normalize_query

    assert normalize_query(typed) == searched


def test_a_repeated_word_finds_what_the_word_finds(client):
    PaperFactory(title="Kernels on Graphs")
    PaperFactory(title="Unrelated")
    assert result_titles(get(client, q="kernels kernels")) == ["Kernels on Graphs"]


def _title_candidates(text: str) -> set[int]:
    from discovery.search import SearchFilters, _ranked_paper_ids

    return set(_ranked_paper_ids(vectors.site_query(text), SearchFilters(), 0, 1000))


def test_two_words_are_looked_for_in_the_sample_first_and_in_every_title_only_when_it_leaves_room(monkeypatch):
    import discovery.search as search_module
    from papers.models import TITLE_SAMPLE

    papers = [PaperFactory(title=f"Graph Kernels, part {n}") for n in range(3 * TITLE_SAMPLE)]
    sampled = {paper.pk for paper in papers if paper.pk % TITLE_SAMPLE == 0}
    summarised = SummaryFactory(paper=next(p for p in papers if p.pk % TITLE_SAMPLE)).paper_id
    assert len(sampled) >= 2
    every = {paper.pk for paper in papers}

    # The sample fills the cap: the other titles are not read; papers with summaries still are.
    monkeypatch.setattr(search_module, "SEARCH_CANDIDATES", 2)
    found = _title_candidates("graph kernels")
    assert found <= sampled | {summarised} and summarised in found and len(found & sampled) == 2
    # One word intersects nothing: no sample, every title as before.
    assert not vectors.site_query("kernels").intersects
    assert len(_title_candidates("kernels") - sampled - {summarised}) >= 1

    # The sample leaves room: the other titles make up the cap, and no more are read.
    monkeypatch.setattr(search_module, "SEARCH_CANDIDATES", len(sampled) + 2)
    found = _title_candidates("graph kernels")
    assert sampled < found and len(found - {summarised}) <= len(sampled) + 2
    with CaptureQueriesContext(connection) as queries:
        _title_candidates("graph kernels")
    statement = next(query["sql"] for query in queries.captured_queries if "UNION ALL" in query["sql"])
    assert f"LIMIT {len(sampled) + 2} - (SELECT count(*) FROM t_sample)" in statement
    # Room for every title: every title is read.
    monkeypatch.setattr(search_module, "SEARCH_CANDIDATES", len(every) + 1)
    assert _title_candidates("graph kernels") == every

    # Papers with summaries are sampled the same way.
    for pk in sorted(sampled)[:2]:
        SummaryFactory(paper_id=pk)
    monkeypatch.setattr(search_module, "SEARCH_CANDIDATES", 2)
    assert summarised not in _title_candidates("graph kernels")
    # For one word too; its titles are not sampled.
    with CaptureQueriesContext(connection) as queries:
        _title_candidates("kernels")
    statement = next(query["sql"] for query in queries.captured_queries if "UNION ALL" in query["sql"])
    assert "u_sample AS MATERIALIZED" in statement and "t_sample" not in statement


def test_the_sample_condition_is_the_index_condition_word_for_word():
    """PostgreSQL uses a partial index only when it can prove the query's condition implies the index's."""
    from papers.models import in_title_sample

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'paper_title_sample_idx'")
        (definition,) = cursor.fetchone()
        # Leave PostgreSQL no other way than the sample's index, if it can prove the condition (else a sequential
        # scan, however disabled); the test's transaction is rolled back, the index dropped here with it.
        cursor.execute("DROP INDEX paper_title_search_idx")
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off")
        papers = Paper.objects.filter(in_title_sample(), title_vector="graph").order_by().values("pk")
        sql, params = papers.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "mod(id, (8)::bigint) = 0" in definition.lower()
    assert "paper_title_sample_idx" in plan


@pytest.mark.parametrize("text", ["graph kern", '"graph kernels" -deep', "graph or kernels", "注意力 graph"])
def test_a_compiled_query_is_the_same_sql_as_its_tree(text):
    from django.contrib.postgres.search import SearchRank
    from django.db.models import F

    tree = vectors.build_query(text)
    compiled = vectors.CompiledQuery(tree)

    def sql(query):
        papers = Paper.objects.filter(title_vector=query).annotate(rank=SearchRank(F("title_vector"), query))
        return papers.order_by("-rank").values("pk").query.sql_with_params()

    assert sql(compiled) == sql(tree)


@pytest.mark.parametrize("intersects", [True, False])
def test_a_statement_compiled_once_per_shape_is_what_django_would_build_for_each_query(monkeypatch, intersects):
    import discovery.search as search_module
    from discovery.search import SearchFilters, _statement, _text_statement, _title_statement

    monkeypatch.setattr(search_module, "_statements", {})
    filters = SearchFilters(venue="neurips", year_from=2019)
    # Same shape (two plain words, no title word starts with the last), different words.
    texts = ["wombat zyzzyva", "pangolin quokka"] if intersects else ["wombat", "pangolin"]
    for build in (_title_statement, _text_statement):
        for text in texts:
            query = vectors.site_query(text)
            assert query.intersects is intersects
            assert _statement(build, query, filters, None) == build(query, filters, None)
    assert len(search_module._statements) == 2  # one shape per statement, whatever the words


def test_a_search_excluding_a_word_is_built_afresh(client, monkeypatch):
    import discovery.search as search_module

    monkeypatch.setattr(search_module, "_statements", {})
    PaperFactory(title="Graph Kernels")
    PaperFactory(title="Spectral Graph Kernels")
    assert result_titles(get(client, q="graph kernels -spectral")) == ["Graph Kernels"]
    assert result_titles(get(client, q="kernels -spectral")) == ["Graph Kernels"]
    assert not [key for key in search_module._statements if key[0] in ("_title_statement", "_text_statement")]


def test_a_statement_that_holds_a_date_is_built_every_time(monkeypatch):
    import datetime

    import discovery.search as search_module
    from discovery.search import SearchFilters, _statement

    monkeypatch.setattr(search_module, "_statements", {})
    today = datetime.date(2026, 12, 7)

    def dated(query, filters, excluded, ids=None):
        return "SELECT %s, %s", (*query.match.params, today)

    query = vectors.site_query("wombat")
    assert _statement(dated, query, SearchFilters(), None) == ("SELECT %s, %s", (*query.match.params, today))
    assert not search_module._statements
