"""arXiv categories as data: the taxonomy with Chinese names, /list/<code>/ and /list/<code>/new/, their feeds,
affiliations per paper, and fields a moderator edited by hand locked against the harvest."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from papers.models import Category, Paper, PaperAuthor, PaperCategory
from papers.taxonomy import entries
from tests.conftest import html_of
from tests.factories import PaperFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 12, 3)


def listed(paper: Paper, codes: list[str], day=DAY) -> Paper:
    """File ``paper`` under ``codes`` (primary first) as announced on ``day``."""
    paper.announced_on = day
    paper.primary_category_id = codes[0]
    paper.save()
    PaperCategory.objects.bulk_create(
        PaperCategory(paper=paper, category_id=code, position=i, announced_on=day) for i, code in enumerate(codes)
    )
    return paper


def test_the_migration_loads_the_whole_taxonomy_with_chinese_names():
    assert Category.objects.count() == len(entries()) >= 150
    lg = Category.objects.get(code="cs.LG")
    assert (lg.name, lg.name_zh, lg.archive, lg.group) == ("Machine Learning", "机器学习", "cs", "Computer Science")
    assert lg.tag == "LG" and lg.legend == "LG - 机器学习"
    assert lg.display_name("zh-Hans") == "机器学习" and lg.display_name("en") == "Machine Learning"
    assert Category.objects.get(code="eess.AS").legend == "AS - 音频与语音"
    assert Category.objects.get(code="hep-th").tag == "hep-th"
    assert not Category.objects.filter(name_zh="").exists()


def test_category_page_lists_primary_and_cross_listed_papers_newest_announcement_first(client):
    old = listed(PaperFactory(title="Older learning paper"), ["cs.LG"], DAY - dt.timedelta(days=7))
    new = listed(PaperFactory(title="Newer vision paper"), ["cs.CV", "cs.LG"], DAY)
    elsewhere = listed(PaperFactory(title="A robotics paper"), ["cs.RO"], DAY)
    html = html_of(client.get(reverse("papers:category", args=["cs.LG"])))
    assert html.index(new.title) < html.index(old.title)
    assert elsewhere.title not in html
    assert "机器学习" in html and reverse("discovery:feed-category-rss", args=["cs.LG"]) in html


def test_new_page_shows_the_latest_day_new_submissions_before_cross_lists(client):
    listed(PaperFactory(title="Last week's paper"), ["cs.LG"], DAY - dt.timedelta(days=7))
    cross = listed(PaperFactory(title="Cross listed from vision"), ["cs.CV", "cs.LG"], DAY)
    primary = listed(PaperFactory(title="Submitted to learning"), ["cs.LG"], DAY)
    response = client.get(reverse("papers:category_new", args=["cs.LG"]))
    html = html_of(response)
    assert "Last week" not in html
    assert html.index(primary.title) < html.index(cross.title)
    assert "cross-list" in html and "3 December 2026" in html


def test_category_pages_404_for_unknown_codes_and_say_when_empty(client):
    assert client.get("/list/cs.XX/").status_code == 404
    assert client.get("/list/not a code/").status_code == 404
    assert "No announcement" in html_of(client.get(reverse("papers:category_new", args=["math.PR"])))
    assert client.get(reverse("papers:categories")).status_code == 200


@pytest.mark.parametrize("url_name", ["papers:category", "papers:category_new"])
def test_category_pages_cost_the_same_queries_for_3_or_30_papers(client, url_name, django_assert_max_num_queries):
    url = reverse(url_name, args=["cs.LG"])
    for i in range(3):
        listed(PaperFactory(author_names=[f"A{i}", f"B{i}"]), ["cs.LG"])
    with django_assert_max_num_queries(8) as few:
        client.get(url)
    for i in range(27):
        listed(PaperFactory(author_names=[f"C{i}", f"D{i}"]), ["cs.CV", "cs.LG"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_category_index_is_one_query(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        html = html_of(client.get(reverse("papers:categories")))
    assert "cs.LG" in html and "Computer Science" in html


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_category_feed_lists_the_newest_papers_with_their_arxiv_ids(client, kind):
    paper = listed(PaperFactory(title="Feeds <and> things", arxiv_id="2612.01234"), ["cs.LG"])
    response = client.get(reverse(f"discovery:feed-category-{kind}", args=["cs.LG"]))
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    text = response.content.decode()
    assert "2612.01234" in text and paper.get_absolute_url() in text
    assert root is not None


def test_affiliation_line_joins_each_authors_affiliations_once_in_order():
    paper = PaperFactory(author_names=["S Fort", "G K Dziugaite", "M Paul"])
    rows = list(paper.authorships.order_by("position"))
    for row, affiliations in zip(
        rows, [["Stanford University"], ["Element AI", "University of Toronto"], ["Stanford University"]], strict=True
    ):
        PaperAuthor.objects.filter(pk=row.pk).update(affiliations=affiliations)
    paper = Paper.objects.with_page_data().get(pk=paper.pk)
    assert paper.affiliation_line() == "Stanford University & Element AI & University of Toronto"


def test_a_moderator_editing_harvested_fields_locks_them(client, moderator):
    paper = PaperFactory(author_names=["Ada"], abstract="From arXiv")
    row = paper.authorships.get()
    client.force_login(moderator)
    data = {
        "title": paper.title,
        "slug": paper.slug,
        "abstract": "Corrected by hand",
        "year": "2020",
        "source": "arxiv",
        "keywords": "",
        "locked_fields": "",
        "arxiv_state": "",
        "arxiv_comments": "",
        "journal_ref": "",
        "license": "",
        "authorships-TOTAL_FORMS": "1",
        "authorships-INITIAL_FORMS": "1",
        "authorships-MIN_NUM_FORMS": "0",
        "authorships-MAX_NUM_FORMS": "1000",
        "authorships-0-id": row.pk,
        "authorships-0-paper": paper.pk,
        "authorships-0-author": row.author_id,
        "authorships-0-order": "1",
        "authorships-0-affiliations": "University of California, Berkeley; Google",
    }
    response = client.post(reverse("admin:papers_paper_change", args=[paper.pk]), data)
    assert response.status_code == 302, html_of(response)[:3000]
    paper.refresh_from_db()
    assert paper.abstract == "Corrected by hand"
    assert set(paper.locked_fields) == {"abstract", "affiliations"}
    assert paper.authorships.get().affiliations == ["University of California, Berkeley", "Google"]
