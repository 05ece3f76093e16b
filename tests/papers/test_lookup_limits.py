"""Paper look-ups and searches cannot be used to exhaust the site or the services it asks.

Each look-up that is not cached asks arXiv or Crossref and may hold a worker for the client's whole timeout;
each search runs a full-text query. A probe had 30 of 30 look-ups and 300 of 300 searches accepted.
"""

import pytest
from django.test import override_settings
from django.urls import reverse

from accounts import ratelimit
from papers import importing, sources
from papers.models import Paper
from papers.sources import MetadataClient
from tests.factories import PaperFactory
from tests.papers.test_sources import FakeHttp

pytestmark = pytest.mark.django_db
ADD = reverse("papers:add")
SEARCH = reverse("discovery:search")


@pytest.fixture
def signed_in(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def lookups_per_member(monkeypatch):
    # Members whose account is new get a quarter of the member limit: 8 here means 2.
    monkeypatch.setitem(
        ratelimit.RATES, "lookup", ratelimit.Rate(per_member=8, per_ip=100, window=3600, label="paper look-ups")
    )


def test_look_ups_are_limited_per_member_with_the_input_kept(signed_in, http, lookups_per_member):
    signed_in.post(ADD, {"identifier": "1706.03762"})
    signed_in.post(ADD, {"identifier": "10.1038/nature14539"})
    response = signed_in.post(ADD, {"identifier": "10.1145/3065386"})
    html = response.content.decode()
    assert response.status_code == 429
    assert "You have reached the limit for paper look-ups" in html
    assert "10.1145/3065386</textarea>" in html
    assert len(http.calls) == 2


def test_a_look_up_answered_from_the_cache_does_not_count(signed_in, http, lookups_per_member):
    for _ in range(4):
        response = signed_in.post(ADD, {"identifier": "1706.03762"})
        assert response.status_code == 200
    assert len(http.calls) == 1


def test_a_paper_already_on_the_site_does_not_count(signed_in, http, lookups_per_member):
    paper = PaperFactory(arxiv_id="1706.03762")
    for _ in range(4):
        assert signed_in.post(ADD, {"identifier": "1706.03762"}).url == paper.get_absolute_url()
    assert http.calls == []


def test_a_failed_look_up_is_remembered_briefly_instead_of_asked_again(signed_in, monkeypatch):
    fake = FakeHttp(ConnectionRefusedError())
    monkeypatch.setattr(sources, "get_client", lambda: MetadataClient(http_get=fake))
    first = signed_in.post(ADD, {"identifier": "1706.03762"}).content.decode()
    second = signed_in.post(ADD, {"identifier": "1706.03762"}).content.decode()
    assert "Could not reach arXiv" in first and "Could not reach arXiv" in second
    assert len(fake.calls) == 1
    assert Paper.objects.count() == 0


def test_an_identifier_arxiv_does_not_know_is_remembered_too(signed_in, http):
    signed_in.post(ADD, {"identifier": "10.9999/nothing.here"})
    response = signed_in.post(ADD, {"identifier": "10.9999/nothing.here"})
    assert "Crossref has no record of the DOI 10.9999/nothing.here" in response.content.decode()
    assert len(http.calls) == 1


@override_settings(METADATA_MAX_CONCURRENT=2)
def test_look_ups_beyond_the_site_wide_cap_are_turned_away_without_asking(signed_in, http):
    with importing.outbound_slot(), importing.outbound_slot():
        response = signed_in.post(ADD, {"identifier": "1706.03762"})
    html = response.content.decode()
    assert "Many papers are being looked up right now" in html
    assert "1706.03762</textarea>" in html
    assert http.calls == []
    # The slots are given back: the next look-up goes through.
    assert "Attention Is All You Need" in signed_in.post(ADD, {"identifier": "1706.03762"}).content.decode()


@override_settings(METADATA_MAX_CONCURRENT=1)
def test_a_slot_is_given_back_when_the_look_up_fails(signed_in, monkeypatch):
    fake = FakeHttp(TimeoutError("timed out"))
    monkeypatch.setattr(sources, "get_client", lambda: MetadataClient(http_get=fake))
    signed_in.post(ADD, {"identifier": "1706.03762"})
    signed_in.post(ADD, {"identifier": "10.1038/nature14539"})
    assert len(fake.calls) == 2


def test_searches_are_limited_per_address(client, monkeypatch):
    monkeypatch.setitem(
        ratelimit.RATES, "search", ratelimit.Rate(per_member=100, per_ip=3, window=600, label="searches")
    )
    for word in ("alpha", "beta", "gamma"):
        assert client.get(SEARCH, {"q": word}).status_code == 200
    response = client.get(SEARCH, {"q": "delta"})
    assert response.status_code == 429
    assert "You have reached the limit for searches" in response.content.decode()
    # Another visitor is not affected.
    assert client.get(SEARCH, {"q": "delta"}, REMOTE_ADDR="192.0.2.77").status_code == 200


def test_identifier_searches_and_the_empty_page_do_not_count(client, monkeypatch):
    monkeypatch.setitem(
        ratelimit.RATES, "search", ratelimit.Rate(per_member=100, per_ip=1, window=600, label="searches")
    )
    paper = PaperFactory(arxiv_id="1706.03762")
    for _ in range(3):
        assert client.get(SEARCH).status_code == 200
        assert client.get(SEARCH, {"q": "1706.03762"}).url == paper.get_absolute_url()
    assert client.get(SEARCH, {"q": "attention"}).status_code == 200
