import re
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone
from django.utils.html import escape

from discovery.feeds import SHORTSCIENCE_NS
from tests.conftest import h1_count
from tests.factories import UNLISTED_STATES, PaperFactory, SummaryFactory, UserFactory, VenueFactory, unlisted_summary

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
SS = "{" + SHORTSCIENCE_NS + "}"


def fetch(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def rss_items(client, url):
    response = fetch(client, url)
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(response.content)
    assert root.tag == "rss"
    return root.findall("./channel/item")


def atom_entries(client, url):
    response = fetch(client, url)
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return root.findall(f"{ATOM}entry")


def links(items):
    return [item.findtext("link") for item in items]


# --- Content and the shortscience: namespace ----------------------------------------------------------


def test_latest_rss_is_well_formed_and_declares_the_shortscience_namespace(client):
    SummaryFactory()
    response = fetch(client, "/feeds/latest.rss")
    assert b'xmlns:shortscience="https://shortscience.org/ns/1.0"' in response.content
    ET.fromstring(response.content)


def test_rss_items_carry_arxiv_id_doi_bibtex_key_and_votes(client):
    paper = PaperFactory(title="Attention Is All You Need", arxiv_id="1706.03762v5", doi="10.5555/3295222")
    summary = SummaryFactory(paper=paper, body="Self-attention everywhere.")
    type(summary).objects.filter(pk=summary.pk).update(score=7)
    (item,) = rss_items(client, "/feeds/latest.rss")
    assert item.findtext(f"{SS}arxivid") == "1706.03762"
    assert item.findtext(f"{SS}doi") == "10.5555/3295222"
    assert item.findtext(f"{SS}bibtexkey") == "1706.03762"
    assert item.findtext(f"{SS}votes") == "7"
    assert item.findtext("link") == f"http://testserver/summary/{summary.pk}/"
    assert item.findtext("guid") == f"http://testserver/summary/{summary.pk}/"
    assert item.findtext("title") == "Attention Is All You Need"
    assert item.findtext(f"{DC}creator") == summary.writer.public_name
    assert item.findtext("pubDate")


@pytest.mark.parametrize(
    ("identifiers", "expected"),
    [
        ({"doi": "10.1038/nature14539"}, {"doi": "10.1038/nature14539", "bibtexkey": "10.1038/nature14539"}),
        ({"dblp_key": "conf/nips/Foo17"}, {"bibtexkey": "conf/nips/Foo17"}),
        ({}, {}),
    ],
)
def test_bibtex_key_falls_back_to_the_doi_then_the_dblp_key(client, identifiers, expected):
    SummaryFactory(paper=PaperFactory(**identifiers))
    (item,) = rss_items(client, "/feeds/latest.rss")
    found = {child.tag.removeprefix(SS): child.text for child in item if child.tag.startswith(SS)}
    assert found == {**expected, "votes": "0"}


def test_item_description_is_the_stored_sanitised_html(client):
    summary = SummaryFactory(body="Hello **bold** $x_1$ <script>alert(1)</script>")
    (item,) = rss_items(client, "/feeds/latest.rss")
    assert item.findtext("description") == summary.body_html
    assert "<script" not in item.findtext("description")


def test_rss_titles_are_escaped_once_more_and_atom_titles_are_plain_text(client):
    SummaryFactory(paper__title="Fish & <Chips>")
    (item,) = rss_items(client, "/feeds/latest.rss")
    assert item.findtext("title") == escape("Fish & <Chips>")
    (entry,) = atom_entries(client, "/feeds/latest.atom")
    assert entry.findtext(f"{ATOM}title") == "Fish & <Chips>"


def test_atom_feed_is_well_formed_with_the_shortscience_elements(client):
    summary = SummaryFactory(paper__arxiv_id="1512.03385")
    response = fetch(client, "/feeds/latest.atom")
    assert b'xmlns:shortscience="https://shortscience.org/ns/1.0"' in response.content
    (entry,) = atom_entries(client, "/feeds/latest.atom")
    assert entry.findtext(f"{SS}arxivid") == "1512.03385"
    assert entry.findtext(f"{SS}bibtexkey") == "1512.03385"
    assert entry.findtext(f"{SS}votes") == "0"
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == summary.writer.public_name
    assert entry.find(f"{ATOM}summary").get("type") == "html"
    assert entry.findtext(f"{ATOM}summary") == summary.body_html


def test_latest_feed_lists_newest_first_and_at_most_thirty(client):
    for _ in range(33):
        SummaryFactory()
    items = rss_items(client, "/feeds/latest.rss")
    assert len(items) == 30
    ids = [int(re.search(r"/summary/(\d+)/", link).group(1)) for link in links(items)]
    assert ids == sorted(ids, reverse=True)


# --- Visibility and anonymity ---------------------------------------------------------------------------


@pytest.mark.parametrize("state", UNLISTED_STATES)
def test_unlisted_summaries_are_in_no_feed(client, state):
    writer = UserFactory(username="writer")
    venue = VenueFactory()
    paper = PaperFactory(venue=venue)
    shown = SummaryFactory(paper=paper, writer=writer, body="Shown.")
    hidden = unlisted_summary(state, paper__venue=venue, writer=writer, body="Should not be shown.")
    other_paper_hidden = unlisted_summary(state, paper=paper, body="Also not shown.")
    for url in (
        "/feeds/latest.rss",
        "/feeds/latest.atom",
        f"/paper/{paper.slug}/feed.rss",
        f"/users/{writer.username}/feed.rss",
        f"/venues/{venue.slug}/feed.rss",
        f"/venues/{venue.slug}/feed.atom",
    ):
        content = fetch(client, url).content.decode()
        assert f"/summary/{shown.pk}/" in content, url
        assert f"/summary/{hidden.pk}/" not in content, url
        assert f"/summary/{other_paper_hidden.pk}/" not in content, url
        assert "not shown" not in content.lower(), url


def test_an_anonymous_summary_is_credited_to_anonymous_in_rss_and_atom(client):
    writer = UserFactory(username="hiddenhand", display_name="Hidden Hand")
    SummaryFactory(writer=writer, is_anonymous=True)
    rss = fetch(client, "/feeds/latest.rss").content.decode()
    atom = fetch(client, "/feeds/latest.atom").content.decode()
    for content in (rss, atom):
        assert "hiddenhand" not in content and "Hidden Hand" not in content
    (item,) = rss_items(client, "/feeds/latest.rss")
    assert item.findtext(f"{DC}creator") == "anonymous"
    (entry,) = atom_entries(client, "/feeds/latest.atom")
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "anonymous"


def test_a_writers_feed_leaves_out_their_anonymous_summaries(client):
    writer = UserFactory(username="ada", display_name="Ada L")
    signed = SummaryFactory(writer=writer)
    anonymous = SummaryFactory(writer=writer, is_anonymous=True)
    items = rss_items(client, "/users/ada/feed.rss")
    assert links(items) == [f"http://testserver/summary/{signed.pk}/"]
    assert f"/summary/{anonymous.pk}/" not in fetch(client, "/users/ada/feed.atom").content.decode()


def test_paper_feed_lists_only_that_papers_summaries_by_slug_or_id(client):
    paper = PaperFactory()
    mine = SummaryFactory(paper=paper)
    SummaryFactory()
    assert links(rss_items(client, f"/paper/{paper.slug}/feed.rss")) == [f"http://testserver/summary/{mine.pk}/"]
    assert links(rss_items(client, f"/paper/{paper.pk}/feed.rss")) == [f"http://testserver/summary/{mine.pk}/"]
    assert len(atom_entries(client, f"/paper/{paper.slug}/feed.atom")) == 1


def test_a_merged_papers_feed_is_the_feed_of_the_paper_it_was_merged_into(client):
    kept = PaperFactory()
    summary = SummaryFactory(paper=kept)
    merged = PaperFactory(merged_into=kept)
    assert links(rss_items(client, f"/paper/{merged.slug}/feed.rss")) == [f"http://testserver/summary/{summary.pk}/"]


def test_venue_feed_lists_summaries_of_that_venues_papers(client):
    venue = VenueFactory()
    inside = SummaryFactory(paper__venue=venue)
    SummaryFactory()
    assert links(rss_items(client, f"/venues/{venue.slug}/feed.rss")) == [f"http://testserver/summary/{inside.pk}/"]


@pytest.mark.parametrize(
    "url",
    [
        "/paper/no-such-paper/feed.rss",
        "/users/nobody/feed.rss",
        "/venues/nowhere/feed.rss",
        "/venues/nowhere/feed.atom",
    ],
)
def test_feeds_of_unknown_objects_are_404(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "member", "writer", "moderator", "banned"])
def test_feeds_are_the_same_for_everyone(client, moderator, who):
    writer = UserFactory(username="writer")
    hidden = SummaryFactory(writer=writer, state="hidden")
    private = SummaryFactory(writer=writer, visibility="private")
    users = {
        "member": UserFactory(username="someone"),
        "writer": writer,
        "moderator": moderator,
        "banned": UserFactory(username="banned", banned_at=timezone.now()),
    }
    if who in users:
        client.force_login(users[who])
    for url in ("/feeds/latest.rss", "/users/writer/feed.rss", f"/paper/{hidden.paper.slug}/feed.rss"):
        content = fetch(client, url).content.decode()
        assert f"/summary/{hidden.pk}/" not in content and f"/summary/{private.pk}/" not in content


# --- Cost and caching -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "budget"),
    [
        ("/feeds/latest.rss", 1),
        ("/feeds/latest.atom", 1),
        ("/paper/{paper}/feed.rss", 2),
        ("/users/{user}/feed.rss", 2),
        ("/venues/{venue}/feed.rss", 2),
    ],
)
def test_feeds_run_a_constant_number_of_queries(client, django_assert_max_num_queries, url, budget):
    writer = UserFactory(username="prolific")
    venue = VenueFactory()
    paper = PaperFactory(venue=venue, arxiv_id="1706.03762")
    for _ in range(15):
        SummaryFactory(writer=writer, paper=PaperFactory(venue=venue))
        SummaryFactory(paper=paper)
    url = url.format(paper=paper.slug, user=writer.username, venue=venue.slug)
    with django_assert_max_num_queries(budget):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.count(b"<shortscience:votes>") >= 15


def test_feeds_send_cache_headers(client):
    SummaryFactory()
    response = fetch(client, "/feeds/latest.rss")
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    assert response["Last-Modified"]


def test_the_old_sites_rss_address_redirects_permanently_to_the_latest_feed(client):
    response = client.get("/rss.xml")
    assert response.status_code == 301
    assert response["Location"] == "/feeds/latest.rss"


def test_the_feeds_page_lists_the_feeds_with_one_h1(client, django_assert_max_num_queries):
    for _ in range(3):
        SummaryFactory()
    with django_assert_max_num_queries(2):
        response = client.get("/feeds/")
    html = response.content.decode()
    assert response.status_code == 200
    assert h1_count(html) == 1
    assert 'href="/feeds/latest.rss"' in html and 'href="/feeds/latest.atom"' in html
    assert 'type="application/rss+xml"' in html
    assert "/feed.rss" in html
