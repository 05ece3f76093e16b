"""Member names (sign-up usernames, display names): normalised, no invisible characters, no staff look-alikes."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from accounts.models import User
from accounts.names import skeleton
from tests.factories import ModeratorFactory, UserFactory

pytestmark = pytest.mark.django_db
SETTINGS = reverse("members:settings")
PASSWORD = "a long and unusual passphrase 42"
CYRILLIC_O = "\u043e"


def save_display_name(client, member, name):
    client.force_login(member)
    return client.post(SETTINGS, {"display_name": name, "email_on_reply": "on"})


def sign_up(client, username):
    data = {"email": "new@example.org", "username": username, "password1": PASSWORD, "password2": PASSWORD}
    return client.post(reverse("account_signup"), data)


@pytest.fixture
def staff(db):
    ModeratorFactory(username="mod", display_name="Alice Martin")
    UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.mark.parametrize(
    "typed,stored",
    [
        ("Ann\u200b Lee", "Ann Lee"),  # zero-width space
        ("\u202eeeL nnA", "eeL nnA"),  # right-to-left override
        ("Ann\u2066 Lee\u2069\u200f", "Ann Lee"),  # isolates, right-to-left mark
        ("\ufeffAnn\u00ad Lee\u2060", "Ann Lee"),  # byte-order mark, soft hyphen, word joiner
        ("\uff21\uff4e\uff4e  Lee", "Ann Lee"),  # full-width letters (NFKC)
        ("Zoë Ó Briain", "Zoë Ó Briain"),  # letters with accents stay as typed
    ],
)
def test_display_name_is_normalised_and_loses_invisible_characters(client, member, typed, stored):
    response = save_display_name(client, member, typed)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.display_name == stored


@pytest.mark.parametrize(
    "name",
    [
        "moderator\u200b",  # the reported case: shown as "moderator"
        "Moderator",
        f"m{CYRILLIC_O}derator",  # Cyrillic о
        "M\u039fD",  # Greek capital omicron: the moderator's username
        "m0d",
        "Alice Martin",  # the moderator's display name
        "\u0410lice M\u0430rtin",  # with Cyrillic А and а
        "Alice  Martín",
        "r\u200bo\u200bo\u200bt",
        "Staff",
    ],
)
def test_display_name_confusable_with_staff_or_reserved_names_is_refused_keeping_the_input(client, member, staff, name):
    before = member.display_name
    response = save_display_name(client, member, name)
    html = response.content.decode()
    assert response.status_code == 400
    assert "too close to the name of a member of staff" in html
    member.refresh_from_db()
    assert member.display_name == before
    assert f'name="display_name" value="{escape(name)}"' in html


@pytest.mark.parametrize("name", ["Modesto Ruiz", "Alice Marlin", "Rooth", "Émile Zola", "Алексей Иванов"])
def test_ordinary_names_are_accepted(client, member, staff, name):
    assert save_display_name(client, member, name).status_code == 302
    member.refresh_from_db()
    assert member.display_name == name


def test_staff_may_keep_their_own_name(client, staff):
    moderator = User.objects.get(username="mod")
    assert save_display_name(client, moderator, "Alice Martin").status_code == 302


@pytest.mark.parametrize(
    "username",
    [
        "moderator\u200b",
        f"m{CYRILLIC_O}derator",  # passes Django's username characters (\w)
        "alicem\u0430rtin",  # the moderator's display name run together, with a Cyrillic а
        "m0d",
        "r00t",
        "admin\u202e",
    ],
)
def test_sign_up_username_confusable_with_staff_or_reserved_names_is_refused(client, staff, username):
    response = sign_up(client, username)
    assert response.status_code == 200
    assert not User.objects.filter(email="new@example.org").exists()
    html = response.content.decode()
    assert "too close to the name of a member of staff" in html or "This username is reserved" in html


def test_sign_up_username_is_stored_without_invisible_characters(client, staff):
    assert sign_up(client, "ada\u200blovelace").status_code == 302
    assert User.objects.get(email="new@example.org").username == "adalovelace"


def test_provider_name_confusable_with_staff_is_not_used_as_display_name(rf, staff):
    from allauth.socialaccount.models import SocialAccount, SocialLogin

    from accounts.adapter import SocialAccountAdapter

    request = rf.get("/")
    for given, expected in [("Alice\u200b Martin", ""), ("Ada\u202e Lovelace", "Ada Lovelace")]:
        sociallogin = SocialLogin(user=User(), account=SocialAccount(provider="github", uid="1", extra_data={}))
        user = SocialAccountAdapter(request).populate_user(request, sociallogin, {"name": given})
        assert user.display_name == expected


def test_skeleton_maps_look_alikes_together():
    assert skeleton("MODERATOR") == skeleton(f"m{CYRILLIC_O}derat\u03bfr") == skeleton("mod-era_tor")
    assert skeleton("Il1|") == skeleton("llll")
    assert skeleton("rn") == skeleton("m")
    assert skeleton("Ann") != skeleton("Anne")
