"""Every public page renders, in the site's layout, with exactly one <h1> (on the demo data)."""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import User
from papers.models import Author, Paper
from summaries.models import Summary
from tests.conftest import h1_count

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    cache.clear()
    call_command("load_demo")
    settings.DEBUG = False  # the site's own 404 page, not Django's technical one
    yield
    cache.clear()


def public_urls() -> list[str]:
    """The reading pages, with arguments taken from the demo data."""
    paper = Paper.objects.get(arxiv_id="1706.03762")
    summary_urls = [s.get_absolute_url() for s in Summary.objects.listed()]
    return [
        "/",
        "/?top=week",
        "/?top=month",
        "/?top=all",
        "/?page=2",
        "/venues/",
        paper.venue.get_absolute_url(),
        f"/venues/{paper.venue.slug}/{paper.year}/",
        f"/years/{paper.year}/",
        "/writers/",
        "/about/",
        *[p.get_absolute_url() for p in Paper.objects.all()],
        *summary_urls,
        Author.objects.get(name="Ashish Vaswani").get_absolute_url(),
        "/keywords/cslg/",
        *[u.get_absolute_url() for u in User.objects.filter(summary_count__gt=0)],
        "/no-such-page/",
        "/paper?bibtexKey=unknown-key",
        "/arxiv/2101.00001/",
    ]


def argumentless_paths() -> list[str]:
    """Every URL of the project that takes no argument (admin and allauth's own pages excluded)."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and not pattern.pattern.converters and "(?P<" not in route:
                yield route

    paths = set()
    for route in walk(get_resolver().url_patterns):
        if route.startswith(("admin/", "accounts/", "^", "api/v1/")) or any(c in route for c in "^$\\"):
            continue
        paths.add("/" + route)
    return sorted(paths)


def test_every_public_page_has_exactly_one_h1(client, demo):
    for url in public_urls():
        response = client.get(url, follow=True)
        assert response.status_code in (200, 404), url
        html = response.content.decode()
        assert h1_count(html) == 1, url
        assert 'class="site-header"' in html and 'id="main"' in html, url


def test_every_argumentless_html_page_has_exactly_one_h1(client, demo):
    paths = argumentless_paths()
    assert "/" in paths and "/about/" in paths and "/writers/" in paths and "/venues/" in paths
    checked = 0
    for path in paths:
        response = client.get(path, follow=True)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        checked += 1
        assert h1_count(response.content.decode()) == 1, path
    assert checked >= 6


def test_every_public_page_has_one_h1_for_a_signed_in_member(client, demo):
    client.force_login(User.objects.get(username="bob"))
    for url in public_urls():
        html = client.get(url, follow=True).content.decode()
        assert h1_count(html) == 1, url
