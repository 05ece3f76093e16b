"""The old site's addresses answer 301 to today's pages (shortscience/urls_legacy.py)."""

import pytest

from tests.factories import SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/rss.xml", "/feeds/latest.rss"),
        ("/rss-all.xml", "/feeds/latest.rss"),
        ("/rss-full.xml", "/feeds/latest.rss"),
        ("/export", "/settings/export/"),
        ("/login", "/accounts/login/"),
        ("/signup", "/accounts/signup/"),
        ("/venue", "/venues/"),
        ("/users", "/writers/"),
    ],
)
def test_old_site_addresses_redirect_permanently_to_todays_page(client, old, new):
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == new
    assert client.get(new).status_code in (200, 302)  # 302: the export page asks anonymous readers to sign in


def test_old_full_text_feed_lands_on_a_feed_with_each_summarys_whole_body(client):
    SummaryFactory(body="The whole body of this summary, not an excerpt.")
    response = client.get("/rss-full.xml", follow=True)
    assert response.status_code == 200
    assert "The whole body of this summary, not an excerpt." in response.content.decode()


def test_old_profile_address_redirects_to_the_members_page(client):
    member = UserFactory(username="ada")
    response = client.get("/user", {"name": "ada"})
    assert response.status_code == 301 and response["Location"] == member.get_absolute_url()
