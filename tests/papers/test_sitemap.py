import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from papers.sitemaps import PaperSitemap
from tests.factories import PaperFactory, SummaryFactory, VenueFactory

pytestmark = pytest.mark.django_db

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def locs(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    return [el.text for el in root.iter(f"{SM}loc")], root


def section(client, name, page=None):
    url = f"/sitemap-{name}.xml" + (f"?p={page}" if page else "")
    return locs(client, url)[0]


def test_the_index_lists_every_section_with_absolute_urls(client):
    SummaryFactory()
    found, root = locs(client, "/sitemap.xml")
    assert root.tag == f"{SM}sitemapindex"
    assert found == [
        "http://testserver/sitemap-home.xml",
        "http://testserver/sitemap-papers.xml",
        "http://testserver/sitemap-summaries.xml",
        "http://testserver/sitemap-venues.xml",
    ]
    lastmods = [el.text for el in root.iter(f"{SM}lastmod")]
    assert len(lastmods) == 2  # papers and summaries


def test_papers_section_holds_only_live_papers_with_listed_summaries(client):
    with_summary = PaperFactory(title="With")
    SummaryFactory(paper=with_summary)
    without = PaperFactory(title="Without")
    only_hidden = PaperFactory(title="Only hidden")
    SummaryFactory(paper=only_hidden, state="hidden")
    only_private = PaperFactory(title="Only private")
    SummaryFactory(paper=only_private, visibility="private")
    kept = PaperFactory(title="Kept")
    merged = PaperFactory(title="Merged", merged_into=kept)
    SummaryFactory(paper=merged)
    found = section(client, "papers")
    assert f"http://testserver{with_summary.get_absolute_url()}" in found
    for paper in (without, only_hidden, only_private, merged):
        assert f"http://testserver{paper.get_absolute_url()}" not in found


@pytest.mark.parametrize(
    "fields",
    [{"visibility": "private"}, {"state": "hidden"}, {"state": "spam"}, {"state": "pending"}, {"deleted": True}],
)
def test_summaries_section_holds_only_listed_summaries(client, fields):
    listed = SummaryFactory()
    fields = dict(fields)
    if fields.pop("deleted", False):
        fields["deleted_at"] = timezone.now()
    unlisted = SummaryFactory(**fields)
    found = section(client, "summaries")
    assert found == [f"http://testserver/summary/{listed.pk}/"]
    assert f"/summary/{unlisted.pk}/" not in "".join(found)


def test_venues_section_holds_venues_with_papers(client):
    busy = VenueFactory()
    PaperFactory(venue=busy)
    empty = VenueFactory()
    found = section(client, "venues")
    assert f"http://testserver{busy.get_absolute_url()}" in found
    assert f"http://testserver{empty.get_absolute_url()}" not in found


def test_entries_carry_lastmod(client):
    summary = SummaryFactory()
    _, root = locs(client, "/sitemap-summaries.xml")
    (url,) = root.findall(f"{SM}url")
    assert url.findtext(f"{SM}lastmod") == summary.updated_at.date().isoformat()
    _, root = locs(client, "/sitemap-papers.xml")
    assert root.find(f"{SM}url/{SM}lastmod") is not None


def test_home_section_lists_the_home_page(client):
    assert section(client, "home") == ["http://testserver/"]


def test_large_sections_are_split_into_pages_listed_in_the_index(client, monkeypatch):
    monkeypatch.setattr(PaperSitemap, "limit", 2)
    for _ in range(5):
        SummaryFactory()
    found, _ = locs(client, "/sitemap.xml")
    assert "http://testserver/sitemap-papers.xml?p=2" in found
    assert "http://testserver/sitemap-papers.xml?p=3" in found
    assert "http://testserver/sitemap-papers.xml?p=4" not in found
    pages = [section(client, "papers", page) for page in (1, 2, 3)]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert len({url for page in pages for url in page}) == 5
    assert client.get("/sitemap-papers.xml?p=9").status_code == 404
    assert client.get("/sitemap-papers.xml?p=x").status_code == 404


def test_an_unknown_section_is_404(client):
    assert client.get("/sitemap-nothing.xml").status_code == 404


@pytest.mark.parametrize(
    ("url", "budget"),
    [("/sitemap.xml", 6), ("/sitemap-papers.xml", 2), ("/sitemap-summaries.xml", 2), ("/sitemap-venues.xml", 2)],
)
def test_sitemaps_run_a_constant_number_of_queries(client, django_assert_max_num_queries, url, budget):
    venue = VenueFactory()
    for _ in range(30):
        SummaryFactory(paper__venue=venue)
    with django_assert_max_num_queries(budget):
        response = client.get(url)
    assert response.status_code == 200


def test_sitemaps_are_cached_for_an_hour(client, django_assert_num_queries):
    SummaryFactory()
    first = client.get("/sitemap-summaries.xml")
    with django_assert_num_queries(0):
        second = client.get("/sitemap-summaries.xml")
    assert second.content == first.content
    assert "max-age=3600" in second["Cache-Control"]


# --- robots.txt -----------------------------------------------------------------------------------------


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_out_of_private_areas(client):
    response = client.get("/robots.txt")
    text = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "Sitemap: http://testserver/sitemap.xml" in text
    lines = set(text.splitlines())
    for path in ("/admin/", "/accounts/", "/search/", "/settings/", "/papers/add/", "/summary/*/edit/", "/s/"):
        assert f"Disallow: {path}" in lines
    assert "User-agent: *" in lines
    assert "Disallow: /\n" not in text
