import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from discovery.sitemaps import PaperSitemap, SummarySitemap
from papers.models import Paper
from summaries.models import Summary
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


def page_url(name, page):
    return f"http://testserver/sitemap-{name}.xml" + (f"?p={page}" if page != 1 else "")


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


def test_a_paper_lastmod_is_the_later_of_its_edit_and_its_newest_summary(client):
    edited_last = SummaryFactory().paper
    summarised_last = SummaryFactory().paper
    Paper.objects.filter(pk=edited_last.pk).update(
        updated_at=datetime(2024, 5, 2, 23, 30, tzinfo=UTC), last_summary_at=datetime(2023, 1, 1, tzinfo=UTC)
    )
    Paper.objects.filter(pk=summarised_last.pk).update(
        updated_at=datetime(2022, 1, 1, tzinfo=UTC), last_summary_at=datetime(2024, 6, 1, 0, 30, tzinfo=UTC)
    )
    _, root = locs(client, "/sitemap-papers.xml")
    lastmods = {url.findtext(f"{SM}loc"): url.findtext(f"{SM}lastmod") for url in root.findall(f"{SM}url")}
    assert lastmods[f"http://testserver{edited_last.get_absolute_url()}"] == "2024-05-02"  # UTC day
    assert lastmods[f"http://testserver{summarised_last.get_absolute_url()}"] == "2024-06-01"


def test_home_section_lists_the_home_page(client):
    assert section(client, "home") == ["http://testserver/"]


def test_large_sections_are_split_into_pages_listed_in_the_index(client, monkeypatch):
    # Pages are id windows (page p = ids (p-1)*K+1 … p*K), not slices of K rows: with K = 2 the five papers
    # fall into the windows of their ids, and the index lists exactly those pages.
    monkeypatch.setattr(PaperSitemap, "limit", 2)
    papers = [SummaryFactory().paper for _ in range(5)]
    windows = {}
    for paper in papers:
        windows.setdefault((paper.pk - 1) // 2 + 1, []).append(f"http://testserver{paper.get_absolute_url()}")
    found, _ = locs(client, "/sitemap.xml")
    assert [url for url in found if "sitemap-papers" in url] == [page_url("papers", p) for p in sorted(windows)]
    pages = {number: section(client, "papers", number) for number in windows}
    assert pages == windows
    assert sum(len(page) for page in pages.values()) == 5
    assert client.get(f"/sitemap-papers.xml?p={max(windows) + 1}").status_code == 404
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


def test_sitemaps_are_cached_on_the_server_and_for_ten_minutes_by_crawlers(client, django_assert_num_queries):
    # The server's copy follows every change (tests/moderation/test_cached_surfaces.py); crawlers keep theirs briefly.
    SummaryFactory()
    first = client.get("/sitemap-summaries.xml")
    with django_assert_num_queries(0):
        second = client.get("/sitemap-summaries.xml")
    assert second.content == first.content
    assert "max-age=600" in second["Cache-Control"]


# --- Pages by id windows -----------------------------------------------------------------------------------


def all_pages(client, name):
    """Every page of a section that the index lists: {page number: [URL, …]}."""
    found, _ = locs(client, "/sitemap.xml")
    prefix = f"http://testserver/sitemap-{name}.xml"
    numbers = [1 if url == prefix else int(url.rpartition("?p=")[2]) for url in found if url.startswith(prefix)]
    return {number: section(client, name, number) for number in numbers}


def test_summary_pages_are_id_windows_with_exact_boundaries(client, monkeypatch):
    monkeypatch.setattr(SummarySitemap, "limit", 10)
    # Windows of 10 ids: 91-100 is page 10, 101-110 page 11, 111-120 page 12, 121-130 (empty) page 13, …
    ids = [100, 101, 110, 111, 131]
    for pk in ids:
        SummaryFactory(pk=pk)
    pages = all_pages(client, "summaries")
    assert pages == {
        10: ["http://testserver/summary/100/"],
        11: ["http://testserver/summary/101/", "http://testserver/summary/110/"],
        12: ["http://testserver/summary/111/"],
        14: ["http://testserver/summary/131/"],
    }
    # Empty windows are not listed and not served; page 1 (the section's own URL) always answers.
    for number in (13, 15, 2):
        assert client.get(f"/sitemap-summaries.xml?p={number}").status_code == 404
    assert section(client, "summaries") == []


@pytest.mark.parametrize("bad", ["0", "-1", "x", "1.5", "", str(10**20)])
def test_invalid_or_out_of_range_page_numbers_are_404(client, bad):
    SummaryFactory()
    assert client.get(f"/sitemap-summaries.xml?p={bad}").status_code == 404
    assert client.get(f"/sitemap-papers.xml?p={bad}").status_code == 404


def test_no_url_is_listed_twice_or_missed_across_pages(client, monkeypatch):
    monkeypatch.setattr(SummarySitemap, "limit", 3)
    monkeypatch.setattr(PaperSitemap, "limit", 3)
    listed = []
    for number in range(14):
        paper = PaperFactory()
        listed.append(SummaryFactory(paper=paper))
        if number % 3 == 0:  # a second summary on the same paper: the paper is still listed once
            listed.append(SummaryFactory(paper=paper))
    unlisted = [
        SummaryFactory(visibility="private"),
        SummaryFactory(state="hidden"),
        SummaryFactory(state="spam"),
        SummaryFactory(state="pending"),
        SummaryFactory(deleted_at=timezone.now()),
    ]
    without_summary = PaperFactory()
    kept = PaperFactory()
    merged = PaperFactory(merged_into=kept)
    on_merged_paper = SummaryFactory(paper=merged)  # listed itself; its paper is not (merged away)

    summary_pages = all_pages(client, "summaries")
    summary_urls = [url for page in summary_pages.values() for url in page]
    assert len(summary_pages) > 3
    assert all(len(page) <= 3 for page in summary_pages.values())
    assert sorted(summary_urls) == sorted(
        f"http://testserver{s.get_absolute_url()}" for s in [*listed, on_merged_paper]
    )

    paper_pages = all_pages(client, "papers")
    paper_urls = [url for page in paper_pages.values() for url in page]
    assert len(paper_pages) > 3
    assert len(paper_urls) == len(set(paper_urls))
    expected = {f"http://testserver{s.paper.get_absolute_url()}" for s in listed}
    assert set(paper_urls) == expected
    for paper in [s.paper for s in unlisted] + [without_summary, merged]:
        assert f"http://testserver{paper.get_absolute_url()}" not in paper_urls


def test_a_section_without_rows_is_left_out_of_the_index_but_still_answers(client):
    VenueFactory()
    found, _ = locs(client, "/sitemap.xml")
    assert found == ["http://testserver/sitemap-home.xml"]
    assert section(client, "papers") == []
    assert section(client, "summaries") == []
    assert section(client, "venues") == []


def test_a_page_is_one_id_range_query_without_offset(client, monkeypatch):
    monkeypatch.setattr(SummarySitemap, "limit", 5)
    monkeypatch.setattr(PaperSitemap, "limit", 5)
    for _ in range(12):
        SummaryFactory()
    for name in ("summaries", "papers"):
        for number in all_pages(client, name):
            cache.clear()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(f"/sitemap-{name}.xml?p={number}")
            assert response.status_code == 200
            (query,) = queries.captured_queries
            sql = query["sql"].upper()
            assert "OFFSET" not in sql
            assert "COUNT(" not in sql
            assert " BETWEEN " in sql


def test_the_index_runs_no_offset_or_count_over_papers_and_summaries(client):
    for _ in range(3):
        SummaryFactory()
    with CaptureQueriesContext(connection) as queries:
        client.get("/sitemap.xml")
    for query in queries.captured_queries:
        sql = query["sql"].upper()
        assert "OFFSET" not in sql
        if "COUNT(" in sql:
            # Only the small tables (venues, keywords) are counted.
            assert (
                ('"PAPERS_VENUE"' in sql or '"TAGGIT_TAG"' in sql)
                and "SUMMARIES_SUMMARY" not in sql
                and '"PAPERS_PAPER"' not in sql
            )


def _queries(client, url):
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_queries_per_page_do_not_grow_with_the_data(client, monkeypatch):
    monkeypatch.setattr(SummarySitemap, "limit", 4)
    monkeypatch.setattr(PaperSitemap, "limit", 4)
    SummaryFactory()
    small = {url: _queries(client, url) for url in ("/sitemap.xml", "/sitemap-papers.xml", "/sitemap-summaries.xml")}
    for _ in range(25):
        SummaryFactory()
    assert len(all_pages(client, "summaries")) >= 6
    for url, count in small.items():
        assert _queries(client, url) == count
    last = max(all_pages(client, "summaries"))
    assert _queries(client, f"/sitemap-summaries.xml?p={last}") == small["/sitemap-summaries.xml"] == 1
    last = max(all_pages(client, "papers"))
    assert _queries(client, f"/sitemap-papers.xml?p={last}") == small["/sitemap-papers.xml"] == 1


def explain(sql, params):
    with connection.cursor() as cursor:
        # A few rows: make the planner show whether it *can* use an index, not whether it would bother.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def keep_only_index(table: str, index: str) -> None:
    """Drop every other index of ``table`` inside the test's transaction (rolled back after the test).

    On a table of a few rows the primary key (then filtering) costs the planner about the same as the partial
    index, and which one won depended on the statistics earlier tests left behind; with the competitors gone
    the plan shows whether the partial index *can* serve the query.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses while foreign-key checks wait
        cursor.execute(
            "SELECT i.relname, c.conname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
            " LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid"
            " AND c.contype IN ('p', 'u', 'x')"
            " WHERE x.indrelid = %s::regclass AND i.relname <> %s",
            [table, index],
        )
        for name, constraint in cursor.fetchall():
            if constraint:
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{constraint}" CASCADE')
            else:
                cursor.execute(f'DROP INDEX "{name}"')


@pytest.mark.parametrize(
    ("sitemap_class", "index"), [(PaperSitemap, "paper_sitemap_idx"), (SummarySitemap, "summary_sitemap_idx")]
)
def test_pages_and_their_list_can_use_the_partial_sitemap_indexes(sitemap_class, index):
    """The sitemap indexes of migration papers/0003 imply each section's filter, so the planner can use them."""
    SummaryFactory()
    keep_only_index(sitemap_class().paginator.queryset.model._meta.db_table, index)
    paginator = sitemap_class().paginator
    page_plan = explain(*paginator.page_queryset(3).query.sql_with_params())
    assert f"Index Only Scan using {index}" in page_plan
    # The list of pages: its first probe, and the shape of each further probe (EXPLAIN does not print the
    # plan of a subquery inside a recursive CTE's step).
    assert index in explain(*paginator.page_numbers_sql())
    probe = paginator.queryset.filter(pk__gt=50_000).order_by("pk").values_list("pk")[:1]
    assert index in explain(*probe.query.sql_with_params())


def test_the_summaries_lastmod_can_use_its_partial_index():
    SummaryFactory()
    keep_only_index("summaries_summary", "summary_sitemap_lastmod_idx")
    sql, params = Summary.objects.listed().values("updated_at").order_by("-updated_at")[:1].query.sql_with_params()
    assert "summary_sitemap_lastmod_idx" in explain(sql, params)


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
