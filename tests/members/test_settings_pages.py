"""/settings/: profile editing with validation, links to e-mail/password/connections, export and deletion."""

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.forms import orcid_checksum, validate_orcid
from tests.conftest import h1_count
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SETTINGS = reverse("members:settings")

PROFILE = {
    "display_name": "  Ada   Lovelace ",
    "affiliation": "Analytical Engines Ltd",
    "bio": "Notes on the engine.",
    "website": "https://example.org/ada",
    "orcid": "0000-0002-1825-0097",
    "email_on_comment": "",
    "email_on_reply": "on",
    "email_on_discussion": "on",
}


def test_anonymous_visitor_is_sent_to_sign_in(client):
    for name in ("members:settings", "members:export", "members:delete"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_settings_page_shows_the_profile_form_and_links(client, member):
    client.force_login(member)
    html = client.get(SETTINGS).content.decode()
    assert h1_count(html) == 1
    for field in (
        "display_name",
        "affiliation",
        "bio",
        "website",
        "orcid",
        "email_on_comment",
        "email_on_reply",
        "email_on_discussion",
    ):
        assert f'for="id_{field}"' in html
    for name in ("account_email", "account_change_password", "members:export", "members:delete"):
        assert f'href="{reverse(name)}"' in html


@override_settings(SOCIALACCOUNT_PROVIDERS={})
def test_connections_link_is_hidden_without_providers(client, member):
    client.force_login(member)
    assert reverse("socialaccount_connections") not in client.get(SETTINGS).content.decode()


def test_member_saves_their_profile(client, member):
    client.force_login(member)
    response = client.post(SETTINGS, PROFILE, follow=True)
    member.refresh_from_db()
    assert member.display_name == "Ada Lovelace"
    assert member.orcid == "0000-0002-1825-0097"
    assert member.website == "https://example.org/ada"
    assert member.email_on_comment is False
    assert member.email_on_reply is True and member.email_on_discussion is True
    assert "Your profile is saved." in response.content.decode()


def test_orcid_as_a_link_is_stored_bare(client, member):
    client.force_login(member)
    client.post(SETTINGS, {**PROFILE, "orcid": "https://orcid.org/0000-0001-5109-3700"})
    member.refresh_from_db()
    assert member.orcid == "0000-0001-5109-3700"


@pytest.mark.parametrize(
    ("orcid", "message"),
    [
        ("0000-0002-1825-0098", "checksum"),
        ("0000-0002-1825", "has the form"),
        ("abcd-0002-1825-0097", "has the form"),
    ],
)
def test_invalid_orcid_is_refused_with_input_kept(client, member, orcid, message):
    client.force_login(member)
    response = client.post(SETTINGS, {**PROFILE, "orcid": orcid})
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html and f'value="{orcid}"' in html
    assert 'value="Analytical Engines Ltd"' in html
    member.refresh_from_db()
    assert member.orcid == "" and member.affiliation == ""


def test_website_must_be_a_web_address(client, member):
    client.force_login(member)
    response = client.post(SETTINGS, {**PROFILE, "website": "javascript:alert(1)"})
    assert response.status_code == 400
    member.refresh_from_db()
    assert member.website == ""


def test_orcid_checksum_handles_x():
    assert orcid_checksum("000000021694233") == "X"
    assert validate_orcid("0000-0002-1694-233x") == "0000-0002-1694-233X"


def test_profile_post_cannot_touch_ban_or_counters(client, member):
    client.force_login(member)
    client.post(SETTINGS, {**PROFILE, "banned_at": "", "summary_count": "99", "total_score": "1000", "is_staff": "on"})
    member.refresh_from_db()
    assert member.summary_count == 0 and member.total_score == 0 and not member.is_staff


def test_banned_member_may_still_edit_their_profile(client):
    banned = UserFactory(banned_at=timezone.now())
    client.force_login(banned)
    response = client.get(SETTINGS)
    assert response.status_code == 200 and "suspended" in response.content.decode()
    client.post(SETTINGS, PROFILE)
    banned.refresh_from_db()
    assert banned.affiliation == "Analytical Engines Ltd"


def test_moderator_edits_only_their_own_profile(client, moderator, member):
    client.force_login(moderator)
    client.post(SETTINGS, PROFILE)
    moderator.refresh_from_db()
    member.refresh_from_db()
    assert moderator.affiliation == "Analytical Engines Ltd" and member.affiliation == ""


def test_settings_page_query_count_is_small(client, member, django_assert_max_num_queries):
    client.force_login(member)
    with django_assert_max_num_queries(6):
        client.get(SETTINGS)
