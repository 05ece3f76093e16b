"""What makes a search that is not in the cache cheap at 2.5 M papers (issue 14; docs/performance.md, "Search misses
at 2.5 M"), and that it finds what it found before: the last word's prefix turned into the title words that start
with it, rows matched by the english half of the query alone when it finds every row, the ranking statement
without sequential scans, and the summaries' scan only while titles leave room."""

import pytest
from django.db import connection

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
