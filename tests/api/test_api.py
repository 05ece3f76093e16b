import json

import pytest
from django.core.cache import cache
from django.utils import timezone

from summaries.models import Summary
from tests.conftest import ROLES, h1_count
from tests.factories import PaperFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db

LOOKUP = "/api/v1/papers/lookup"
LATEST = "/api/v1/summaries/latest"


def get_json(client, url, params=None, status=200):
    response = client.get(url, params or {})
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def paper_summaries_url(paper):
    return f"/api/v1/papers/{paper.pk}/summaries"


@pytest.fixture
def attention(db):
    paper = PaperFactory(title="Attention Is All You Need", arxiv_id="1706.03762", doi="10.5555/3295222.3295349")
    SummaryFactory(paper=paper)
    SummaryFactory(paper=paper)
    SummaryFactory(paper=paper, state="hidden")
    return paper


# --- Lookup ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"arxiv": "1706.03762"},
        {"arxiv": "1706.03762v5"},
        {"arxiv": "arXiv:1706.03762"},
        {"arxiv": "https://arxiv.org/abs/1706.03762v2"},
        {"doi": "10.5555/3295222.3295349"},
        {"doi": "https://doi.org/10.5555/3295222.3295349"},
        {"doi": "DOI:10.5555/3295222.3295349"},
        {"arxiv": "2001.00001", "doi": "10.5555/3295222.3295349"},
    ],
)
def test_lookup_finds_a_paper_by_arxiv_id_or_doi_in_any_form(client, attention, params):
    data = get_json(client, LOOKUP, params)
    assert data == {
        "id": attention.pk,
        "title": "Attention Is All You Need",
        "url": f"http://testserver{attention.get_absolute_url()}",
        "summary_count": 2,
        "arxiv_id": "1706.03762",
        "doi": "10.5555/3295222.3295349",
        "keywords": [],
        "summaries_api_url": f"http://testserver/api/v1/papers/{attention.pk}/summaries",
    }


def test_lookup_of_a_merged_paper_answers_with_the_paper_it_was_merged_into(client):
    kept = PaperFactory(title="Kept")
    PaperFactory(arxiv_id="1512.03385", merged_into=kept)
    assert get_json(client, LOOKUP, {"arxiv": "1512.03385"})["id"] == kept.pk


def test_lookup_of_an_unknown_paper_is_a_json_404(client, db):
    data = get_json(client, LOOKUP, {"arxiv": "2101.00001"}, status=404)
    assert data["status"] == 404 and "No paper" in data["error"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "Give an arXiv id"),
        ({"arxiv": ""}, "Give an arXiv id"),
        ({"arxiv": "not-an-id"}, "Not an arXiv id"),
        ({"doi": "11.1/x"}, "Not a DOI"),
        ({"arxiv": "x" * 5000}, "Not an arXiv id"),
    ],
)
def test_lookup_with_bad_parameters_is_a_json_400(client, db, params, message):
    data = get_json(client, LOOKUP, params, status=400)
    assert message in data["error"]
    assert len(data["error"]) < 300


def test_paths_work_with_or_without_a_trailing_slash(client, attention):
    assert get_json(client, LOOKUP + "/", {"arxiv": "1706.03762"})["id"] == attention.pk
    assert get_json(client, paper_summaries_url(attention) + "/")["paper"]["id"] == attention.pk
    assert get_json(client, LATEST + "/")["page"] == 1


# --- Summaries ------------------------------------------------------------------------------------------


def test_a_papers_summaries_are_its_listed_ones_best_first(client, attention):
    low, high = Summary.objects.listed().filter(paper=attention).order_by("id")
    Summary.objects.filter(pk=high.pk).update(score=5)
    data = get_json(client, paper_summaries_url(attention))
    assert [s["id"] for s in data["results"]] == [high.pk, low.pk]
    assert data["paper"]["summary_count"] == 2
    first = data["results"][0]
    assert first["url"] == f"http://testserver/summary/{high.pk}/"
    assert first["score"] == 5
    assert first["byline"] == high.writer.public_name
    assert first["writer_url"] == f"http://testserver{high.writer.get_absolute_url()}"
    assert first["body_html"] == high.body_html
    assert first["paper"]["arxiv_id"] == "1706.03762"
    assert set(first) == {
        "id",
        "url",
        "paper",
        "byline",
        "writer_url",
        "score",
        "comment_count",
        "created_at",
        "updated_at",
        "body_html",
    }


@pytest.mark.parametrize(
    "fields",
    [{"visibility": "private"}, {"state": "hidden"}, {"state": "spam"}, {"state": "pending"}, {"deleted": True}],
)
def test_unlisted_summaries_never_appear_in_the_api(client, fields):
    paper = PaperFactory(arxiv_id="1706.03762")
    listed = SummaryFactory(paper=paper)
    fields = dict(fields)
    if fields.pop("deleted", False):
        fields["deleted_at"] = timezone.now()
    hidden = SummaryFactory(paper=paper, body="Secret text", **fields)
    for url in (paper_summaries_url(paper), LATEST):
        data = get_json(client, url)
        assert [s["id"] for s in data["results"]] == [listed.pk]
        assert "Secret text" not in json.dumps(data)
        assert f"/summary/{hidden.pk}/" not in json.dumps(data)
    assert get_json(client, LOOKUP, {"arxiv": "1706.03762"})["summary_count"] == 1


def test_an_anonymous_summary_never_reveals_its_writer(client):
    writer = UserFactory(username="shadow", display_name="Shadow Writer")
    summary = SummaryFactory(writer=writer, is_anonymous=True)
    for url in (paper_summaries_url(summary.paper), LATEST):
        data = get_json(client, url)
        (item,) = data["results"]
        assert item["byline"] == "anonymous"
        assert item["writer_url"] is None
        raw = json.dumps(data)
        assert "shadow" not in raw.lower()
        assert "Shadow Writer" not in raw


def test_a_summary_of_a_deleted_account_is_anonymous(client):
    summary = SummaryFactory()
    Summary.objects.filter(pk=summary.pk).update(writer=None)
    (item,) = get_json(client, LATEST)["results"]
    assert item["byline"] == "anonymous" and item["writer_url"] is None


def test_latest_summaries_are_newest_first(client):
    first, second = SummaryFactory(), SummaryFactory()
    Summary.objects.filter(pk=first.pk).update(created_at=timezone.now() - timezone.timedelta(days=1))
    assert [s["id"] for s in get_json(client, LATEST)["results"]] == [second.pk, first.pk]


def test_summaries_of_an_unknown_paper_are_a_json_404(client, db):
    data = get_json(client, "/api/v1/papers/999999/summaries", status=404)
    assert "No paper" in data["error"]


def test_summaries_of_a_merged_paper_are_those_of_the_paper_it_was_merged_into(client):
    kept = PaperFactory()
    summary = SummaryFactory(paper=kept)
    merged = PaperFactory(merged_into=kept)
    data = get_json(client, paper_summaries_url(merged))
    assert data["paper"]["id"] == kept.pk and [s["id"] for s in data["results"]] == [summary.pk]


# --- Pagination -----------------------------------------------------------------------------------------


def test_lists_are_paginated_by_twenty_with_absolute_next_and_previous(client):
    paper = PaperFactory()
    for _ in range(25):
        SummaryFactory(paper=paper)
    first = get_json(client, paper_summaries_url(paper))
    assert len(first["results"]) == 20 and first["page"] == 1 and first["page_size"] == 20
    assert first["previous"] is None
    assert first["next"] == f"http://testserver/api/v1/papers/{paper.pk}/summaries?page=2"
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 5 and second["next"] is None
    assert second["previous"] == f"http://testserver/api/v1/papers/{paper.pk}/summaries?page=1"
    assert {s["id"] for s in first["results"]}.isdisjoint({s["id"] for s in second["results"]})
    latest = get_json(client, LATEST, {"page": 2})
    assert len(latest["results"]) == 5


@pytest.mark.parametrize("page", ["0", "-1", "abc", "51", "1.5", "9" * 30])
def test_a_bad_page_is_a_json_400(client, db, page):
    data = get_json(client, LATEST, {"page": page}, status=400)
    assert "page must be" in data["error"]


def test_the_last_allowed_page_has_no_next_link(client, monkeypatch):
    from api import views

    monkeypatch.setattr(views, "MAX_PAGES", 2)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for _ in range(7):
        SummaryFactory()
    data = get_json(client, LATEST, {"page": 2})
    assert len(data["results"]) == 2 and data["next"] is None


@pytest.mark.parametrize("endpoint", ["lookup", "paper", "latest"])
def test_api_runs_a_constant_number_of_queries(client, django_assert_max_num_queries, endpoint):
    paper = PaperFactory(arxiv_id="1706.03762")
    for _ in range(30):
        SummaryFactory(paper=paper)
    paper.keywords.set(["cs.LG", "大模型"])
    # The paper endpoints read the paper, its keywords and (for "paper") a page of summaries.
    url, params, budget = {
        "lookup": (LOOKUP, {"arxiv": "1706.03762"}, 2),
        "paper": (paper_summaries_url(paper), {}, 3),
        "latest": (LATEST, {}, 2),
    }[endpoint]
    with django_assert_max_num_queries(budget):
        response = client.get(url, params)
    assert response.status_code == 200


# --- HTTP: CORS, methods, caching -----------------------------------------------------------------------


def test_responses_allow_any_origin_for_reading_without_credentials(client, attention):
    response = client.get(LOOKUP, {"arxiv": "1706.03762"}, headers={"Origin": "https://example.org"})
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "Access-Control-Allow-Credentials" not in response
    assert "Set-Cookie" not in response and not response.cookies


def test_error_responses_carry_cors_headers_too(client, db):
    response = client.get(LOOKUP)
    assert response.status_code == 400
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "no-cache" in response["Cache-Control"]


def test_preflight_is_answered_without_touching_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.options(
            LATEST, headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"}
        )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Allow"] == "GET, HEAD, OPTIONS"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writing_methods_are_refused_with_a_json_405(client, db, method):
    response = getattr(client, method)(LATEST)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert response.json()["status"] == 405
    assert response["Access-Control-Allow-Origin"] == "*"


def test_head_is_answered_without_a_body(client, attention):
    response = client.head(LOOKUP, {"arxiv": "1706.03762"})
    assert response.status_code == 200 and response.content == b""


def test_answers_are_cached_for_sixty_seconds_by_full_path(client, django_assert_num_queries):
    paper = PaperFactory()
    SummaryFactory(paper=paper)
    first = client.get(LATEST)
    assert first["Cache-Control"] == "public, max-age=60" or set(first["Cache-Control"].split(", ")) == {
        "public",
        "max-age=60",
    }
    SummaryFactory()  # published after the first answer
    with django_assert_num_queries(0):
        again = client.get(LATEST)
    assert again.content == first.content
    assert again["Access-Control-Allow-Origin"] == "*" and "max-age=60" in again["Cache-Control"]
    other_path = client.get(LATEST, {"page": 1})
    assert len(other_path.json()["results"]) == 2
    cache.clear()
    assert len(client.get(LATEST).json()["results"]) == 2


def test_not_found_lookups_are_cached_but_bad_requests_are_not(client, db, django_assert_num_queries):
    client.get(LOOKUP, {"arxiv": "2101.00001"})
    with django_assert_num_queries(0):
        assert client.get(LOOKUP, {"arxiv": "2101.00001"}).status_code == 404
    client.get(LOOKUP, {"arxiv": "bad"})
    assert cache.get("api:v1:" + __import__("hashlib").sha256(b"/api/v1/papers/lookup?arxiv=bad").hexdigest()) is None


def test_unknown_endpoints_are_a_json_404(client, db):
    for url in ("/api/v1/", "/api/v1/nothing", "/api/v1/papers/abc/summaries"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json()["status"] == 404
        assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("who", ROLES)
def test_the_api_answers_the_same_to_everyone(client, role_users, who):
    paper = PaperFactory()
    listed = SummaryFactory(paper=paper, writer=UserFactory())
    SummaryFactory(paper=paper, writer=role_users["writer"], state="hidden")
    if role_users[who] is not None:
        client.force_login(role_users[who])
    for url in (paper_summaries_url(paper), LATEST):
        assert [s["id"] for s in get_json(client, url)["results"]] == [listed.pk]


# --- Documentation --------------------------------------------------------------------------------------


def test_the_api_documentation_page_describes_every_endpoint(client, db):
    response = client.get("/api/")
    html = response.content.decode()
    assert response.status_code == 200
    assert h1_count(html) == 1
    for text in ("/api/v1/papers/lookup", "/api/v1/papers/&lt;id&gt;/summaries", "/api/v1/summaries/latest", "CORS"):
        assert text in html
