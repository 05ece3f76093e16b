"""The digest's day page from the cache (digest/views_reading.py ``_digest_body``; issue 14).

Its article (legend, filters, entries) is the same for every reader and is kept under the listing stamp, so a
member's request, which never gets the page cache, reads no entry after the first; anonymous readers get the whole
page from the page cache. Correctness first: a curator's edit, a reordering, a new entry, a renamed paper and an
unpublished digest show (or 404) on the next request of both.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from digest import curation
from tests.conftest import html_of
from tests.digest.reading_helpers import DAY, category, digest, entry
from tests.factories import PaperFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]

DAY_URL = reverse("digest:day", args=[DAY.isoformat()])
LATEST_URL = reverse("digest:latest")


@pytest.fixture
def day_digest(committed):
    with committed():
        the_digest = digest(title="Digest of the wombats")
        lg, cv = category("cs.LG"), category("cs.CV", "Computer Vision and Pattern Recognition", "计算机视觉")
        first = entry(the_digest, PaperFactory(title="Burrowing networks"), lg, position=1, note="A *first* note.")
        entry(the_digest, PaperFactory(title="Nocturnal transformers"), lg, position=2, starred=True)
        entry(the_digest, PaperFactory(title="Seeing in the dark"), cv, position=3)
    return {"digest": the_digest, "first": first, "lg": lg}


@pytest.fixture(params=["anonymous", "member"])
def reader(request, client):
    if request.param == "member":
        client.force_login(UserFactory(username="wreader"))
    return client


def entry_queries(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        html_of(client.get(url))
    return [query["sql"] for query in queries.captured_queries if 'FROM "digest_digestentry"' in query["sql"]]


def test_a_members_digest_page_reads_its_entries_once_until_a_write(client, day_digest, committed):
    client.force_login(UserFactory(username="wreader"))
    for url in (DAY_URL, LATEST_URL, DAY_URL + "?starred=1"):
        html_of(client.get(url))
        # The digest row and its categories are read on every request; the entries and their papers only once.
        assert [sql for sql in entry_queries(client, url) if "GROUP BY" not in sql] == [], url
    with committed():
        day_digest["first"].note = "A *second* note."
        day_digest["first"].save()
    assert entry_queries(client, DAY_URL)
    assert "<em>second</em>" in html_of(client.get(DAY_URL))


def test_a_curators_note_shows_on_the_next_request(reader, day_digest, committed):
    assert "<em>first</em>" in html_of(reader.get(DAY_URL))
    with committed():
        day_digest["first"].note = "A *second* note."
        day_digest["first"].save()
    html = html_of(reader.get(DAY_URL))
    assert "<em>second</em>" in html and "<em>first</em>" not in html


def test_a_reordering_and_a_new_entry_show_on_the_next_request(reader, day_digest, committed):
    html = html_of(reader.get(DAY_URL))
    assert html.index("Burrowing networks") < html.index("Nocturnal transformers")
    with committed():
        assert curation.move(day_digest["first"], 1)
    html = html_of(reader.get(DAY_URL))
    assert html.index("Nocturnal transformers") < html.index("Burrowing networks")
    with committed():
        entry(day_digest["digest"], PaperFactory(title="Marsupial attention"), day_digest["lg"], position=4)
    assert "Marsupial attention" in html_of(reader.get(DAY_URL))


def test_a_renamed_paper_shows_on_the_next_request(reader, day_digest, committed):
    assert "Burrowing networks" in html_of(reader.get(LATEST_URL))
    with committed():
        paper = day_digest["first"].paper
        paper.title = "Digging networks"
        paper.save()
    html = html_of(reader.get(LATEST_URL))
    assert "Digging networks" in html and "Burrowing networks" not in html


def test_an_unpublished_digest_is_gone_on_the_next_request(reader, day_digest, committed):
    html_of(reader.get(DAY_URL))
    with committed():
        day_digest["digest"].unpublish(UserFactory(is_staff=True))
    assert reader.get(DAY_URL).status_code == 404
    assert "Burrowing networks" not in reader.get(LATEST_URL).content.decode()


def test_filters_pages_and_the_latest_page_are_kept_apart(reader, day_digest):
    everything, starred = html_of(reader.get(DAY_URL)), html_of(reader.get(DAY_URL + "?starred=1"))
    assert "Burrowing networks" in everything and "Burrowing networks" not in starred
    assert "Nocturnal transformers" in starred
    assert "The latest digest" in html_of(reader.get(LATEST_URL)) and "The latest digest" not in everything
    cv_only = html_of(reader.get(DAY_URL + "?category=cs.CV"))
    assert "Seeing in the dark" in cv_only and "Nocturnal transformers" not in cv_only
    assert '<meta name="robots" content="noindex, follow">' in cv_only
    assert '<meta name="robots" content="noindex, follow">' not in html_of(reader.get(DAY_URL))


def test_the_kept_article_holds_nothing_of_the_member_who_filled_it(client, day_digest):
    first = UserFactory(username="firstreader", display_name="First Reader")
    client.force_login(first)
    html_of(client.get(DAY_URL))
    client.force_login(UserFactory(username="secondreader", display_name="Second Reader"))
    html = html_of(client.get(DAY_URL))
    assert "Second Reader" in html  # the layout is the reader's own
    assert "First Reader" not in html and "firstreader" not in html
    client.logout()
    html = html_of(client.get(DAY_URL))
    assert "First Reader" not in html and "csrfmiddlewaretoken" not in html


def test_a_members_repeated_digest_page_runs_three_queries(client, day_digest, django_assert_num_queries):
    client.force_login(UserFactory(username="wreader"))
    html_of(client.get(LATEST_URL))
    # The member, the latest digest, its categories (the legend and the filter's choices).
    with django_assert_num_queries(3):
        html_of(client.get(LATEST_URL))
