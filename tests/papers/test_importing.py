"""papers.importing: metadata → Paper (venue matching, ordered authors, keywords, duplicates, cache, tokens)."""

import datetime
from pathlib import Path

import pytest
from django.core import signing

from papers import importing, sources
from papers.models import Paper, Venue
from papers.sources import PaperMetadata, parse_bibtex
from tests.factories import PaperFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def neurips():
    return Venue.objects.create(
        name="Advances in Neural Information Processing Systems",
        acronym="NeurIPS",
        kind="conference",
        dblp_key="conf/nips",
    )


def meta(**overrides):
    values = {"title": "A Paper About Things", "authors": ["Ada Lovelace", "Alan Turing"], "source": "manual"}
    values.update(overrides)
    return PaperMetadata(**values)


def test_create_paper_stores_ordered_authors_keywords_and_identifiers(http):
    user = UserFactory()
    data = importing.lookup("1706.03762v7")
    paper = importing.create_paper(data, added_by=user)

    paper = Paper.objects.with_page_data().get(pk=paper.pk)
    assert paper.title == "Attention Is All You Need"
    assert [a.name for a in paper.ordered_authors][:3] == ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar"]
    assert len(paper.ordered_authors) == 8
    assert paper.arxiv_id == "1706.03762" and paper.arxiv_version == 7
    assert paper.year == 2017 and paper.published_on == datetime.date(2017, 6, 12)
    assert sorted(paper.keywords.names()) == ["cs.CL", "cs.LG"]
    assert paper.source == Paper.Source.ARXIV and paper.added_by == user
    assert paper.venue.acronym == "arXiv" and paper.venue.kind == "preprint"
    assert paper.abstract.startswith("The dominant sequence transduction models")
    assert paper.search_vector is not None


def test_arxiv_papers_go_to_the_existing_arxiv_venue(http):
    corr = Venue.objects.create(
        name="arXiv e-Print archive", acronym="arXiv", kind="preprint", dblp_key="journals/corr"
    )
    paper = importing.create_paper(importing.lookup("hep-th/9711200"))
    assert paper.venue == corr
    assert Venue.objects.count() == 1
    corr.refresh_from_db()
    assert corr.paper_count == 1


def test_nips_bibtex_matches_the_neurips_venue_through_its_dblp_key(neurips):
    data = parse_bibtex((FIXTURES / "dblp_conf_nips_VaswaniSPUJGKP17.bib").read_text())
    paper = importing.create_paper(data)
    assert paper.venue == neurips
    assert paper.dblp_key == "conf/nips/VaswaniSPUJGKP17"


@pytest.mark.parametrize(
    ("name", "acronym"),
    [
        ("NIPS", ""),
        ("", "NIPS"),
        ("nips", ""),
        ("Proceedings of NIPS 2017", ""),
        ("Advances in Neural Information Processing Systems 30", ""),
        ("Neural Information Processing Systems", "NeurIPS"),
    ],
)
def test_venue_aliases_lead_to_neurips(neurips, name, acronym):
    assert importing.get_or_create_venue(name, acronym) == neurips
    assert Venue.objects.count() == 1


def test_venue_matches_by_exact_name_case_insensitively():
    venue = VenueFactory(name="Journal of Obscure Results", acronym="")
    assert importing.match_venue("journal of  obscure results") == venue


def test_unknown_venue_is_created_once_with_a_clean_name_and_kind():
    first = importing.get_or_create_venue("Proceedings of the 2019 Workshop on Tiny Things")
    assert first.name == "Workshop on Tiny Things"
    assert first.kind == Venue.Kind.WORKSHOP
    again = importing.get_or_create_venue("Workshop on Tiny Things")
    assert again == first


def test_scholar_bibtex_matches_naacl_by_its_long_name():
    naacl = Venue.objects.create(name="North American Chapter of the ACL", acronym="NAACL", kind="conference")
    data = parse_bibtex((FIXTURES / "scholar_devlin2019bert.bib").read_text())
    paper = importing.create_paper(data)
    assert paper.venue == naacl
    assert [a.name for a in paper.ordered_authors] == [
        "Jacob Devlin",
        "Ming-Wei Chang",
        "Kenton Lee",
        "Kristina Toutanova",
    ]
    assert paper.source == Paper.Source.BIBTEX


def test_authors_with_a_known_name_are_reused():
    PaperFactory(author_names=["Ada Lovelace"])
    paper = importing.create_paper(meta())
    assert [a.name for a in paper.ordered_authors] == ["Ada Lovelace", "Alan Turing"]
    assert paper.ordered_authors[0].papers.count() == 2


def test_create_refuses_a_duplicate_title_after_normalisation():
    existing = PaperFactory(title="Attention Is All You Need")
    with pytest.raises(importing.DuplicatePaper) as caught:
        importing.create_paper(meta(title="attention is all you need!"))
    assert caught.value.paper == existing
    assert Paper.objects.count() == 1


def test_create_refuses_a_duplicate_doi_in_another_case():
    existing = PaperFactory(doi="10.1145/3065386")
    with pytest.raises(importing.DuplicatePaper) as caught:
        importing.create_paper(meta(doi="10.1145/3065386".upper()))
    assert caught.value.paper == existing


def test_duplicate_of_a_merged_paper_is_its_target():
    target = PaperFactory()
    PaperFactory(arxiv_id="1706.03762", merged_into=target)
    assert importing.find_duplicate(meta(arxiv_id="1706.03762")) == target


def test_existing_for_identifier_understands_every_form():
    paper = PaperFactory(arxiv_id="1706.03762", doi="10.5555/example.1")
    for identifier in (
        "1706.03762",
        "1706.03762v3",
        "arXiv:1706.03762",
        "https://arxiv.org/abs/1706.03762v7",
        "10.48550/arXiv.1706.03762",
        "10.5555/EXAMPLE.1",
        "https://doi.org/10.5555/example.1",
    ):
        assert importing.existing_for_identifier(identifier) == paper, identifier
    assert importing.existing_for_identifier("2101.00001") is None


def test_lookup_caches_successful_answers_for_a_day(http):
    importing.lookup("1706.03762")
    importing.lookup("https://arxiv.org/abs/1706.03762")
    assert len(http.calls) == 1


def test_lookup_remembers_a_failure_briefly_with_its_kind(http):
    for _ in range(2):
        with pytest.raises(sources.NotFound):
            importing.lookup("hep-th/9901001")
    assert len(http.calls) == 1


def test_signed_metadata_round_trips_and_rejects_tampering():
    data = meta(published_on=datetime.date(2020, 1, 2), year=2020, keywords=["a"])
    token = importing.sign_metadata(data)
    assert importing.unsign_metadata(token) == data
    with pytest.raises(signing.BadSignature):
        importing.unsign_metadata(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))


def test_implausible_years_are_dropped_rather_than_failing():
    paper = importing.create_paper(meta(year=3020))
    assert paper.year is None


def test_a_venue_created_meanwhile_by_another_process_is_returned_not_duplicated(transactional_db):
    """Two loader processes meet a new venue at once: the second waits for the first (the creation lock) and finds
    its venue: no second venue under another slug, no failed batch."""
    import threading
    import time

    from django.db import connections, transaction

    created, winner = threading.Event(), {}

    def other_process():
        try:
            with transaction.atomic():
                winner["venue"] = importing.get_or_create_venue("arXiv", "arXiv", "preprint")
                created.set()
                time.sleep(0.5)  # still uncommitted while this test's insert of the same slug waits
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_process)
    thread.start()
    created.wait(5)
    venue = importing.get_or_create_venue("arXiv", "arXiv", "preprint")
    thread.join()

    assert venue.pk == winner["venue"].pk
    assert Venue.objects.filter(acronym="arXiv").count() == 1
