"""The JSON API's digests: published only, paginated, entries in order with numbers, filters, constant queries."""

from __future__ import annotations

import datetime

import pytest

from tests.digest.reading_helpers import DAY, LOSS_NOTE, category, digest, entry, paper_with_affiliations
from tests.factories import PaperFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    lg, cv = category("cs.LG"), category("cs.CV", "Computer Vision and Pattern Recognition", "计算机视觉")
    the_digest = digest(title="Digest of 6 December 2026")
    paper = paper_with_affiliations(
        "Loss landscapes", [("S Fort", ["Stanford University"]), ("D Roy", ["Toronto"])], arxiv_id="2010.15110"
    )
    entry(the_digest, paper, lg, position=1, starred=True, note=LOSS_NOTE, language="zh-Hans")
    entry(the_digest, PaperFactory(title="A vision paper"), cv, position=2)
    return the_digest


def test_the_digest_list_shows_published_digests_newest_first(client, published):
    digest(DAY - datetime.timedelta(days=1), title="Older")
    digest(DAY + datetime.timedelta(days=1), published=False, title="Draft")
    response = client.get("/api/v1/digests")
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert [d["title"] for d in body["results"]] == ["Digest of 6 December 2026", "Older"]
    first = body["results"][0]
    assert first["date"] == "2026-12-06" and first["entry_count"] == 2
    assert first["url"] == "http://testserver/digest/2026-12-06/"
    assert first["api_url"] == "http://testserver/api/v1/digests/2026-12-06"
    assert body["page"] == 1 and body["next"] is None


def test_a_digest_with_its_entries(client, published):
    body = client.get("/api/v1/digests/2026-12-06/").json()
    assert body["digest"]["title"] == "Digest of 6 December 2026"
    first, second = body["results"]
    assert (first["number"], first["starred"], first["language"]) == (1, True, "zh-Hans")
    assert first["category"] == {"code": "cs.LG", "name": "Machine Learning", "name_zh": "机器学习"}
    assert LOSS_NOTE in first["note_html"]
    assert first["paper"]["authors"] == ["S Fort", "D Roy"]
    assert first["paper"]["affiliations"] == ["Stanford University", "Toronto"]
    assert first["paper"]["arxiv_id"] == "2010.15110"
    assert second["number"] == 2 and second["category"]["code"] == "cs.CV"


def test_filters_keep_the_numbers(client, published):
    body = client.get("/api/v1/digests/2026-12-06", {"category": "cs.CV"}).json()
    assert [(e["number"], e["paper"]["title"]) for e in body["results"]] == [(2, "A vision paper")]
    body = client.get("/api/v1/digests/2026-12-06", {"starred": "1"}).json()
    assert [e["number"] for e in body["results"]] == [1]
    assert client.get("/api/v1/digests/2026-12-06", {"starred": "yes"}).status_code == 400


def test_drafts_unknown_days_and_bad_dates(client, published):
    digest(DAY + datetime.timedelta(days=1), published=False)
    assert client.get("/api/v1/digests/2026-12-07").status_code == 404
    assert client.get("/api/v1/digests/2026-12-08").status_code == 404
    response = client.get("/api/v1/digests/2026-02-30")
    assert response.status_code == 400 and "date" in response.json()["error"]
    assert client.post("/api/v1/digests").status_code == 405


def test_the_entries_endpoint_runs_a_constant_number_of_queries(client, published, django_assert_max_num_queries):
    lg = category()
    for n in range(30):
        entry(published, paper_with_affiliations(f"Paper {n}", [(f"Author {n}", ["Lab"])]), lg, position=10 + n)
    with django_assert_max_num_queries(4):
        body = client.get("/api/v1/digests/2026-12-06").json()
    assert len(body["results"]) == 20 and body["next"].endswith("page=2")
