import re
from io import StringIO
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from discovery import search as search_module
from discovery import views as discovery_views
from discovery.search import Fragment, headline_fragments, search_papers, searchable_text
from moderation.merging import merge
from papers import vectors
from papers.models import Paper, TitleWord
from papers.vectors import build_query
from summaries.models import Summary, Vote
from tests.conftest import h1_count
from tests.factories import UNLISTED_STATES, PaperFactory, SummaryFactory, UserFactory, VenueFactory, unlisted_summary

pytestmark = pytest.mark.django_db

URL = "/search/"


def get(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def result_titles(html: str) -> list[str]:
    titles = re.findall(r'<h2 class="result-title"><a href="[^"]*">(.*?)</a></h2>', html, re.S)
    return [re.sub(r"</?mark>", "", title) for title in titles]


# --- Finding things ----------------------------------------------------------------------------------


def test_a_word_from_the_title_finds_the_paper_with_the_word_highlighted(client):
    PaperFactory(title="Attention Is All You Need")
    PaperFactory(title="Deep Residual Learning")
    html = get(client, q="attention")
    assert result_titles(html) == ["Attention Is All You Need"]
    assert "<mark>Attention</mark> Is All You Need" in html


def test_english_words_are_stemmed(client):
    PaperFactory(title="Convolutional Network Pruning")
    assert result_titles(get(client, q="networks")) == ["Convolutional Network Pruning"]


def test_an_author_name_finds_the_paper(client):
    PaperFactory(title="Deep Residual Learning", author_names=["Kaiming He", "Xiangyu Zhang"])
    assert result_titles(get(client, q="Xiangyu")) == ["Deep Residual Learning"]


def test_a_word_of_the_abstract_finds_the_paper_with_a_highlighted_snippet(client):
    PaperFactory(title="Some Title", abstract="We introduce the zebrafish benchmark for vision.")
    html = get(client, q="zebrafish")
    assert result_titles(html) == ["Some Title"]
    assert re.search(r'<p class="snippet">[^<]*<mark>zebrafish</mark> benchmark for vision', html)


def test_a_word_of_a_listed_summary_finds_its_paper_and_links_the_summary(client):
    summary = SummaryFactory(paper__title="Unrelated Title", body="The key trick is **quokka** normalisation.")
    html = get(client, q="quokka")
    assert result_titles(html) == ["Unrelated Title"]
    assert "From a summary:" in html
    assert "<mark>quokka</mark>" in html
    assert reverse("discovery:summary", args=[summary.pk]) in html


def test_title_matches_rank_above_abstract_matches(client):
    PaperFactory(title="Background Reading", abstract="A note that mentions transformers once.")
    PaperFactory(title="Transformers for Vision", abstract="Images as sequences.")
    assert result_titles(get(client, q="transformers")) == ["Transformers for Vision", "Background Reading"]


def test_a_chinese_summary_is_found_by_a_chinese_word(client):
    SummaryFactory(paper__title="Attention Is All You Need", body="Transformer 完全依靠注意力机制，不再使用循环网络。")
    html = get(client, q="注意力")
    assert result_titles(html) == ["Attention Is All You Need"]
    assert "<mark>注意力</mark>" in html
    assert "完全依靠<mark>注意力</mark>机制" in html


def test_japanese_and_korean_summaries_are_found_by_a_word(client):
    SummaryFactory(paper__title="Japanese Paper", body="この論文は強化学習の新しい手法を提案する。")
    SummaryFactory(paper__title="Korean Paper", body="이 논문은 주의 메커니즘을 사용한다.")
    assert result_titles(get(client, q="強化学習")) == ["Japanese Paper"]
    assert result_titles(get(client, q="메커니즘")) == ["Korean Paper"]


def test_a_chinese_word_matches_its_characters_side_by_side_not_scattered(client):
    SummaryFactory(paper__title="Adjacent", body="模型使用注意力机制。")
    SummaryFactory(paper__title="Scattered", body="力量的注视与意见。")
    assert result_titles(get(client, q="注意力")) == ["Adjacent"]
    assert result_titles(get(client, q="注意力 机制")) == ["Adjacent"]


def test_a_chinese_title_is_found_by_a_word_from_it(client):
    PaperFactory(title="基于深度学习的图像识别方法")
    assert result_titles(get(client, q="图像识别")) == ["基于深度学习的图像识别方法"]


def test_a_russian_title_is_found_by_one_word(client):
    PaperFactory(title="Нейронные сети для распознавания речи")
    PaperFactory(title="Something else")
    html = get(client, q="распознавания")
    assert result_titles(html) == ["Нейронные сети для распознавания речи"]
    assert "<mark>распознавания</mark>" in html


@pytest.mark.parametrize("word", ["Lösungen", "lösungen", "Über"])
def test_german_titles_are_found_by_accented_words(client, word):
    PaperFactory(title="Über numerische Lösungen partieller Differentialgleichungen")
    assert result_titles(get(client, q=word)) == ["Über numerische Lösungen partieller Differentialgleichungen"]


def test_a_french_accented_word_finds_the_paper(client):
    PaperFactory(title="Réseaux de neurones et apprentissage régularisé")
    assert result_titles(get(client, q="régularisé")) == ["Réseaux de neurones et apprentissage régularisé"]


def test_a_phrase_in_quotes_must_appear_in_order(client):
    PaperFactory(title="Learning to Rank Documents")
    PaperFactory(title="Documents to Learning Rank")
    assert result_titles(get(client, q='"learning to rank"')) == ["Learning to Rank Documents"]


def test_an_excluded_word_removes_papers(client):
    PaperFactory(title="Graph Neural Networks")
    PaperFactory(title="Graph Kernels")
    assert result_titles(get(client, q="graph -kernels")) == ["Graph Neural Networks"]


# --- Typos, partial words, accents, exclusions ---------------------------------------------------------

TRANSFORMER = "Attention Is All You Need"
BATCH_NORM = "Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift"
ALEXNET = "ImageNet Classification with Deep Convolutional Neural Networks"


@pytest.fixture
def classics(db):
    PaperFactory(
        title=TRANSFORMER,
        abstract="We propose a new simple network architecture, the Transformer, based solely on attention.",
        author_names=["Ashish Vaswani", "Noam Shazeer", "Łukasz Kaiser", "Illia Polosukhin"],
    )
    PaperFactory(title=BATCH_NORM, abstract="Training deep networks is complicated by covariate shift.")
    PaperFactory(title=ALEXNET, abstract="We trained a large, deep convolutional neural network.")
    PaperFactory(title="Deep Residual Learning for Image Recognition", abstract="Residual networks are easier.")


def suggestion(html: str) -> str | None:
    """The query a "Did you mean" link searches for, or None."""
    match = re.search(r'<p class="did-you-mean"[^>]*>Did you mean <a href="([^"]*)"', html)
    if match is None:
        return None
    return parse_qs(urlparse(match.group(1).replace("&amp;", "&")).query)["q"][0]


def test_the_last_word_is_matched_as_the_start_of_a_word(client, classics):
    assert result_titles(get(client, q="batch norm")) == [BATCH_NORM]
    assert result_titles(get(client, q="residu")) == ["Deep Residual Learning for Image Recognition"]


def test_only_the_last_word_is_a_prefix_and_not_inside_quotes_or_an_exclusion(client, classics):
    assert result_titles(get(client, q="norm batch")) == []
    assert result_titles(get(client, q='"batch norm"')) == []
    assert ALEXNET in result_titles(get(client, q="deep -norm"))
    assert BATCH_NORM in result_titles(get(client, q="deep -norm"))  # -norm excludes the word "norm" only


def test_a_name_typed_without_its_accents_finds_the_author(client, classics):
    assert result_titles(get(client, q="lukasz kaiser")) == [TRANSFORMER]
    assert result_titles(get(client, q="Łukasz")) == [TRANSFORMER]


def test_accents_are_ignored_both_ways_in_titles_and_summaries(client):
    PaperFactory(title="Réseaux de neurones et apprentissage régularisé")
    SummaryFactory(paper__title="Unrelated Title", body="A note on the naive Bayes classifier.")
    assert result_titles(get(client, q="regularise")) == ["Réseaux de neurones et apprentissage régularisé"]
    assert result_titles(get(client, q="reseaux")) == ["Réseaux de neurones et apprentissage régularisé"]
    assert result_titles(get(client, q="naïve bayes")) == ["Unrelated Title"]


@pytest.mark.parametrize(
    "typed, corrected, title",
    [
        ("atention is all you ned", "attention is all you need", TRANSFORMER),
        ("convolutinal neural netwrks", "convolutional neural networks", ALEXNET),
    ],
)
def test_a_misspelt_query_suggests_the_words_of_a_close_title_and_the_suggestion_finds_it(
    client, classics, typed, corrected, title
):
    html = get(client, q=typed)
    assert result_titles(html) == []
    assert suggestion(html) == corrected
    assert title in result_titles(get(client, q=corrected))


def test_the_suggestion_keeps_exclusions_phrases_and_filters(client, classics):
    html = get(client, q='convolutinal "neural" -resnet', year_from=2019)
    assert suggestion(html) == 'convolutional "neural" -resnet'
    assert "year_from=2019" in re.search(r'class="did-you-mean".*?</p>', html, re.S).group(0)


def test_no_suggestion_when_the_query_finds_enough_or_nothing_is_close(client, classics):
    make_matching_papers(6, word="pangolin")
    assert suggestion(get(client, q="pangolin")) is None
    assert suggestion(get(client, q="qwertyuiop zxcvbnm")) is None


def test_the_did_you_mean_path_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    PaperFactory(title=ALEXNET)
    # The vocabulary look-up, the title scans, the scans through summaries and full vectors (few titles match)
    # with their SET LOCAL before and after (only before in production: there they have a transaction of their
    # own), the page's papers, "Did you mean", the digest's notes.
    with django_assert_max_num_queries(8):
        html = get(client, q="convolutinal neural netwrks deep imagenet clasification")
    assert suggestion(html) == "convolutional neural networks deep imagenet classification"
    for i in range(30):
        PaperFactory(title=f"Convolutional Networks Study {i} of Neural Classification")
    cache.clear()
    with django_assert_max_num_queries(8):
        get(client, q="convolutinal neural netwrks deep imagenet clasification")


def test_title_words_are_collected_for_suggestions_when_a_title_changes():
    paper = PaperFactory(title="Okapi Field Notes")
    paper.title = "Capybara Field Notes, 2nd edition"
    paper.save()
    words = set(TitleWord.objects.values_list("word", flat=True))
    assert {"okapi", "capybara", "field", "notes", "edition"} <= words and "2nd" in words and "of" not in words


def test_rebuild_search_vectors_recomputes_old_vectors_and_title_words(client):
    PaperFactory(title="Lösungen", author_names=["Łukasz Kaiser"])
    with connection.cursor() as cursor:  # vectors as an older release built them, no vocabulary
        cursor.execute("UPDATE papers_paper SET title_vector = to_tsvector('simple', title || ' Łukasz Kaiser')")
        cursor.execute("UPDATE papers_paper SET search_vector = title_vector")
        cursor.execute("DELETE FROM papers_titleword")
    assert result_titles(get(client, q="lukasz")) == []
    out = StringIO()
    call_command("rebuild_search_vectors", "--batch", "1", stdout=out)
    cache.clear()
    assert result_titles(get(client, q="lukasz")) == ["Lösungen"]
    assert TitleWord.objects.filter(word="lösungen").exists()
    assert "papers: 1 rows" in out.getvalue() and "summaries: none" in out.getvalue()


def test_an_excluded_word_excludes_papers_that_mention_it_anywhere(client, classics):
    PaperFactory(title="Transformer-XL: Language Models beyond a Fixed-Length Context", abstract="Self-attention.")
    PaperFactory(title="Vision Transformers at Scale", abstract="Images cut into patches.")
    SummaryFactory(paper=Paper.objects.get(title=TRANSFORMER), body="The transformer drops recurrence.")
    assert result_titles(get(client, q="-attention transformer")) == ["Vision Transformers at Scale"]
    assert TRANSFORMER in result_titles(get(client, q="transformer"))


def test_an_excluded_phrase_and_a_phrase(client, classics):
    assert set(result_titles(get(client, q='deep -"neural networks"'))) == {
        "Deep Residual Learning for Image Recognition",
        BATCH_NORM,
    }
    assert result_titles(get(client, q='"deep convolutional neural"')) == [ALEXNET]


def test_each_result_shows_venue_year_authors_and_summary_count(client):
    venue = VenueFactory(name="Neural Information Processing Systems", acronym="NeurIPS")
    paper = PaperFactory(
        title="Capsule Routing", venue=venue, year=2017, author_names=["A One", "B Two", "C Three", "D Four"]
    )
    SummaryFactory(paper=paper, body="Capsules.")
    SummaryFactory(paper=paper, body="More capsules.")
    html = get(client, q="capsule")
    assert "NeurIPS" in html and "2017" in html
    assert "A One, B Two, C Three + 1 more" in html
    assert "2 summaries" in html


# --- Visibility ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", UNLISTED_STATES)
def test_unlisted_summaries_never_make_a_paper_match(client, state):
    unlisted_summary(state, paper__title="Quiet Paper", body="A secret word: platypusology.")
    html = get(client, q="platypusology")
    assert result_titles(html) == []
    assert "platypusology" not in html.split("Nothing matches")[0].split("<main")[1].replace(
        'value="platypusology"', ""
    )
    assert "Quiet Paper" not in html


@pytest.mark.parametrize("state", UNLISTED_STATES)
def test_the_snippet_never_comes_from_an_unlisted_summary(client, state):
    paper = PaperFactory(title="Wombat Dynamics")
    SummaryFactory(paper=paper, body="Public wombat notes.")
    unlisted_summary(state, paper=paper, body="Secret wombat wombat wombat wombat sentence.")
    html = get(client, q="wombat")
    assert result_titles(html) == ["Wombat Dynamics"]
    assert "Public <mark>wombat</mark> notes." in html
    assert "Secret" not in html


@pytest.mark.parametrize("who", ["anonymous", "member", "writer", "moderator", "banned"])
def test_search_shows_only_listed_summaries_to_everyone(client, moderator, who):
    writer = UserFactory(username="writer")
    SummaryFactory(writer=writer, paper__title="Hidden Matter", body="kinkajou facts", state="hidden")
    SummaryFactory(writer=writer, paper__title="Private Matter", body="kinkajou notes", visibility="private")
    users = {
        "member": UserFactory(username="someone"),
        "writer": writer,
        "moderator": moderator,
        "banned": UserFactory(username="banned", banned_at=timezone.now()),
    }
    if who in users:
        client.force_login(users[who])
    html = get(client, q="kinkajou")
    assert result_titles(html) == []
    assert "Hidden Matter" not in html and "Private Matter" not in html


def test_an_anonymous_summary_never_shows_its_writer_in_results(client):
    writer = UserFactory(username="secretwriter", display_name="Secret Writer")
    SummaryFactory(writer=writer, is_anonymous=True, paper__title="Ocelot Study", body="The ocelot result.")
    html = get(client, q="ocelot")
    assert result_titles(html) == ["Ocelot Study"]
    assert "secretwriter" not in html and "Secret Writer" not in html


def test_merged_papers_are_not_results(client):
    kept = PaperFactory(title="Kept Narwhal Paper")
    PaperFactory(title="Duplicate Narwhal Paper", merged_into=kept)
    assert result_titles(get(client, q="narwhal")) == ["Kept Narwhal Paper"]


# --- Safety of snippets -------------------------------------------------------------------------------


def test_markup_in_titles_abstracts_and_summaries_is_shown_as_text(client):
    paper = PaperFactory(
        title="<script>alert('t')</script> Axolotl <b>bold</b>",
        abstract="Axolotl <img src=x onerror=alert('a')> and 1 < 2 & \"quotes\"",
    )
    SummaryFactory(paper=paper, body="Axolotl `<script>alert('s')</script>` and <iframe src=x></iframe> &lt;b&gt;")
    html = get(client, q="axolotl")
    main = html.split("<main", 1)[1]
    assert "<script>" not in main and "<img" not in main and "<iframe" not in main and "<b>" not in main
    assert "<mark>Axolotl</mark>" in main
    results = main.split('<ol class="search-results"', 1)[1].split("</ol>", 1)[0]
    assert set(re.findall(r"<(\w+)", results)) <= {"li", "h2", "a", "mark", "p", "span"}
    assert "&lt;script&gt;" in results  # shown as text


def test_private_use_characters_in_text_cannot_forge_highlights(client):
    PaperFactory(title="Forged \ue000highlight\ue001 dugong", abstract="\ue001\ue000 dugong \ue000")
    html = get(client, q="dugong")
    assert html.count("<mark>") == html.count("</mark>")
    assert "<mark>highlight</mark>" not in html


def test_headline_fragments_split_hits_from_text():
    assert headline_fragments("a \ue000b\ue001 c") == [Fragment("a "), Fragment("b", True), Fragment(" c")]


def test_headline_fragments_join_split_cjk_characters_and_adjacent_hits():
    raw = "Transformer  完  全  \ue000注\ue001  \ue000意\ue001  \ue000力\ue001  机 "
    assert headline_fragments(raw) == [Fragment("Transformer 完全"), Fragment("注意力", True), Fragment("机")]


def test_headline_fragments_decode_entities_of_stored_html_only_when_asked():
    assert headline_fragments("&lt;b&gt;", unescape=True) == [Fragment("<b>")]
    assert headline_fragments("&lt;b&gt;") == [Fragment("&lt;b&gt;")]
    assert headline_fragments("") == [] and headline_fragments(None) == []


# --- Odd input ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Type words from a paper"),
        ("     ", "Type words from a paper"),
        ("?!.,;:()[]{}", "has no words to look for"),
        ("-excluded", "has no words to look for"),
        ("-a -b", "has no words to look for"),
        ('"', "has no words to look for"),
        ("or", "has no words to look for"),
    ],
)
def test_empty_and_wordless_queries_get_a_clear_message(client, query, message):
    PaperFactory(title="Anything")
    html = get(client, q=query)
    assert message in html
    assert h1_count(html) == 1


@pytest.mark.parametrize(
    "query",
    [
        "x" * 5000,
        "ünïcødé " * 700,
        "'; DROP TABLE papers_paper; --",
        "1' OR '1'='1",
        '"unbalanced quote',
        "unbalanced) (paren & | ! <-> :*",
        "%s %(x)s {} \\",
        "<script>alert(1)</script>",
        "\ue000 mark \ue001",
    ],
)
def test_garbage_queries_never_error(client, query):
    PaperFactory(title="Hello world")
    html = get(client, q=query)
    assert h1_count(html) == 1
    assert "<script>alert(1)</script>" not in html


@pytest.mark.parametrize("query", ["a\x00b", "\x01\x02 hello \x7f"])
def test_control_characters_in_a_query_get_the_styled_400_page(client, query):
    # Refused by shortscience.middleware before the search runs (PostgreSQL cannot hold a NUL).
    response = client.get(URL, {"q": query})
    assert response.status_code == 400
    assert h1_count(response.content.decode()) == 1


def test_a_very_long_query_is_cut_with_a_notice(client):
    PaperFactory(title="Lemur Behaviour")
    html = get(client, q="lemur " + "padding " * 100)
    assert "only its first 200 characters were used" in html


def test_no_query_parameter_shows_the_empty_search_page(client):
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Type words from a paper" in html
    assert '<meta name="robots" content="noindex, follow">' in html


def test_searchable_text_refuses_wordless_and_exclusion_only_queries():
    assert searchable_text("  hello\x00 world ") == "hello world"
    assert searchable_text("...") is None
    assert searchable_text("-foo -bar") is None
    assert searchable_text("foo -bar") == "foo -bar"
    assert len(searchable_text("y" * 5000)) == 200


def test_search_papers_returns_an_empty_page_for_wordless_text():
    page = search_papers("!!!")
    assert page.papers == [] and not page.has_next


# --- Identifiers typed into the box -------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "1706.03762",
        "1706.03762v5",
        "arXiv:1706.03762",
        "https://arxiv.org/abs/1706.03762v2",
        "arxiv.org/pdf/1706.03762.pdf",
        "journals/corr/1706.03762",
        "journals/corr/abs-1706-03762",
        "10.5555/3295222.3295349",
        "https://doi.org/10.5555/3295222.3295349",
        "doi:10.5555/3295222.3295349",
        "conf/nips/VaswaniSPUJGKP17",
    ],
)
def test_an_identifier_typed_in_the_box_goes_straight_to_the_paper(client, typed):
    paper = PaperFactory(
        title="Attention Is All You Need",
        arxiv_id="1706.03762",
        doi="10.5555/3295222.3295349",
        dblp_key="conf/nips/VaswaniSPUJGKP17",
    )
    response = client.get(URL, {"q": f"  {typed} "})
    assert response.status_code == 302
    assert response["Location"] == paper.get_absolute_url()


def test_an_identifier_of_a_merged_paper_goes_to_the_paper_it_was_merged_into(client):
    kept = PaperFactory(title="Kept")
    PaperFactory(title="Merged", arxiv_id="1512.03385", merged_into=kept)
    response = client.get(URL, {"q": "1512.03385"})
    assert response["Location"] == kept.get_absolute_url()


@pytest.mark.parametrize(("typed", "label"), [("2101.00001", "arXiv"), ("https://doi.org/10.1000/xyz123", "DOI")])
def test_an_unknown_identifier_offers_to_add_the_paper(client, typed, label):
    html = get(client, q=typed)
    assert f"does not have the paper with {label}" in html
    link = re.search(r'<a class="button" href="([^"]+)">Add this paper</a>', html).group(1)
    parsed = urlparse(link.replace("&amp;", "&"))
    assert parsed.path == reverse("papers:add")
    assert parse_qs(parsed.query) == {"identifier": [typed]}


def test_an_unknown_dblp_key_points_to_adding_the_paper_by_arxiv_id_or_doi(client, db):
    html = get(client, q="conf/icml/Nobody21")
    assert "does not have the paper with DBLP key" in html
    assert f'<a href="{reverse("papers:add")}">add it by its arXiv id or DOI</a>' in html


# --- Filters ------------------------------------------------------------------------------------------


def test_the_venue_filter_keeps_papers_of_that_venue(client):
    icml, nips = VenueFactory(acronym="ICML", name="ICML"), VenueFactory(acronym="NeurIPS", name="NeurIPS")
    PaperFactory(title="Bandit Methods One", venue=icml)
    PaperFactory(title="Bandit Methods Two", venue=nips)
    assert result_titles(get(client, q="bandit", venue=icml.slug)) == ["Bandit Methods One"]


def test_the_venue_filter_applies_to_summary_matches(client):
    icml, nips = VenueFactory(), VenueFactory()
    SummaryFactory(paper__venue=icml, paper__title="First", body="tapir")
    SummaryFactory(paper__venue=nips, paper__title="Second", body="tapir")
    assert result_titles(get(client, q="tapir", venue=nips.slug)) == ["Second"]


def test_the_year_range_filter(client):
    for year in (2015, 2017, 2019):
        PaperFactory(title=f"Gecko Study {year}", year=year)
    assert result_titles(get(client, q="gecko", year_from=2016, year_to=2018)) == ["Gecko Study 2017"]
    assert sorted(result_titles(get(client, q="gecko", year_from=2017))) == ["Gecko Study 2017", "Gecko Study 2019"]


def test_a_single_year_parameter_filters_that_year(client):
    PaperFactory(title="Ibis 2018", year=2018)
    PaperFactory(title="Ibis 2020", year=2020)
    html = get(client, q="ibis", year=2020)
    assert result_titles(html) == ["Ibis 2020"]
    assert (
        'name="year_from" id="id_year_from" inputmode="numeric" min="1600" max="2100"\n               value="2020"'
        in html
    )


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"year_from": "abc"}, "Enter a whole number."),
        ({"year_from": "99999"}, "less than or equal to 2100"),
        ({"year_from": "2020", "year_to": "2010"}, "must not be before"),
        ({"venue": "no-such-venue"}, "Select a valid choice"),
    ],
)
def test_invalid_filters_are_explained_and_keep_the_input(client, params, error):
    PaperFactory(title="Okapi")
    html = get(client, q="okapi", **params)
    assert error in html
    assert "Please correct the filters" in html
    assert 'value="okapi"' in html
    assert result_titles(html) == []


def test_the_venue_choices_include_the_selected_venue(client):
    venue = VenueFactory(acronym="TINY", name="Tiny Workshop")
    PaperFactory(title="Tiny", venue=venue)
    html = get(client, q="tiny", venue=venue.slug)
    assert f'<option value="{venue.slug}" selected>TINY</option>' in html


# --- Pagination and query budget ----------------------------------------------------------------------


def make_matching_papers(n, word="pangolin"):
    venue = VenueFactory()
    for i in range(n):
        paper = PaperFactory(
            title=f"{word.title()} paper {i}", venue=venue, author_names=[f"Author {i}", "Shared Author"]
        )
        SummaryFactory(paper=paper, body=f"A {word} summary number {i}.")


def test_results_are_paginated_by_twenty_with_next_and_previous(client):
    make_matching_papers(45)
    first = get(client, q="pangolin")
    assert len(result_titles(first)) == 20
    assert 'rel="next" href="?q=pangolin&amp;page=2"' in first
    assert 'rel="prev"' not in first
    third = get(client, q="pangolin", page=3)
    assert len(result_titles(third)) == 5
    assert 'rel="next"' not in third and 'rel="prev" href="?q=pangolin&amp;page=2"' in third
    assert '<ol class="search-results" start="41">' in third
    seen = result_titles(first) + result_titles(get(client, q="pangolin", page=2)) + result_titles(third)
    assert len(set(seen)) == 45


@pytest.mark.parametrize("page", ["abc", "-3", "0", ""])
def test_a_bad_page_number_shows_the_first_page(client, page):
    make_matching_papers(3)
    assert len(result_titles(get(client, q="pangolin", page=page))) == 3


def test_a_page_past_the_results_says_so(client):
    make_matching_papers(3)
    html = get(client, q="pangolin", page=5)
    assert "No more results" in html and "Back to the first page" in html


def test_pages_are_capped_and_the_last_page_asks_to_refine(client, monkeypatch):
    monkeypatch.setattr(search_module, "MAX_PAGES", 2)
    monkeypatch.setattr(discovery_views, "MAX_PAGES", 2)
    make_matching_papers(45)
    html = get(client, q="pangolin", page=2)
    assert len(result_titles(html)) == 20
    assert 'rel="next"' not in html
    assert "Only the first 2 pages of results are shown" in html
    assert len(result_titles(get(client, q="pangolin", page=9))) == 20  # clamped to the last page


def test_the_search_page_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    make_matching_papers(3)
    with django_assert_max_num_queries(11):  # see the "Did you mean" test for the four more
        small = get(client, q="pangolin")
    make_matching_papers(40)
    cache.clear()  # new matches join a cached page only when it expires
    with django_assert_max_num_queries(11):
        big = get(client, q="pangolin")
    assert len(result_titles(small)) == 3 and len(result_titles(big)) == 20


def test_the_search_page_for_a_member_stays_within_budget(client, member, django_assert_max_num_queries):
    make_matching_papers(30)
    client.force_login(member)
    with django_assert_max_num_queries(12):
        html = get(client, q="pangolin")
    assert len(result_titles(html)) == 20


def test_the_page_has_one_h1_and_one_search_form_prefilled_with_its_filters(client):
    PaperFactory(title="Meerkat")
    html = get(client, q="meerkat", year_from="2001")
    assert h1_count(html) == 1
    # The header's box would repeat the page's own form right above it.
    assert len(re.findall(r'role="search"', html)) == 1
    assert len(re.findall(r'name="q"', html)) == 1
    assert 'id="site-search"' not in html
    assert '<label for="id_q">Search papers and summaries</label>' in html
    assert 'id="id_q" value="meerkat"' in html
    assert re.search(r'id="id_year_from"[^>]*value="2001"', html)
    for field in ("id_venue", "id_year_from", "id_year_to"):
        assert f'<label for="{field}">' in html


def test_other_pages_keep_the_header_search_box(client, db):
    html = client.get("/venues/").content.decode()
    assert len(re.findall(r'role="search"', html)) == 1 and 'id="site-search"' in html


def test_search_only_answers_get_and_head(client):
    assert client.post(URL, {"q": "x"}).status_code in (403, 405)
    assert client.head(URL, {"q": "x"}).status_code == 200


# --- Cached result pages ------------------------------------------------------------------------------


def count_queries(client, **params):
    with CaptureQueriesContext(connection) as queries:
        html = get(client, **params)
    return html, len(queries)


def test_a_repeated_search_is_served_from_the_cache_with_fewer_queries(client, django_assert_max_num_queries):
    make_matching_papers(25)
    first, cold = count_queries(client, q="pangolin")
    second, warm = count_queries(client, q="  PANGOLIN ")  # same normalised query
    assert warm < cold
    assert result_titles(second) == result_titles(first) and len(result_titles(first)) == 20
    assert second.count("<mark>") == first.count("<mark>") > 20  # highlights come from the cache too
    make_matching_papers(40, word="armadillo")
    get(client, q="pangolin")
    with django_assert_max_num_queries(warm):  # a hit's query count does not grow with the data either
        get(client, q="pangolin")


def test_a_member_and_an_anonymous_reader_share_cached_pages(client, member):
    make_matching_papers(5)
    _, cold = count_queries(client, q="pangolin")
    client.force_login(member)
    html, warm_member = count_queries(client, q="pangolin")
    assert len(result_titles(html)) == 5
    client.logout()
    _, warm = count_queries(client, q="pangolin")
    assert warm < cold
    assert warm_member <= warm + 2  # session and user only: nothing of the results is computed again


def test_the_cache_holds_ids_fragments_and_versions_never_html():
    make_matching_papers(3)
    search_papers("pangolin")
    entry = cache.get(search_module.search_cache_key("pangolin", search_module.SearchFilters(), 1))
    assert set(entry) == {"has_next", "rows"} and len(entry["rows"]) == 3
    for pk, updated_at, title, snippet, source in entry["rows"]:
        assert isinstance(pk, int) and updated_at is not None
        assert all(isinstance(text, str) and isinstance(hit, bool) for text, hit in title + snippet)
        assert "<mark>" not in "".join(text for text, _ in title + snippet)
        assert source is None or isinstance(source[0], int)


def test_a_paper_merged_after_caching_is_not_shown(client):
    kept = PaperFactory(title="Kept Capybara Paper")
    duplicate = PaperFactory(title="Duplicate Capybara Paper")
    assert sorted(result_titles(get(client, q="capybara"))) == ["Duplicate Capybara Paper", "Kept Capybara Paper"]
    merge(keep=kept, duplicate=duplicate)
    assert result_titles(get(client, q="capybara")) == ["Kept Capybara Paper"]


def test_a_paper_deleted_after_caching_is_not_shown_and_the_page_is_filled_again(client):
    make_matching_papers(21)
    first = result_titles(get(client, q="pangolin"))
    assert len(first) == 20
    Paper.objects.get(title=first[0]).delete()
    again = result_titles(get(client, q="pangolin"))
    assert first[0] not in again and len(again) == 20


def test_a_paper_edited_after_caching_shows_its_new_title(client):
    paper = PaperFactory(title="Okapi Secret Codename")
    assert result_titles(get(client, q="okapi")) == ["Okapi Secret Codename"]
    paper.title = "Okapi Public Name"
    paper.save()
    html = get(client, q="okapi")
    assert result_titles(html) == ["Okapi Public Name"] and "Codename" not in html


@pytest.mark.parametrize("change", ["hidden", "spam", "private", "deleted"])
def test_a_summary_hidden_after_caching_no_longer_shows_or_finds_its_paper(client, change):
    summary = SummaryFactory(paper__title="Unrelated Title", body="The quokka trick, revealed.")
    assert "<mark>quokka</mark> trick" in get(client, q="quokka")
    if change == "deleted":
        summary.soft_delete()
    elif change == "private":
        summary.visibility = "private"
        summary.save()
    else:
        summary.set_state(change)
    html = get(client, q="quokka")
    assert result_titles(html) == []
    assert "trick" not in html and "Unrelated Title" not in html


def test_a_summary_hidden_after_caching_leaves_the_paper_with_its_abstract_snippet(client):
    paper = PaperFactory(title="Wombat Dynamics", abstract="An abstract about the wombat.")
    summary = SummaryFactory(paper=paper, body="A private-ish wombat remark.")
    assert "remark" in get(client, q="wombat")
    summary.set_state("hidden")
    html = get(client, q="wombat")
    assert result_titles(html) == ["Wombat Dynamics"]
    assert "remark" not in html and "about the <mark>wombat</mark>" in html


def test_a_summary_edited_after_caching_shows_its_new_text(client):
    summary = SummaryFactory(paper__title="Tapir Notes", body="Tapir draft with a regrettable phrase.")
    assert "regrettable" in get(client, q="tapir")
    summary.body = "Tapir final text."
    summary.save()
    html = get(client, q="tapir")
    assert "regrettable" not in html and "<mark>Tapir</mark> final text." in html


def test_different_filters_and_pages_do_not_share_cache_entries(client):
    icml, nips = VenueFactory(acronym="ICML", name="ICML"), VenueFactory(acronym="NeurIPS", name="NeurIPS")
    PaperFactory(title="Bandit Methods One", venue=icml, year=2018)
    PaperFactory(title="Bandit Methods Two", venue=nips, year=2019)
    assert result_titles(get(client, q="bandit", venue=icml.slug)) == ["Bandit Methods One"]
    assert result_titles(get(client, q="bandit", venue=nips.slug)) == ["Bandit Methods Two"]
    assert result_titles(get(client, q="bandit", year_from=2019)) == ["Bandit Methods Two"]
    assert result_titles(get(client, q="bandit", year_to=2018)) == ["Bandit Methods One"]
    assert len(result_titles(get(client, q="bandit"))) == 2
    make_matching_papers(25)
    first, second = result_titles(get(client, q="pangolin")), result_titles(get(client, q="pangolin", page=2))
    assert len(first) == 20 and len(second) == 5 and not set(first) & set(second)


def test_the_cache_key_covers_query_filters_page_and_configuration(monkeypatch):
    filters = search_module.SearchFilters
    key = search_module.search_cache_key
    base = key("pangolin paper", filters(), 1)
    assert key("pangolin paper", filters(), 2) != base
    assert key("pangolin", filters(), 1) != base
    assert key("pangolin paper", filters(venue="icml"), 1) != base
    assert key("pangolin paper", filters(year_from=2019), 1) != key("pangolin paper", filters(year_to=2019), 1)
    for name, value in [("SEARCH_CANDIDATES", 50), ("PAGE_SIZE", 10), ("SEARCH_CACHE_VERSION", 99)]:
        with monkeypatch.context() as patched:
            patched.setattr(search_module, name, value)
            assert key("pangolin paper", filters(), 1) != base
    assert search_module.normalize_query("  Pangolin \x00 PAPER ") == "pangolin paper"
    assert search_module.normalize_query("Über OR Ähre") == "Über or Ähre"  # only ASCII is folded


# --- Ranking candidates --------------------------------------------------------------------------------


def test_the_title_vector_is_kept_in_step_with_title_authors_and_keywords():
    paper = PaperFactory(title="Sparse Coding", author_names=["Ada Lovelace"], abstract="Margins and notes.")

    def title_matches(word):
        return Paper.objects.filter(pk=paper.pk, title_vector=build_query(word)).exists()

    assert title_matches("sparse") and title_matches("lovelace") and not title_matches("margins")
    paper.set_authors(["Grace Hopper"])
    assert title_matches("hopper") and not title_matches("lovelace")
    paper.keywords.add("compilers")
    paper.refresh_search_vector()
    assert title_matches("compilers")
    paper.title = "Dense Coding"
    paper.save()
    assert title_matches("dense") and not title_matches("sparse")


def test_a_summarised_paper_is_a_candidate_even_when_title_matches_exceed_the_cap(client, monkeypatch):
    monkeypatch.setattr(search_module, "SEARCH_CANDIDATES", 3)
    for i in range(8):
        PaperFactory(title=f"Lemur study {i}")
    SummaryFactory(paper=PaperFactory(title="Lemur field guide"), body="Read this.")
    assert "Lemur field guide" in result_titles(get(client, q="lemur"))


def test_abstract_matches_are_ranked_only_while_title_matches_do_not_fill_the_cap(client, monkeypatch):
    monkeypatch.setattr(search_module, "SEARCH_CANDIDATES", 3)
    PaperFactory(title="Tarsier one")
    PaperFactory(title="Tarsier two")
    PaperFactory(title="Background", abstract="Mentions the tarsier once.")
    assert result_titles(get(client, q="tarsier"))[-1] == "Background"
    cache.clear()
    PaperFactory(title="Tarsier three")
    assert "Background" not in result_titles(get(client, q="tarsier"))


# --- New matches are not hidden by a cached page ----------------------------------------------------------


def test_a_search_made_before_a_paper_existed_finds_it_once_added(client, django_capture_on_commit_callbacks):
    assert "Nothing matches" in get(client, q="okapi")
    with django_capture_on_commit_callbacks(execute=True):
        PaperFactory(title="Okapi Field Notes")
    assert result_titles(get(client, q="okapi")) == ["Okapi Field Notes"]


def test_a_paper_changed_to_match_is_found_on_the_next_search(client, django_capture_on_commit_callbacks):
    make_matching_papers(2)
    paper = PaperFactory(title="Unrelated Title")
    assert len(result_titles(get(client, q="pangolin"))) == 2
    with django_capture_on_commit_callbacks(execute=True):
        paper.set_authors(["Pangolin Expert"])
    assert "Unrelated Title" in result_titles(get(client, q="pangolin"))


@pytest.mark.parametrize("how", ["written", "published", "shown again"])
def test_a_summary_listed_after_a_search_makes_its_paper_found(client, django_capture_on_commit_callbacks, how):
    paper = PaperFactory(title="Unrelated Title")
    summary = None
    if how != "written":
        summary = SummaryFactory(paper=paper, body="The quokka trick.")
        if how == "published":
            summary.visibility = "private"
            summary.save()
        else:
            summary.set_state("hidden")
    assert "Nothing matches" in get(client, q="quokka")
    with django_capture_on_commit_callbacks(execute=True):
        if how == "written":
            SummaryFactory(paper=paper, body="The quokka trick.")
        elif how == "published":
            summary.visibility = "public"
            summary.save()
        else:
            summary.set_state("visible")
    assert result_titles(get(client, q="quokka")) == ["Unrelated Title"]


def test_a_vote_does_not_empty_the_search_cache(client, member, django_capture_on_commit_callbacks):
    make_matching_papers(3)
    _, cold = count_queries(client, q="pangolin")
    with django_capture_on_commit_callbacks(execute=True):
        Vote.cast(user=member, summary_id=Summary.objects.first().pk, value=1)
    _, warm = count_queries(client, q="pangolin")
    assert warm < cold


def test_the_cache_key_changes_only_once_a_change_is_committed(django_capture_on_commit_callbacks):
    filters = search_module.SearchFilters()
    before = search_module.search_cache_key("pangolin", filters, 1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        vectors.search_results_changed()
    assert search_module.search_cache_key("pangolin", filters, 1) == before  # not yet committed
    callbacks[0]()
    assert search_module.search_cache_key("pangolin", filters, 1) != before
