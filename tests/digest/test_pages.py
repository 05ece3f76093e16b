"""The digest's public pages: the day, the latest, the monthly archive, filters, drafts hidden, query budgets."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from digest.models import Digest
from tests.conftest import h1_count, html_of
from tests.digest.reading_helpers import DAY, LOSS_NOTE, category, digest, entry, paper_with_affiliations
from tests.factories import PaperFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def day_digest():
    """The issue's example: two LG papers (the first starred, a Chinese note), a CV paper, a Chinese legend."""
    lg, cv = category("cs.LG"), category("cs.CV", "Computer Vision and Pattern Recognition", "计算机视觉")
    the_digest = digest(title="arXiv digest, 6 December 2026")
    fort = paper_with_affiliations(
        "Deep learning versus kernel learning",
        [
            ("S Fort", ["Stanford University"]),
            ("G K Dziugaite", ["Element AI"]),
            ("M Paul", ["Stanford University"]),
            ("D M. Roy", ["University of Toronto", "Element AI"]),
        ],
        arxiv_id="2010.15110",
        abstract="In suitably initialized wide networks, small learning rates transform deep neural networks.",
    )
    entry(the_digest, fort, lg, position=1, starred=True, note=LOSS_NOTE, language="zh-Hans")
    solution = PaperFactory(title="One Solution is Not All You Need")
    entry(the_digest, solution, lg, position=2, note="Structured *MaxEnt* RL.")
    entry(the_digest, PaperFactory(title="Seeing through walls"), cv, position=3)
    return the_digest


def test_the_day_page_shows_numbered_tagged_starred_entries_in_sections_with_the_legend(client, day_digest):
    html = html_of(client.get(reverse("digest:day", args=[DAY.isoformat()])))
    assert h1_count(html) == 1
    assert "LG</span> - 机器学习" in html and "CV</span> - 计算机视觉" in html
    assert re.search(r"1、</span><span class=\"tag\">\[LG\]</span> <span class=\"star\"", html)
    assert '2、</span><span class="tag">[LG]</span>\n' in html
    assert '3、</span><span class="tag">[CV]</span>' in html
    assert html.index("Deep learning versus kernel learning") < html.index("One Solution") < html.index("Seeing")
    assert html.count('class="digest-section"') == 2
    assert "S Fort, G K Dziugaite, M Paul, D M. Roy" in html
    assert "[Stanford University &amp; Element AI &amp; University of Toronto]" in html
    assert f'<div class="markdown-body entry-note" lang="zh-Hans"><p>{LOSS_NOTE}</p></div>' in html
    assert "<em>MaxEnt</em>" in html
    assert '<details class="abstract-details">' in html and "In suitably initialized wide networks" in html
    assert "https://arxiv.org/abs/2010.15110" in html
    assert reverse("discovery:paper", args=[day_digest.entries.first().paper.slug]) in html


def test_the_latest_page_shows_the_newest_published_digest_with_the_day_as_canonical(client, day_digest):
    digest(DAY + datetime.timedelta(days=1), published=False)  # a newer draft is not shown
    html = html_of(client.get(reverse("digest:latest")))
    assert "arXiv digest, 6 December 2026" in html
    assert f'<link rel="canonical" href="http://testserver/digest/{DAY.isoformat()}/">' in html


def test_the_latest_page_without_any_digest_says_so(client, db):
    html = html_of(client.get(reverse("digest:latest")))
    assert "No digest has been published yet" in html and h1_count(html) == 1


def test_the_day_page_has_link_previews_and_feed_autodiscovery(client, day_digest):
    html = html_of(client.get(day_digest.get_absolute_url()))
    assert '<meta property="og:title" content="arXiv digest, 6 December 2026">' in html
    assert '<meta name="twitter:card" content="summary">' in html
    rss = f'type="application/rss+xml" title="arXiv digest, 6 December 2026 (RSS)" href="/digest/{DAY}/feed.rss"'
    assert rss in html
    assert f'href="/digest/{DAY}/feed.atom"' in html


def test_filters_keep_the_digest_numbers(client, day_digest):
    html = html_of(client.get(day_digest.get_absolute_url(), {"category": "cs.CV"}))
    assert "Seeing through walls" in html and "One Solution" not in html
    assert "3、</span>" in html and '<meta name="robots" content="noindex, follow">' in html
    assert 'href="/digest/category/cs.CV/feed.rss"' in html
    html = html_of(client.get(day_digest.get_absolute_url(), {"starred": "1"}))
    assert "Deep learning versus kernel learning" in html
    assert "One Solution" not in html and "Seeing through walls" not in html


def test_a_category_not_in_the_digest_is_a_form_error_not_a_crash(client, day_digest):
    html = html_of(client.get(day_digest.get_absolute_url(), {"category": "<script>"}))
    assert 'class="field-error"' in html and "<script>" not in html.split("<main", 1)[1].split("</form>", 1)[0]
    assert "Seeing through walls" in html


@pytest.mark.parametrize("state", [Digest.State.DRAFT, Digest.State.SCHEDULED])
def test_unpublished_digests_are_404_for_everyone(client, state, role_users):
    draft = digest(published=False, state=state)
    entry(draft, position=1)
    for role, user in role_users.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        assert client.get(draft.get_absolute_url()).status_code == 404, role
        assert client.get(reverse("digest:feed-day-rss", args=[DAY.isoformat()])).status_code == 404, role


def test_a_day_without_digest_and_a_malformed_day_are_404(client, db):
    assert client.get("/digest/2026-12-07/").status_code == 404
    assert client.get("/digest/2026-02-30/").status_code == 404


def test_the_month_archive_lists_its_published_digests_and_links_the_neighbouring_months(client, db):
    digest(datetime.date(2026, 11, 30), title="November's last")
    digest(datetime.date(2026, 12, 1), title="First of December")
    digest(DAY, title="Sixth of December")
    digest(datetime.date(2026, 12, 7), published=False, title="A draft")
    digest(datetime.date(2027, 1, 4), title="January")
    html = html_of(client.get(reverse("digest:month", args=[2026, 12])))
    assert h1_count(html) == 1
    assert html.index("Sixth of December") < html.index("First of December")
    assert "A draft" not in html and "November's last" not in html
    assert 'href="/digest/2026/11/"' in html and 'href="/digest/2027/1/"' in html
    assert client.get(reverse("digest:month", args=[2026, 13])).status_code == 404
    assert client.get("/digest/99999999999999999999/12/").status_code == 404


def test_an_archive_without_any_digest_is_404(client, db):
    assert client.get(reverse("digest:month", args=[2026, 12])).status_code == 404


def _grow(the_digest, start: int, count: int):
    lg = category()
    for n in range(start, start + count):
        paper = paper_with_affiliations(f"Paper number {n}", [(f"Author {n}a", ["Lab A"]), (f"Author {n}b", ["Lab B"])])
        entry(the_digest, paper, lg, position=n, starred=n % 2 == 0, note=f"Note {n}")


def test_the_day_page_runs_a_constant_number_of_queries(client, day_digest, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        html_of(client.get(day_digest.get_absolute_url()))
    _grow(day_digest, 10, 40)
    with django_assert_max_num_queries(6):
        html = html_of(client.get(day_digest.get_absolute_url(), {"starred": "1"}))
    assert html.count('class="digest-entry') == 21
    client.force_login(UserFactory())
    with django_assert_max_num_queries(8):
        html_of(client.get(reverse("digest:latest")))


def test_the_month_archive_runs_a_constant_number_of_queries(client, db, django_assert_max_num_queries):
    for day in range(1, 29):
        digest(datetime.date(2026, 12, day))
    with django_assert_max_num_queries(3):
        html = html_of(client.get(reverse("digest:month", args=[2026, 12])))
    assert html.count("<time") == 28
