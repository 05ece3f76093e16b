"""RSS and Atom feeds of a digest day and of a category across digests: published digests only, constant queries."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from tests.digest.reading_helpers import DAY, LOSS_NOTE, category, digest, entry, paper_with_affiliations
from tests.factories import PaperFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def two_days():
    lg, cv = category("cs.LG"), category("cs.CV", "Computer Vision and Pattern Recognition", "计算机视觉")
    older = digest(DAY - datetime.timedelta(days=1))
    entry(older, PaperFactory(title="Yesterday's LG paper"), lg, position=1)
    today = digest(DAY)
    paper = paper_with_affiliations("Loss landscapes", [("S Fort", ["Stanford University"]), ("S Ganguli", ["Google"])])
    entry(today, paper, lg, position=1, starred=True, note=LOSS_NOTE, language="zh-Hans")
    entry(today, PaperFactory(title="Seeing <through> walls"), cv, position=2)
    draft = digest(DAY + datetime.timedelta(days=1), published=False)
    entry(draft, PaperFactory(title="Tomorrow's draft paper"), lg, position=1)
    return today


def test_the_day_rss_lists_the_days_entries_in_order_with_note_and_affiliations(client, two_days):
    response = client.get(reverse("digest:feed-day-rss", args=[DAY.isoformat()]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/rss+xml")
    items = ET.fromstring(response.content).findall("./channel/item")
    assert [item.findtext("title") for item in items] == ["[LG] ★ Loss landscapes", "[CV] Seeing &lt;through&gt; walls"]
    description = items[0].findtext("description")
    assert LOSS_NOTE in description and 'lang="zh-Hans"' in description
    assert "[Stanford University &amp; Google]" in description
    assert items[0].findtext("link").startswith(f"http://testserver/digest/{DAY}/#entry-")
    assert items[0].findtext("category") == "cs.LG"


def test_the_day_atom_feed(client, two_days):
    response = client.get(reverse("digest:feed-day-atom", args=[DAY.isoformat()]))
    assert response["Content-Type"].startswith("application/atom+xml")
    titles = [e.findtext(f"{ATOM}title") for e in ET.fromstring(response.content).findall(f"{ATOM}entry")]
    assert titles == ["[LG] ★ Loss landscapes", "[CV] Seeing <through> walls"]


def test_the_category_feed_has_the_latest_entries_of_published_digests_newest_first(client, two_days):
    root = ET.fromstring(client.get(reverse("digest:feed-category-rss", args=["cs.LG"])).content)
    assert [item.findtext("title") for item in root.findall("./channel/item")] == [
        "[LG] ★ Loss landscapes",
        "[LG] Yesterday&#x27;s LG paper",
    ]
    atom = ET.fromstring(client.get(reverse("digest:feed-category-atom", args=["cs.CV"])).content)
    assert [e.findtext(f"{ATOM}title") for e in atom.findall(f"{ATOM}entry")] == ["[CV] Seeing <through> walls"]
    assert client.get(reverse("digest:feed-category-rss", args=["no.SUCH"])).status_code == 404


def test_feeds_run_a_constant_number_of_queries(client, two_days, django_assert_max_num_queries):
    lg = category()
    for n in range(30):
        paper = paper_with_affiliations(f"Paper {n}", [(f"Author {n}", ["Lab"])])
        entry(two_days, paper, lg, position=10 + n)
    with django_assert_max_num_queries(4):
        client.get(reverse("digest:feed-day-rss", args=[DAY.isoformat()]))
    with django_assert_max_num_queries(4):
        client.get(reverse("digest:feed-category-atom", args=["cs.LG"]))
