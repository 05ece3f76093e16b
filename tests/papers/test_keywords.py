"""Keywords in any script: Unicode slugs that work on every surface (pages, feeds, sitemap, API, admin)."""

import importlib
import xml.etree.ElementTree as ET
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.apps import apps as global_apps
from django.core.management import call_command
from django.db import connection
from django.urls import resolve, reverse
from taggit.models import Tag

from papers.keywords import is_valid_keyword_slug
from papers.models import Paper
from tests.factories import PaperFactory, SummaryFactory

pytestmark = pytest.mark.django_db

CHINESE = "大模型"
GERMAN = "Großes Modell"
# The slugs taggit makes (``slugify(allow_unicode=True)``): the name's own letters, lower case.
SLUGS = {CHINESE: "大模型", GERMAN: "großes-modell"}
NAMES = list(SLUGS)


def url_of(name: str) -> str:
    """The keyword page's path as it is sent: the Unicode slug percent-encoded (an IRI as a URI)."""
    return f"/keywords/{quote(SLUGS[name])}/"


@pytest.fixture
def tagged(db):
    paper = PaperFactory(title="Scaling Laws for Large Models")
    paper.keywords.set(NAMES)
    SummaryFactory(paper=paper, body="Bigger is better, within limits.")
    return paper


@pytest.mark.parametrize("name", NAMES)
def test_keywords_in_any_script_get_their_readable_unicode_slug(tagged, name):
    assert Tag.objects.get(name=name).slug == SLUGS[name]
    assert reverse("papers:keyword", args=[SLUGS[name]]) == url_of(name)


def test_paper_page_with_non_ascii_keywords_renders_and_links_them(client, tagged):
    response = client.get(tagged.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    for name in NAMES:
        assert f'href="{url_of(name)}">{name}</a>' in html


def test_summary_page_with_non_ascii_keywords_renders(client, tagged):
    summary = tagged.summaries.get()
    response = client.get(summary.get_absolute_url())
    assert response.status_code == 200
    assert url_of(CHINESE) in response.content.decode()


@pytest.mark.parametrize("name", NAMES)
def test_keyword_page_answers_for_non_ascii_keywords(client, tagged, name):
    response = client.get(url_of(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert name in html and tagged.title in html
    assert f'href="{url_of(name)}feed.rss"' in html


@pytest.mark.parametrize("name", NAMES)
def test_keyword_feeds_list_the_summaries_of_the_keywords_papers(client, tagged, name):
    SummaryFactory(paper=PaperFactory(title="Untagged Paper"))
    for suffix in ("feed.rss", "feed.atom"):
        response = client.get(url_of(name) + suffix)
        assert response.status_code == 200
        content = response.content.decode()
        assert tagged.title in content and "Untagged Paper" not in content
        assert f"http://testserver{url_of(name)}" in content


def test_keyword_feed_query_count_is_constant(client, tagged, django_assert_max_num_queries):
    for _ in range(10):
        paper = PaperFactory()
        paper.keywords.add(CHINESE)
        SummaryFactory(paper=paper)
    with django_assert_max_num_queries(3):
        assert client.get(url_of(CHINESE) + "feed.rss").status_code == 200


def test_sitemap_lists_keyword_pages_as_escaped_absolute_urls(client, tagged):
    Tag.objects.create(name="unused keyword")
    index = client.get("/sitemap.xml").content.decode()
    assert "http://testserver/sitemap-keywords.xml" in index
    response = client.get("/sitemap-keywords.xml")
    assert response.status_code == 200
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locs = {el.text for el in ET.fromstring(response.content).iter(f"{namespace}loc")}
    assert locs == {f"http://testserver{url_of(name)}" for name in NAMES}


def test_api_paper_carries_its_keywords_with_page_urls(client, tagged):
    data = client.get(f"/api/v1/papers/{tagged.pk}/summaries").json()
    keywords = {k["name"]: k["url"] for k in data["paper"]["keywords"]}
    assert keywords == {name: f"http://testserver{url_of(name)}" for name in NAMES}


def test_admin_pages_show_non_ascii_keywords(client, superuser, tagged):
    client.force_login(superuser)
    assert client.get(reverse("admin:taggit_tag_changelist")).status_code == 200
    for tag in Tag.objects.all():
        response = client.get(reverse("admin:taggit_tag_change", args=[tag.pk]))
        assert response.status_code == 200 and tag.name in response.content.decode()
    response = client.get(reverse("admin:papers_paper_change", args=[tagged.pk]))
    assert response.status_code == 200 and GERMAN in response.content.decode()


def test_manual_paper_entry_with_non_ascii_keywords_makes_working_keyword_links(client, member):
    client.force_login(member)
    data = {
        "manual-title": "Ein großes Modell",
        "manual-authors": "Ada Lovelace",
        "manual-venue": "",
        "manual-year": "2024",
        "manual-abstract": "",
        "manual-arxiv_id": "",
        "manual-doi": "",
        "manual-url": "",
        "manual-keywords": f"{CHINESE}, {GERMAN}",
    }
    response = client.post(reverse("papers:manual"), data, follow=True)
    assert response.status_code == 200
    paper = Paper.objects.get(title="Ein großes Modell")
    assert {tag.slug for tag in paper.keywords.all()} == set(SLUGS.values())
    for name in NAMES:
        assert url_of(name) in response.content.decode()


@pytest.mark.parametrize("name", ["+++", "🤖", "—"])
def test_a_keyword_without_letters_or_digits_gets_a_working_fallback_slug(client, name):
    paper = PaperFactory()
    paper.keywords.add(name)
    PaperFactory().keywords.add("++")
    tag = Tag.objects.get(name=name)
    assert is_valid_keyword_slug(tag.slug) and tag.slug.startswith("keyword")
    assert client.get(paper.get_absolute_url()).status_code == 200
    assert client.get(reverse("papers:keyword", args=[tag.slug])).status_code == 200


def test_demo_data_keywords_have_valid_slugs(settings):
    settings.DEBUG = True
    call_command("load_demo")
    slugs = list(Tag.objects.values_list("slug", flat=True))
    assert slugs and all(is_valid_keyword_slug(slug) for slug in slugs)
    for slug in slugs:
        assert resolve(reverse("papers:keyword", args=[slug])).kwargs == {"slug": slug}


def test_data_migration_repairs_keyword_slugs_that_cannot_be_linked():
    kept = Tag.objects.create(name=GERMAN)
    # As rows written before this rule or by raw SQL hold them (bulk_create skips save() and its signals).
    broken = Tag.objects.bulk_create(
        [
            Tag(name="C++", slug=""),
            Tag(name="Deep Learning", slug="Deep Learning"),
            Tag(name="🤖", slug="_"),
            Tag(name="Graph/Networks", slug="graph/networks"),
        ]
    )
    Tag.objects.create(name="c", slug="c")
    migration = importlib.import_module("papers.migrations.0005_repair_keyword_slugs")
    migration.repair_keyword_slugs(global_apps, SimpleNamespace(connection=connection))
    kept.refresh_from_db()
    assert kept.slug == SLUGS[GERMAN]
    repaired = {tag.name: Tag.objects.get(pk=tag.pk).slug for tag in broken}
    assert repaired == {
        "C++": "c-2",
        "Deep Learning": "deep-learning",
        "🤖": "keyword",
        "Graph/Networks": "graphnetworks",
    }
