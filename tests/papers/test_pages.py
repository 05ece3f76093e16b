"""Reading pages about papers: paper page, BibTeX, identifier look-ups, venues, years, authors, keywords, old links."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from papers.models import Paper, Venue, bibtex_escape
from summaries.models import Summary
from tests.conftest import h1_count, html_of
from tests.factories import PaperFactory, SummaryFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def transformer(db):
    venue = VenueFactory(name="Advances in Neural Information Processing Systems", acronym="NeurIPS", slug="neurips")
    paper = PaperFactory(
        title="Attention Is All You Need",
        venue=venue,
        year=2017,
        arxiv_id="1706.03762v7",
        dblp_key="conf/nips/VaswaniSPUJGKP17",
        author_names=["Ashish Vaswani", "Noam Shazeer", "Niki Parmar"],
        abstract="The dominant sequence transduction models are based on complex recurrent networks. " * 8,
    )
    paper.keywords.set(["cs.CL", "cs.LG"])
    return paper


# --- Paper page -------------------------------------------------------------------------------------


def test_paper_page_shows_title_authors_venue_year_keywords_and_links(client, transformer):
    html = html_of(client.get(transformer.get_absolute_url()))
    assert h1_count(html) == 1
    assert re.search(r"<h1[^>]*>Attention Is All You Need</h1>", html)
    authors = [m for m in re.findall(r'<a href="/authors/([\w-]+)/">', html)]
    assert authors[:3] == ["ashish-vaswani", "noam-shazeer", "niki-parmar"]
    assert 'href="/venues/neurips/2017/">NeurIPS · 2017</a>' in html
    assert 'href="/keywords/cscl/"' in html and 'href="/keywords/cslg/"' in html
    for link in (
        "https://arxiv.org/abs/1706.03762",
        "https://arxiv.org/pdf/1706.03762",
        "https://www.semanticscholar.org/arxiv/1706.03762",
        "https://scholar.google.com/scholar?q=",
    ):
        assert link in html
    assert reverse("summaries:write", args=[transformer.slug]) in html


def test_paper_page_links_doi_and_searches_semantic_scholar_without_arxiv_id(client):
    paper = PaperFactory(title="Deep learning", doi="10.1038/NATURE14539", arxiv_id=None)
    html = html_of(client.get(paper.get_absolute_url()))
    assert 'href="https://doi.org/10.1038/nature14539"' in html
    assert "https://www.semanticscholar.org/doi/10.1038/nature14539" in html
    bare = PaperFactory(title="No identifiers at all")
    html = html_of(client.get(bare.get_absolute_url()))
    assert "https://www.semanticscholar.org/search?q=No+identifiers+at+all" in html


def test_paper_page_shows_ten_authors_and_the_rest_behind_more(client):
    paper = PaperFactory(author_names=[f"Author Number{n}" for n in range(14)])
    html = html_of(client.get(paper.get_absolute_url()))
    visible, hidden = html.split('<details class="more-authors">', 1)
    assert "Author Number9" in visible and "Author Number10" not in visible
    assert "+ 4 more" in hidden and "Author Number13" in hidden


def test_long_abstract_is_clamped_with_a_toggle_that_needs_no_javascript(client, transformer):
    html = html_of(client.get(transformer.get_absolute_url()))
    assert 'type="checkbox" id="abstract-toggle"' in html
    assert '<label for="abstract-toggle"' in html
    assert transformer.abstract in html  # the whole text is in the page, only visually clamped


def test_short_abstract_has_no_toggle(client):
    paper = PaperFactory(abstract="Short.")
    html = html_of(client.get(paper.get_absolute_url()))
    assert "abstract-toggle" not in html and "Short." in html


def test_paper_page_lists_listed_summaries_by_score_then_age(client, transformer):
    low = SummaryFactory(paper=transformer, body="LOW-SCORE")
    old_high = SummaryFactory(paper=transformer, body="OLD-HIGH", created_at=timezone.now() - timedelta(days=9))
    new_high = SummaryFactory(paper=transformer, body="NEW-HIGH")
    Summary.objects.filter(pk__in=[old_high.pk, new_high.pk]).update(score=4)
    SummaryFactory(paper=transformer, body="PRIVATE-ONE", visibility=Summary.Visibility.PRIVATE)
    SummaryFactory(paper=transformer, body="HIDDEN-ONE", state=Summary.State.HIDDEN)
    SummaryFactory(paper=transformer, body="SPAM-ONE", state=Summary.State.SPAM)
    SummaryFactory(paper=transformer, body="PENDING-ONE", state=Summary.State.PENDING)
    SummaryFactory(paper=transformer, body="DELETED-ONE", deleted_at=timezone.now())
    html = html_of(client.get(transformer.get_absolute_url()))
    assert html.index("NEW-HIGH") < html.index("OLD-HIGH") < html.index("LOW-SCORE")
    for absent in ("PRIVATE-ONE", "HIDDEN-ONE", "SPAM-ONE", "PENDING-ONE", "DELETED-ONE"):
        assert absent not in html
    assert "3 summaries" in html
    assert f'href="{low.get_absolute_url()}#comments">0 comments' in html


def test_paper_page_never_names_the_writer_of_an_anonymous_summary(client, transformer):
    writer = UserFactory(username="incognito", display_name="In Cognito", affiliation="Nowhere Labs")
    SummaryFactory(paper=transformer, writer=writer, is_anonymous=True)
    html = html_of(client.get(transformer.get_absolute_url()))
    assert '<span class="writer">anonymous</span>' in html
    for leak in ("incognito", "In Cognito", "Nowhere Labs"):
        assert leak not in html


def test_paper_without_summary_is_noindex_and_invites_the_first_one(client, transformer):
    html = html_of(client.get(transformer.get_absolute_url()))
    assert '<meta name="robots" content="noindex, follow">' in html
    assert "No summary yet" in html and "write the first one" in html
    SummaryFactory(paper=transformer)
    assert 'name="robots"' not in html_of(client.get(transformer.get_absolute_url()))


def test_paper_page_has_canonical_opengraph_and_twitter_tags(client, transformer):
    html = html_of(client.get(transformer.get_absolute_url()))
    assert f'<link rel="canonical" href="http://testserver/paper/{transformer.slug}/">' in html
    assert '<meta property="og:title" content="Attention Is All You Need">' in html
    assert '<meta property="og:description" content="The dominant sequence' in html
    assert '<meta name="twitter:card" content="summary">' in html


def test_paper_page_escapes_titles_and_abstracts(client):
    paper = PaperFactory(title="<script>alert(1)</script> Title", abstract="<img src=x onerror=alert(1)>")
    html = html_of(client.get(paper.get_absolute_url()))
    assert "<script>alert(1)" not in html and "<img src=x" not in html


def test_paper_page_abstract_wraps_its_tex_for_katex_and_escapes_the_rest(client):
    paper = PaperFactory(abstract="An $\\alpha$-weighted loss with $$\\sum_i x_i < 1$$ costs $5 and <b>x</b>.")
    html = html_of(client.get(paper.get_absolute_url()))
    assert (
        '<p id="abstract-text" class="abstract">An <span class="math-inline">$\\alpha$</span>-weighted loss with '
        '<span class="math-display">$$\\sum_i x_i &lt; 1$$</span> costs $5 and &lt;b&gt;x&lt;/b&gt;.</p>'
    ) in html
    assert "katex.min.js" in html and "js/math.js" in html


def test_paper_page_descriptions_are_plain_text_without_tex(client):
    paper = PaperFactory(title="Weighting", abstract="An $\\alpha$-weighted loss $\\mathcal{L}_i \\leq \\frac{1}{2}$.")
    html = html_of(client.get(paper.get_absolute_url()))
    for tag in ('name="description"', 'property="og:description"', 'name="twitter:description"'):
        content = re.search(rf'<meta {tag} content="([^"]*)">', html).group(1)
        assert content == "An α-weighted loss L_i ≤ 1/2.", (tag, content)


def test_paper_page_by_id_redirects_permanently_to_the_slug(client, transformer):
    response = client.get(f"/paper/{transformer.pk}/")
    assert response.status_code == 301
    assert response["Location"] == transformer.get_absolute_url()


def test_merged_paper_redirects_permanently_to_the_kept_paper(client, transformer):
    duplicate = PaperFactory(title="Attention is all you need (duplicate)")
    duplicate.merged_into = transformer
    duplicate.save()
    for url in (duplicate.get_absolute_url(), f"/paper/{duplicate.pk}/"):
        response = client.get(url)
        assert response.status_code == 301
        assert response["Location"] == transformer.get_absolute_url()


def test_unknown_paper_is_the_site_404(client, db):
    response = client.get("/paper/no-such-paper/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_paper_page_query_count_is_constant(client, transformer, django_assert_max_num_queries):
    transformer.set_authors([f"Writer Person{n}" for n in range(40)])
    for _ in range(30):
        SummaryFactory(paper=transformer)
    with django_assert_max_num_queries(6):
        html = html_of(client.get(transformer.get_absolute_url()))
    assert html.count('class="summary-card"') == 20 and 'rel="next"' in html
    client.force_login(UserFactory())
    with django_assert_max_num_queries(8):
        html_of(client.get(transformer.get_absolute_url()))


# --- BibTeX -----------------------------------------------------------------------------------------


def test_bibtex_download_is_an_attachment_with_the_entry(client, transformer):
    response = client.get(reverse("papers:bibtex", args=[transformer.slug]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/x-bibtex")
    assert response["Content-Disposition"] == 'attachment; filename="vaswani2017attention.bib"'
    body = response.content.decode()
    assert body.startswith("@inproceedings{vaswani2017attention,\n")
    assert "  author = {Ashish Vaswani and Noam Shazeer and Niki Parmar},\n" in body
    assert "  booktitle = {Advances in Neural Information Processing Systems},\n" in body
    assert "  eprint = {1706.03762},\n  archivePrefix = {arXiv}," in body
    assert body.rstrip().endswith("}")


def test_bibtex_of_a_merged_paper_redirects_to_the_kept_paper(client, transformer):
    duplicate = PaperFactory(merged_into=transformer)
    response = client.get(reverse("papers:bibtex", args=[duplicate.slug]))
    assert response.status_code == 301
    assert response["Location"] == reverse("papers:bibtex", args=[transformer.slug])


def test_bibtex_escapes_special_characters_and_keeps_braces_balanced(db):
    venue = VenueFactory(name="Journal of Things & Stuff", kind=Venue.Kind.JOURNAL)
    paper = PaperFactory(title="100% of {weird} titles_with $math$ # and ~ ^ \\ too", venue=venue, year=2020)
    paper.set_authors(["José Müller"])
    entry = Paper.objects.with_page_data().get(pk=paper.pk).to_bibtex()
    assert entry.startswith("@article{muller2020weird,")
    assert (
        r"title = {100\% of \{weird\} titles\_with \$math\$ \# and \textasciitilde{} \textasciicircum{} "
        r"\textbackslash{} too}" in entry
    )
    assert r"journal = {Journal of Things \& Stuff}" in entry
    assert "author = {José Müller}" in entry
    unescaped = entry.replace(r"\{", "").replace(r"\}", "")
    assert unescaped.count("{") == unescaped.count("}")


def test_bibtex_escape_collapses_newlines():
    assert bibtex_escape("a\nb}") == r"a b\}"


def test_paper_page_offers_bibtex_copy_and_download(client, transformer):
    html = html_of(client.get(transformer.get_absolute_url()))
    assert 'id="bibtex-text"' in html and "@inproceedings{vaswani2017attention," in html
    assert f'href="{reverse("papers:bibtex", args=[transformer.slug])}" download' in html
    assert 'data-copy-target="bibtex-text" hidden' in html  # shown by site.js only


# --- Identifier look-ups ------------------------------------------------------------------------------


@pytest.mark.parametrize("ident", ["1706.03762", "1706.03762v5", "arXiv:1706.03762"])
def test_arxiv_lookup_redirects_to_the_paper(client, transformer, ident):
    response = client.get(f"/arxiv/{ident}/")
    assert response.status_code in (301, 302)
    assert response["Location"] == transformer.get_absolute_url()


def test_arxiv_lookup_accepts_old_style_ids_with_a_slash(client):
    paper = PaperFactory(arxiv_id="hep-th/9901001")
    for url in ("/arxiv/hep-th/9901001/", "/arxiv/hep-th/9901001v2/", "/arxiv/math.GT/0309136/"):
        response = client.get(url)
        if "math" in url:
            assert response.status_code == 404
        else:
            assert response["Location"] == paper.get_absolute_url()


def test_arxiv_lookup_of_an_unknown_paper_offers_to_add_it(client, db):
    response = client.get("/arxiv/2101.00001/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "arXiv:2101.00001" in html and reverse("papers:add") in html


def test_arxiv_lookup_of_garbage_is_404(client, db):
    assert client.get("/arxiv/not-an-id/").status_code == 404


def test_arxiv_lookup_follows_merges(client, transformer):
    duplicate = PaperFactory(arxiv_id="1810.04805", merged_into=transformer)
    assert duplicate.merged_into_id
    assert client.get("/arxiv/1810.04805/")["Location"] == transformer.get_absolute_url()


@pytest.mark.parametrize("doi", ["10.1038/nature14539", "10.1038/NATURE14539", "https://doi.org/10.1038/nature14539"])
def test_doi_lookup_redirects_to_the_paper(client, doi):
    paper = PaperFactory(doi="10.1038/nature14539")
    response = client.get(f"/doi/{doi}/")
    assert response.status_code in (301, 302)
    assert response["Location"] == paper.get_absolute_url()


def test_doi_lookup_of_unknown_doi_is_404(client, db):
    assert client.get("/doi/10.9999/nothing/").status_code == 404
    assert client.get("/doi/garbage/").status_code == 404


# --- Old site links -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "1706.03762",
        "1706.03762v5",
        "https://arxiv.org/abs/1706.03762v5",
        "http://arxiv.org/pdf/1706.03762.pdf",
        "journals/corr/1706.03762",
        "journals/corr/abs-1706-03762",
        "conf/nips/VaswaniSPUJGKP17",
    ],
)
def test_old_paper_links_redirect_permanently(client, transformer, key):
    response = client.get("/paper", {"bibtexKey": key})
    assert response.status_code == 301
    assert response["Location"] == transformer.get_absolute_url()


@pytest.mark.parametrize("key", ["10.1109/CVPR.2016.90", "https://doi.org/10.1109/cvpr.2016.90"])
def test_old_paper_links_by_doi_redirect_permanently(client, key):
    paper = PaperFactory(doi="10.1109/CVPR.2016.90")
    response = client.get("/paper", {"bibtexKey": key})
    assert response.status_code == 301
    assert response["Location"] == paper.get_absolute_url()


def test_old_paper_link_with_unknown_key_is_a_404_in_the_layout_with_a_search(client, db):
    response = client.get("/paper", {"bibtexKey": "journals/corr/Nobody99"})
    assert response.status_code == 404
    html = response.content.decode()
    assert "site-header" in html and "/search/?q=journals%2Fcorr%2FNobody99" in html


def test_old_paper_link_without_key_is_404(client, db):
    assert client.get("/paper").status_code == 404


def test_old_venue_links_redirect_permanently(client, transformer):
    venue = transformer.venue
    venue.dblp_key = "conf/nips"
    venue.save()
    response = client.get("/venue", {"key": "conf/nips", "year": "2017"})
    assert response.status_code == 301 and response["Location"] == "/venues/neurips/2017/"
    response = client.get("/venue", {"key": "conf/nips"})
    assert response.status_code == 301 and response["Location"] == "/venues/neurips/"
    response = client.get("/venue")
    assert response.status_code == 301 and response["Location"] == "/venues/"
    assert client.get("/venue", {"key": "conf/unknown"}).status_code == 404


# --- Venues, years, authors, keywords ------------------------------------------------------------------


def test_venues_page_lists_venues_with_counts(client, transformer):
    SummaryFactory(paper=transformer)
    html = html_of(client.get(reverse("papers:venues")))
    row = html.split("Advances in Neural Information Processing Systems", 1)[1].split("</tr>", 1)[0]
    assert re.findall(r'<td class="num">(\d+)</td>', row) == ["1", "1"]


def test_venues_page_sorts_venues_alphabetically_ignoring_case(client, django_assert_max_num_queries):
    for name in ["Nature", "arXiv", "ICML", "bioRxiv", "Zoology Letters"]:
        VenueFactory(name=name, acronym="")
    with django_assert_max_num_queries(3):
        html = html_of(client.get(reverse("papers:venues")))
    order = [name for name in re.findall(r'<a href="/venues/[\w-]+/">([^<]+)</a>', html)]
    assert order == ["arXiv", "bioRxiv", "ICML", "Nature", "Zoology Letters"]


def test_venue_page_lists_its_years_with_counts(client, transformer):
    PaperFactory(venue=transformer.venue, year=2018)
    PaperFactory(venue=transformer.venue, year=2018)
    SummaryFactory(paper=transformer)
    html = html_of(client.get(transformer.venue.get_absolute_url()))
    assert html.index("/venues/neurips/2018/") < html.index("/venues/neurips/2017/")
    assert "2 papers · 0 summaries" in html and "1 paper · 1 summary" in html


def test_big_venue_page_lists_its_years_without_counts(client, transformer, monkeypatch):
    monkeypatch.setattr("papers.views.VENUE_YEAR_COUNTS_MAX", 0)
    PaperFactory(venue=transformer.venue, year=2015)
    PaperFactory(venue=transformer.venue, year=2015)
    PaperFactory(venue=transformer.venue, year=2012, merged_into=transformer)
    Venue.objects.filter(pk=transformer.venue.pk).update(paper_count=3)
    html = html_of(client.get(transformer.venue.get_absolute_url()))
    years = re.findall(r"/venues/neurips/(\d{4})/", html)
    assert years == ["2017", "2015"]  # newest first, each once; a year with only merged papers is left out
    assert " paper · " not in html and " papers · " not in html.split('id="years-h"', 1)[1]


def test_venue_year_page_lists_papers_with_summaries_first(client, transformer):
    without = PaperFactory(venue=transformer.venue, year=2017, title="Paper without summary")
    SummaryFactory(paper=transformer)
    PaperFactory(venue=transformer.venue, year=2017, title="Merged away", merged_into=without)
    PaperFactory(venue=transformer.venue, year=2016, title="Another year")
    html = html_of(client.get("/venues/neurips/2017/"))
    assert html.index("Attention Is All You Need") < html.index("Paper without summary")
    assert "Merged away" not in html and "Another year" not in html
    assert "Ashish Vaswani, Noam Shazeer, Niki Parmar" in html and "1 summary" in html


def test_venue_year_page_is_paginated_with_a_constant_query_count(client, django_assert_max_num_queries):
    venue = VenueFactory(slug="big")
    for n in range(30):
        PaperFactory(venue=venue, year=2020, author_names=[f"P{n} One", f"P{n} Two", f"P{n} Three", f"P{n} Four"])
    with django_assert_max_num_queries(4):
        html = html_of(client.get("/venues/big/2020/"))
    assert html.count('class="paper-row"') == 25 and "et al." in html and 'rel="next"' in html
    assert html_of(client.get("/venues/big/2020/", {"page": 2})).count('class="paper-row"') == 5


def test_venue_pages_query_counts_are_constant(client, django_assert_max_num_queries):
    venues = [VenueFactory() for _ in range(30)]
    for n, venue in enumerate(venues):
        PaperFactory(venue=venue, year=2000 + n)
        PaperFactory(venue=venues[0], year=2000 + n)
    with django_assert_max_num_queries(3):
        html_of(client.get(reverse("papers:venues")))
    with django_assert_max_num_queries(3):
        html = html_of(client.get(venues[0].get_absolute_url()))
    assert html.count("/venues/" + venues[0].slug + "/20") == 30


def test_year_page_lists_papers_of_every_venue(client, transformer):
    other = PaperFactory(year=2017, title="Other venue same year")
    PaperFactory(year=2018, title="Next year")
    html = html_of(client.get("/years/2017/"))
    assert "Attention Is All You Need" in html and other.title in html and "Next year" not in html


def test_year_page_query_count_is_constant(client, django_assert_max_num_queries):
    for _ in range(30):
        PaperFactory(year=1999, author_names=["Some One"])
    with django_assert_max_num_queries(4):
        html_of(client.get("/years/1999/"))


def test_author_page_lists_their_papers_with_summary_counts(client, transformer):
    SummaryFactory(paper=transformer)
    SummaryFactory(paper=transformer)
    author = transformer.authors.get(name="Noam Shazeer")
    other = PaperFactory(title="Mixture of experts")
    other.set_authors(["Noam Shazeer"])
    PaperFactory(title="Not by Noam")
    html = html_of(client.get(author.get_absolute_url()))
    assert h1_count(html) == 1 and "<h1>Noam Shazeer</h1>" in html
    # Newest first (an index-ordered walk of the author's papers), each with its summary count.
    assert html.index("Mixture of experts") < html.index("Attention Is All You Need")
    assert "2 summaries" in html and "Not by Noam" not in html


def test_author_page_query_count_is_constant(client, django_assert_max_num_queries):
    for n in range(30):
        PaperFactory(author_names=["Prolific Person", f"Coauthor {n}"])
    author = Paper.objects.first().authors.get(name="Prolific Person")
    with django_assert_max_num_queries(4):
        assert html_of(client.get(author.get_absolute_url())).count('class="paper-row"') == 25


def test_keyword_page_lists_tagged_papers(client, transformer):
    PaperFactory(title="Untagged paper")
    html = html_of(client.get("/keywords/cscl/"))
    assert "Attention Is All You Need" in html and "Untagged paper" not in html
    assert client.get("/keywords/no-such-keyword/").status_code == 404


def test_keyword_page_lists_newest_papers_first_with_summary_counts(client, transformer):
    newer = PaperFactory(title="A newer tagged paper")
    newer.keywords.add("cs.CL")
    html = html_of(client.get("/keywords/cscl/"))
    assert html.index("A newer tagged paper") < html.index("Attention Is All You Need")
    assert "Newest papers first." in html


def test_keyword_page_query_count_is_constant(client, django_assert_max_num_queries):
    for _ in range(30):
        PaperFactory(author_names=["Some Body"]).keywords.add("cs.AI")
    with django_assert_max_num_queries(4):
        html_of(client.get("/keywords/csai/"))


@pytest.mark.parametrize(
    ("source", "line"),
    [
        (Paper.Source.ARXIV, "Metadata from arXiv."),
        (Paper.Source.CROSSREF, "Metadata from Crossref."),
        (Paper.Source.BIBTEX, "Metadata from BibTeX."),
        (Paper.Source.MANUAL, "Metadata entered by a member."),
    ],
)
def test_paper_page_names_its_metadata_source(client, source, line):
    paper = PaperFactory(source=source)
    assert f'<p class="meta paper-source">{line} ' in html_of(client.get(paper.get_absolute_url()))


def test_paper_page_lets_members_but_not_visitors_report_its_metadata(client, transformer):
    html = html_of(client.get(transformer.get_absolute_url()))
    assert f"/report/paper/{transformer.pk}/" not in html
    client.force_login(UserFactory())
    assert f"/report/paper/{transformer.pk}/" in html_of(client.get(transformer.get_absolute_url()))


def test_a_member_who_summarised_the_paper_is_offered_their_summary(client, transformer):
    writer = UserFactory()
    mine = SummaryFactory(paper=transformer, writer=writer, visibility="private")
    write_url = reverse("summaries:write", args=[transformer.slug])
    html = html_of(client.get(transformer.get_absolute_url()))
    assert f'href="{write_url}">Write a summary</a>' in html and "Edit your summary" not in html
    client.force_login(UserFactory())
    assert f'href="{write_url}">Write a summary</a>' in html_of(client.get(transformer.get_absolute_url()))
    client.force_login(writer)
    html = html_of(client.get(transformer.get_absolute_url()))
    assert f'href="{reverse("summaries:edit", args=[mine.pk])}">Edit your summary</a>' in html
    mine.soft_delete()
    assert "Edit your summary" not in html_of(client.get(transformer.get_absolute_url()))
