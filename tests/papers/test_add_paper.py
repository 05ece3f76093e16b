"""The "Add a paper" page: look-ups of every identifier form, BibTeX, manual entry, duplicates, errors, permissions."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import ratelimit
from papers import sources
from papers.models import Paper
from papers.sources import MetadataClient
from tests.conftest import h1_count
from tests.factories import PaperFactory, UserFactory, VenueFactory
from tests.papers.test_sources import FakeHttp

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"
ADD = reverse("papers:add")
CONFIRM = reverse("papers:confirm")
MANUAL = reverse("papers:manual")


@pytest.fixture
def signed_in(client, member):
    client.force_login(member)
    return client


def token_of(response) -> str:
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


def one_h1(response) -> bool:
    return h1_count(response.content.decode()) == 1


# ------------------------------------------------------------------ permissions


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(ADD + "?identifier=1706.03762")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert client.post(CONFIRM, {"token": "x"}).status_code == 302
    assert client.post(MANUAL, {}).status_code == 302


def test_member_sees_the_form_with_the_identifier_prefilled(signed_in):
    response = signed_in.get(ADD + "?identifier=1706.03762")
    html = response.content.decode()
    assert response.status_code == 200 and one_h1(response)
    assert "1706.03762</textarea>" in html
    assert '<label for="id_identifier">' in html and 'for="id_manual-title"' in html


def test_banned_member_gets_403_with_a_reason(client, http):
    banned = UserFactory(banned_at=timezone.now(), ban_reason="Spam links")
    client.force_login(banned)
    for response in (client.get(ADD), client.post(ADD, {"identifier": "1706.03762"}), client.post(MANUAL, {})):
        assert response.status_code == 403
        assert "suspended" in response.content.decode() and "Spam links" in response.content.decode()
    assert http.calls == [] and Paper.objects.count() == 0


def test_member_whose_ban_expired_may_add(client):
    user = UserFactory(banned_at=timezone.now() - timedelta(days=3), banned_until=timezone.now() - timedelta(days=1))
    client.force_login(user)
    assert client.get(ADD).status_code == 200


def test_moderator_may_add(client, moderator, http):
    client.force_login(moderator)
    response = client.post(ADD, {"identifier": "1706.03762"})
    assert response.status_code == 200 and "Is this the paper?" in response.content.decode()


def test_get_on_confirm_is_refused(signed_in):
    assert signed_in.get(CONFIRM).status_code == 405


# -------------------------------------------------------------- identifier forms


@pytest.mark.parametrize(
    ("identifier", "requested", "title"),
    [
        ("1706.03762", "1706.03762", "Attention Is All You Need"),
        ("1706.03762v7", "1706.03762v7", "Attention Is All You Need"),
        ("arXiv:1706.03762", "1706.03762", "Attention Is All You Need"),
        ("https://arxiv.org/abs/1706.03762v7", "1706.03762v7", "Attention Is All You Need"),
        ("https://arxiv.org/pdf/1706.03762", "1706.03762", "Attention Is All You Need"),
        ("hep-th/9711200", "hep-th/9711200", "The Large N Limit of Superconformal Field Theories and Supergravity"),
        ("hep-th/9711200v3", "hep-th/9711200v3", "The Large N Limit of Superconformal Field Theories and Supergravity"),
    ],
)
def test_arxiv_forms_show_the_metadata_for_confirmation(signed_in, http, identifier, requested, title):
    response = signed_in.post(ADD, {"identifier": identifier})
    html = response.content.decode()
    assert response.status_code == 200 and one_h1(response)
    assert http.calls[0]["params"] == {"id_list": requested}
    assert title in html
    assert Paper.objects.count() == 0  # nothing created before confirmation


def test_new_style_versioned_id_is_requested_as_typed(signed_in, http):
    response = signed_in.post(ADD, {"identifier": "2101.00001v2"})
    assert http.calls[0]["params"] == {"id_list": "2101.00001v2"}
    assert "arXiv has no paper with the id 2101.00001" in response.content.decode()


def test_old_style_id_not_on_arxiv_shows_not_found_with_input_kept(signed_in, http):
    response = signed_in.post(ADD, {"identifier": "hep-th/9901001"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "arXiv has no paper with the id hep-th/9901001" in html
    assert "hep-th/9901001</textarea>" in html


@pytest.mark.parametrize(
    "identifier", ["10.1038/nature14539", "https://doi.org/10.1038/nature14539", "doi:10.1038/NATURE14539"]
)
def test_doi_forms_fetch_from_crossref(signed_in, http, identifier):
    response = signed_in.post(ADD, {"identifier": identifier})
    html = response.content.decode()
    assert "Deep learning" in html and "Nature" in html
    assert http.calls[0]["url"].endswith("10.1038/nature14539")


def test_confirming_creates_the_paper_and_lands_on_its_page(signed_in, http, member):
    preview = signed_in.post(ADD, {"identifier": "https://arxiv.org/abs/1706.03762v7"})
    response = signed_in.post(CONFIRM, {"token": token_of(preview)}, follow=True)
    paper = Paper.objects.get()
    assert response.redirect_chain[-1][0] == paper.get_absolute_url()
    html = response.content.decode()
    assert "Added “Attention Is All You Need”" in html
    assert paper.added_by == member and paper.arxiv_version == 7
    assert paper.authorships.count() == 8 and "cs.LG" in paper.keywords.names()
    assert len(http.calls) == 1  # confirmation does not fetch again


def test_confirming_twice_does_not_create_a_duplicate(signed_in, http):
    token = token_of(signed_in.post(ADD, {"identifier": "1706.03762"}))
    signed_in.post(CONFIRM, {"token": token})
    response = signed_in.post(CONFIRM, {"token": token}, follow=True)
    assert Paper.objects.count() == 1
    assert "Already on ShortScience" in response.content.decode()


def test_a_tampered_token_creates_nothing(signed_in, http):
    token = token_of(signed_in.post(ADD, {"identifier": "1706.03762"}))
    response = signed_in.post(CONFIRM, {"token": "x" + token}, follow=True)
    assert Paper.objects.count() == 0
    assert "expired or was altered" in response.content.decode()


# ------------------------------------------------------------------------ BibTeX


def test_bibtex_entry_is_parsed_and_created_with_its_venue(signed_in, http):
    venue = VenueFactory(
        name="Advances in Neural Information Processing Systems", acronym="NeurIPS", dblp_key="conf/nips"
    )
    bibtex = (FIXTURES / "dblp_conf_nips_VaswaniSPUJGKP17.bib").read_text()
    preview = signed_in.post(ADD, {"identifier": bibtex})
    assert "Is this the paper?" in preview.content.decode() and http.calls == []
    signed_in.post(CONFIRM, {"token": token_of(preview)})
    paper = Paper.objects.get()
    assert paper.venue == venue and paper.year == 2017 and paper.source == "bibtex"
    assert [a.name for a in paper.ordered_authors][-1] == "Illia Polosukhin"


def test_broken_bibtex_shows_the_parser_message_with_input_kept(signed_in):
    response = signed_in.post(ADD, {"identifier": "@article{key, author = {Someone}}"})
    html = response.content.decode()
    assert "The BibTeX entry has no title" in html
    assert "author = {Someone}" in html


# -------------------------------------------------------------------- duplicates


def test_known_arxiv_id_in_another_form_leads_to_the_existing_paper_without_fetching(signed_in, http):
    paper = PaperFactory(arxiv_id="1706.03762")
    response = signed_in.post(ADD, {"identifier": "https://arxiv.org/abs/1706.03762v2"}, follow=True)
    assert response.redirect_chain[-1][0] == paper.get_absolute_url()
    assert "Already on ShortScience" in response.content.decode()
    assert http.calls == []


def test_known_doi_url_leads_to_the_existing_paper(signed_in, http):
    paper = PaperFactory(doi="10.1038/nature14539")
    response = signed_in.post(ADD, {"identifier": "https://doi.org/10.1038/NATURE14539"})
    assert response.status_code == 302 and response.url == paper.get_absolute_url()


def test_fetched_paper_with_a_known_title_leads_to_the_existing_paper(signed_in, http):
    paper = PaperFactory(title="Attention is all you need.")
    response = signed_in.post(ADD, {"identifier": "1706.03762"})
    assert response.status_code == 302 and response.url == paper.get_absolute_url()
    assert Paper.objects.count() == 1


def test_fetched_paper_whose_doi_is_known_leads_to_the_existing_paper(signed_in, http):
    paper = PaperFactory(doi="10.1023/a:1026654312961")  # the DOI arXiv lists for hep-th/9711200
    response = signed_in.post(ADD, {"identifier": "hep-th/9711200"})
    assert response.status_code == 302 and response.url == paper.get_absolute_url()


def test_bibtex_of_a_known_title_leads_to_the_existing_paper(signed_in):
    paper = PaperFactory(title="BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding")
    bibtex = (FIXTURES / "scholar_devlin2019bert.bib").read_text()
    response = signed_in.post(ADD, {"identifier": bibtex})
    assert response.status_code == 302 and response.url == paper.get_absolute_url()


# ---------------------------------------------------------------------- failures


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (TimeoutError("timed out"), "arXiv did not answer in time"),
        ((503, "Service Unavailable"), "arXiv is busy or having problems right now"),
        ((200, "<html>oops</html>"), "arXiv sent an answer we could not read"),
        (ConnectionRefusedError(), "Could not reach arXiv"),
    ],
)
def test_service_problems_show_a_friendly_message_with_input_kept(signed_in, monkeypatch, answer, message):
    fake = FakeHttp(answer)
    monkeypatch.setattr(sources, "get_client", lambda: MetadataClient(http_get=fake))
    response = signed_in.post(ADD, {"identifier": "1706.03762"})
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html and "1706.03762</textarea>" in html
    assert Paper.objects.count() == 0


def test_unreachable_arxiv_offers_bibtex_and_an_open_manual_form_with_the_id_filled_in(signed_in, monkeypatch):
    fake = FakeHttp(ConnectionRefusedError())
    monkeypatch.setattr(sources, "get_client", lambda: MetadataClient(http_get=fake))
    response = signed_in.post(ADD, {"identifier": "https://arxiv.org/abs/1706.03762v5"})
    html = response.content.decode()
    assert "Could not reach arXiv" in html and "https://arxiv.org/abs/1706.03762v5</textarea>" in html
    assert '<a href="#id_identifier">Paste its BibTeX entry</a>' in html
    assert '<a href="#manual-h">Enter it by hand</a>' in html
    assert re.search(r"<details open>\s*<summary>", html)
    assert re.search(r'name="manual-arxiv_id"[^>]*value="1706.03762"', html)
    assert one_h1(response)


def test_the_manual_form_is_offered_for_any_paper_not_only_those_without_an_arxiv_id(signed_in):
    html = signed_in.get(ADD).content.decode()
    assert "without an arXiv id" not in html
    response = signed_in.post(MANUAL, {**MANUAL_DATA, "manual-arxiv_id": "1706.03762v5"})
    assert response.status_code == 302
    assert Paper.objects.get().arxiv_id == "1706.03762"


def test_unknown_doi_says_crossref_has_no_record(signed_in, http):
    response = signed_in.post(ADD, {"identifier": "10.9999/nothing.here"})
    assert "Crossref has no record of the DOI 10.9999/nothing.here" in response.content.decode()


def test_text_that_is_no_identifier_is_explained(signed_in, http):
    response = signed_in.post(ADD, {"identifier": "attention is all you need"})
    html = response.content.decode()
    assert "is not an arXiv id, arXiv link or DOI" in html and http.calls == []
    assert (
        signed_in.post(ADD, {"identifier": ""}).content.decode().count("Enter an arXiv id, a DOI or a BibTeX entry")
        == 1
    )


def test_dblp_key_asks_for_bibtex(signed_in, http):
    response = signed_in.post(ADD, {"identifier": "conf/nips/VaswaniSPUJGKP17"})
    assert "export its BibTeX" in response.content.decode() and http.calls == []


# ------------------------------------------------------------------ manual entry

MANUAL_DATA = {
    "manual-title": "On Computable Numbers",
    "manual-authors": "Alan Turing\n\n  Second   Author \n",
    "manual-venue": "Proceedings of the London Mathematical Society",
    "manual-year": "1936",
    "manual-abstract": "We define computable numbers.",
    "manual-arxiv_id": "",
    "manual-doi": "10.1112/plms/s2-42.1.230",
    "manual-url": "https://example.org/turing.pdf",
    "manual-keywords": "computability, logic, computability",
}


def test_manual_entry_creates_the_paper(signed_in, member):
    response = signed_in.post(MANUAL, MANUAL_DATA, follow=True)
    paper = Paper.objects.get()
    assert response.redirect_chain[-1][0] == paper.get_absolute_url()
    assert [a.name for a in paper.ordered_authors] == ["Alan Turing", "Second Author"]
    assert paper.venue.name == "London Mathematical Society"
    assert paper.year == 1936 and paper.doi == "10.1112/plms/s2-42.1.230" and paper.source == "manual"
    assert sorted(paper.keywords.names()) == ["computability", "logic"]


def test_manual_entry_can_pick_an_existing_venue_by_acronym(signed_in):
    venue = VenueFactory(name="International Conference on Machine Learning", acronym="ICML")
    signed_in.post(MANUAL, {**MANUAL_DATA, "manual-venue": "icml"})
    assert Paper.objects.get().venue == venue


def test_manual_entry_errors_keep_the_input(signed_in):
    data = {
        **MANUAL_DATA,
        "manual-title": "  ",
        "manual-year": "20200",
        "manual-doi": "not-a-doi",
        "manual-arxiv_id": "12",
    }
    response = signed_in.post(MANUAL, data)
    html = response.content.decode()
    assert response.status_code == 200 and Paper.objects.count() == 0
    assert "This field is required." in html
    assert "Not a DOI" in html and "Not an arXiv id" in html and "less than or equal to 2100" in html
    assert "We define computable numbers.</textarea>" in html and "Second   Author" in html
    assert 'aria-invalid="true"' in html
    assert "<details open>" in html


def test_manual_entry_without_authors_is_refused(signed_in):
    response = signed_in.post(MANUAL, {**MANUAL_DATA, "manual-authors": " \n "})
    assert "This field is required." in response.content.decode() or "at least one author" in response.content.decode()
    assert Paper.objects.count() == 0


def test_manual_entry_of_a_known_title_leads_to_the_existing_paper(signed_in):
    paper = PaperFactory(title="On computable numbers")
    response = signed_in.post(MANUAL, MANUAL_DATA)
    assert response.status_code == 302 and response.url == paper.get_absolute_url()
    assert Paper.objects.count() == 1


# -------------------------------------------------------------------- rate limit


def test_rate_limit_on_paper_additions_shows_a_clear_message(signed_in, member, monkeypatch, http):
    monkeypatch.setitem(
        ratelimit.RATES, "paper_add", ratelimit.Rate(per_member=1, per_ip=100, window=3600, label="paper additions")
    )
    signed_in.post(MANUAL, MANUAL_DATA)
    response = signed_in.post(MANUAL, {**MANUAL_DATA, "manual-title": "Another paper", "manual-doi": ""})
    assert response.status_code == 429
    html = response.content.decode()
    assert "You have reached the limit for paper additions" in html
    assert "Another paper" in html  # the typed input is kept
    assert Paper.objects.count() == 1
    preview = signed_in.post(ADD, {"identifier": "1706.03762"})
    response = signed_in.post(CONFIRM, {"token": token_of(preview)})
    assert response.status_code == 429 and "limit for paper additions" in response.content.decode()


def test_form_page_runs_a_constant_number_of_queries(signed_in, django_assert_max_num_queries):
    for _n in range(60):
        VenueFactory()
    with django_assert_max_num_queries(5):
        response = signed_in.get(ADD)
    assert response.content.decode().count("<option value=") == 50


def test_look_up_and_confirmation_run_a_constant_number_of_queries(signed_in, http, django_assert_max_num_queries):
    for _ in range(30):
        PaperFactory()
    with django_assert_max_num_queries(5):
        preview = signed_in.post(ADD, {"identifier": "1706.03762"})
    assert preview.status_code == 200
