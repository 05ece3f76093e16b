import re

import pytest
from django.core.management import call_command

from summaries.models import Summary
from tests.conftest import h1_count

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("load_demo")


def test_home_lists_latest_public_summaries(client, demo):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Attention Is All You Need" in html
    assert "Private notes" not in html  # bob's private summary
    assert h1_count(html) == 1
    assert 'action="/search/"' in html and "Sign in" in html


def test_home_has_a_constant_query_count(client, demo, django_assert_max_num_queries):
    client.get("/")  # the site counts are cached for five minutes; measure the page readers normally get
    with django_assert_max_num_queries(6):
        client.get("/")


def test_home_on_a_cold_counts_cache_adds_a_fixed_number_of_count_queries(client, demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        client.get("/")


def test_anonymous_summary_never_shows_its_writer_on_home(client, demo):
    anonymous = Summary.objects.get(is_anonymous=True)
    html = client.get("/").content.decode()
    card = re.search(
        rf'<article class="summary-card" id="summary-{anonymous.pk}"[^>]*>.*?</article>', html, re.S
    ).group(0)
    assert "anonymous" in card
    assert anonymous.writer.public_name not in card
    assert anonymous.writer.username not in card


def test_unknown_page_gives_the_site_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_404_page_is_in_the_layout_with_a_search_box(client, db):
    html = client.get("/no-such-page/").content.decode()
    assert 'class="site-header"' in html and 'class="site-footer"' in html
    assert 'id="notfound-search"' in html and '<meta name="robots" content="noindex">' in html
    assert h1_count(html) == 1


def test_500_page_is_in_the_layout_without_touching_the_database(rf, django_assert_num_queries, db):
    from shortscience.views import server_error

    with django_assert_num_queries(0):
        response = server_error(rf.get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert 'class="site-header"' in html and "Something went wrong" in html
    assert h1_count(html) == 1


def test_layout_has_landmarks_skip_link_and_language(client, db):
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert '<a class="skip-link" href="#main">' in html
    landmarks = ('<header class="site-header">', '<main id="main"', '<footer class="site-footer">', 'role="search"')
    for landmark in landmarks:
        assert landmark in html
    assert '<label for="site-search"' in html


def test_layout_links_to_adding_a_paper_and_the_member_menu(client, db):
    from tests.factories import UserFactory

    html = client.get("/").content.decode()
    assert 'href="/papers/add/"' in html and "Sign in" in html and "Join" in html
    client.force_login(UserFactory(username="menuuser", display_name="Menu User"))
    html = client.get("/").content.decode()
    assert "Menu User" in html and 'href="/settings/"' in html and 'href="/users/menuuser/"' in html
    sign_out = r'<form method="post" action="/accounts/logout/">\s*<input type="hidden" name="csrfmiddlewaretoken"'
    assert re.search(sign_out, html)


def test_messages_are_dismissible_banners_without_javascript(client, db):
    # /random with no summary to show redirects home with a message.
    html = client.get("/random", follow=True).content.decode()
    assert "There is no summary to show yet." in html
    assert '<input type="checkbox" class="dismiss-toggle visually-hidden" id="dismiss-1">' in html
    assert '<label class="dismiss" for="dismiss-1"' in html
