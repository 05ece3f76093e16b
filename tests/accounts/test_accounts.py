"""Sign-up, sign-in, password reset and e-mail verification through allauth, in the site's layout."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts import ratelimit
from accounts.forms import GENERIC_SIGNUP_ERROR, HONEYPOT_FIELD
from accounts.models import User
from tests.conftest import h1_count
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a long and unusual passphrase 42"
GITHUB = {"github": {"APPS": [{"client_id": "abc", "secret": "def", "key": ""}]}}


def signup_data(**overrides):
    data = {"email": "ada@example.org", "username": "ada", "password1": PASSWORD, "password2": PASSWORD}
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "name",
    ["account_login", "account_signup", "account_reset_password", "account_reset_password_done"],
)
def test_entrance_pages_use_the_site_layout_with_one_h1_and_labels(client, name):
    response = client.get(reverse(name))
    html = response.content.decode()
    assert response.status_code == 200
    assert h1_count(html) == 1
    assert 'class="site-header"' in html and 'id="main"' in html  # the site's base.html
    for field_id in re.findall(r'<input[^>]+id="(id_[^"]+)"', html):
        assert f'for="{field_id}"' in html, field_id


@pytest.mark.parametrize("name", ["account_email", "account_change_password", "socialaccount_connections"])
def test_manage_pages_use_the_site_layout(client, member, name):
    client.force_login(member)
    html = client.get(reverse(name)).content.decode()
    assert h1_count(html) == 1 and 'class="site-header"' in html


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Around a request: runs what it left for after its commit, as the account e-mails' task."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_sign_up_creates_a_member_and_asks_them_to_confirm_their_address(client, after_commit):
    with after_commit():
        response = client.post(reverse("account_signup"), signup_data())
    user = User.objects.get(username="ada")
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert user.check_password(PASSWORD)
    assert EmailAddress.objects.filter(user=user, email="ada@example.org", verified=False).exists()
    assert len(mail.outbox) == 1 and "ada@example.org" in mail.outbox[0].to


def test_confirming_the_address_signs_the_new_member_in(client, after_commit):
    with after_commit():
        client.post(reverse("account_signup"), signup_data())
    link = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", mail.outbox[0].body).group(0)
    response = client.post("/" + link.split("://", 1)[1].split("/", 1)[1], follow=True)
    assert response.context["user"].username == "ada"


def test_sign_up_with_a_taken_address_looks_exactly_like_a_new_sign_up(client, after_commit):
    verified(UserFactory(username="grace", email="grace@example.org"))
    with after_commit():
        taken = client.post(reverse("account_signup"), signup_data(email="grace@example.org", username="newcomer"))
        fresh = client.post(reverse("account_signup"), signup_data(email="ada@example.org", username="ada"))
    assert (taken.status_code, taken.url) == (fresh.status_code, fresh.url)
    assert not User.objects.filter(username="newcomer").exists()
    # The address's owner is told that someone tried; nothing on the page says so.
    to_grace = [message for message in mail.outbox if message.to == ["grace@example.org"]]
    assert len(to_grace) == 1 and "already" in to_grace[0].body.lower()


def test_password_reset_says_the_same_for_known_and_unknown_addresses(client):
    verified(UserFactory(username="grace", email="grace@example.org"))
    known = client.post(reverse("account_reset_password"), {"email": "grace@example.org"})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)


def test_e_mail_verification_link_verifies_the_address(client, after_commit):
    with after_commit():
        client.post(reverse("account_signup"), signup_data())
    link = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", mail.outbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.post("/" + path, follow=True)
    assert response.status_code == 200
    assert EmailAddress.objects.get(email="ada@example.org").verified


def test_sign_up_errors_are_shown_next_to_the_fields_with_input_kept(client):
    UserFactory(username="taken")
    response = client.post(reverse("account_signup"), signup_data(username="taken", password2="something else"))
    html = response.content.decode()
    assert response.status_code == 200
    assert not User.objects.filter(email="ada@example.org").exists()
    assert 'value="ada@example.org"' in html
    assert re.search(r'<ul class="errorlist" id="id_username_error">', html)
    assert re.search(r'<ul class="errorlist" id="id_password2_error">', html)
    assert 'aria-invalid="true"' in html


def test_sign_in_with_username_or_e_mail_and_sign_out(client):
    user = verified(UserFactory(username="grace", email="grace@example.org"))
    for login in ("grace", "grace@example.org"):
        response = client.post(
            reverse("account_login"), {"login": login, "password": "correct horse battery staple"}, follow=True
        )
        assert response.context["user"] == user
        client.post(reverse("account_logout"))
        assert "_auth_user_id" not in client.session


def test_wrong_password_is_refused_with_a_message(client):
    UserFactory(username="grace")
    response = client.post(reverse("account_login"), {"login": "grace", "password": "nope"})
    assert "_auth_user_id" not in client.session
    assert "not correct" in response.content.decode()


def test_banned_member_can_still_sign_in_and_read(client):
    verified(UserFactory(username="banned", banned_at=timezone.now()))
    response = client.post(
        reverse("account_login"), {"login": "banned", "password": "correct horse battery staple"}, follow=True
    )
    assert response.context["user"].username == "banned"
    assert client.get("/").status_code == 200


def test_password_reset_sends_a_working_link(client, after_commit):
    UserFactory(username="grace", email="grace@example.org")
    with after_commit():
        client.post(reverse("account_reset_password"), {"email": "grace@example.org"})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", mail.outbox[0].body).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    form_page = client.get(path, follow=True)
    html = form_page.content.decode()
    assert h1_count(html) == 1
    response = client.post(form_page.redirect_chain[-1][0], {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    assert User.objects.get(username="grace").check_password(PASSWORD)


# ------------------------------------------------------------------- honeypot


def test_sign_up_form_has_a_hidden_honeypot(client):
    html = client.get(reverse("account_signup")).content.decode()
    trap = re.search(r'<div class="hp-field" aria-hidden="true"[^>]*>.*?</div>', html, re.S).group(0)
    assert f'name="{HONEYPOT_FIELD}"' in trap and 'tabindex="-1"' in trap
    assert "left:-10000px" in trap


def test_bot_filling_the_honeypot_gets_a_generic_error_and_no_account(client, after_commit):
    with after_commit():
        response = client.post(reverse("account_signup"), signup_data(**{HONEYPOT_FIELD: "http://spam.example"}))
    html = response.content.decode()
    assert response.status_code == 200
    assert GENERIC_SIGNUP_ERROR in html
    assert "honeypot" not in html.lower() and "homepage" not in html.split(GENERIC_SIGNUP_ERROR)[0][-300:]
    assert not User.objects.filter(username="ada").exists()
    assert mail.outbox == []


# ----------------------------------------------------------------- rate limit


def test_sign_ups_are_limited_per_ip_address_with_a_clear_message(client, monkeypatch):
    monkeypatch.setitem(
        ratelimit.RATES, "signup", ratelimit.Rate(per_member=0, per_ip=2, window=3600, label="sign-ups")
    )
    for n in range(2):
        client.post(reverse("account_signup"), signup_data(username=f"user{n}", email=f"user{n}@example.org"))
        client.post(reverse("account_logout"))
    response = client.post(reverse("account_signup"), signup_data())
    html = response.content.decode()
    assert User.objects.count() == 2
    assert "You have reached the limit for sign-ups" in html
    assert 'value="ada@example.org"' in html


def test_invalid_sign_up_attempts_do_not_use_up_the_limit(client, monkeypatch):
    monkeypatch.setitem(
        ratelimit.RATES, "signup", ratelimit.Rate(per_member=0, per_ip=1, window=3600, label="sign-ups")
    )
    for _ in range(3):
        client.post(reverse("account_signup"), signup_data(password2="mismatch"))
    client.post(reverse("account_signup"), signup_data())
    assert User.objects.filter(username="ada").exists()


def test_reserved_usernames_are_refused(client):
    response = client.post(reverse("account_signup"), signup_data(username="Admin"))
    assert "This username is reserved" in response.content.decode()


# ------------------------------------------------------------- social buttons


@override_settings(SOCIALACCOUNT_PROVIDERS={})
def test_no_social_buttons_and_no_error_when_no_provider_is_configured(client):
    for name in ("account_login", "account_signup"):
        response = client.get(reverse(name))
        html = response.content.decode()
        assert response.status_code == 200
        assert "Continue with" not in html and "Or sign in with" not in html and "Or join with" not in html


@override_settings(SOCIALACCOUNT_PROVIDERS=GITHUB)
def test_a_configured_provider_shows_its_button(client):
    html = client.get(reverse("account_login")).content.decode()
    assert "Continue with GitHub" in html
    assert "Continue with Google" not in html and "Continue with ORCID" not in html
    assert 'href="/accounts/github/login/?process=login"' in html
    assert "Or join with" in client.get(reverse("account_signup")).content.decode()


@override_settings(
    SOCIALACCOUNT_PROVIDERS={
        **GITHUB,
        "orcid": {
            "APPS": [{"client_id": "o", "secret": "s", "key": ""}],
            "BASE_DOMAIN": "orcid.org",
            "MEMBER_API": False,
        },
    }
)
def test_each_configured_provider_has_a_button(client):
    html = client.get(reverse("account_signup")).content.decode()
    assert "Continue with GitHub" in html and "Continue with ORCID" in html


# ---------------------------------------------------------------- social adapter


def _sociallogin(provider, uid, data):
    from allauth.socialaccount.models import SocialAccount, SocialLogin

    return SocialLogin(user=User(), account=SocialAccount(provider=provider, uid=uid, extra_data=data))


def test_orcid_sign_up_fills_display_name_and_orcid(rf):
    from accounts.adapter import SocialAccountAdapter

    request = rf.get("/")
    sociallogin = _sociallogin("orcid", "0000-0002-1825-0097", {})
    user = SocialAccountAdapter(request).populate_user(
        request, sociallogin, {"first_name": "Josiah", "last_name": "Carberry", "email": "j@example.org"}
    )
    assert user.display_name == "Josiah Carberry"
    assert user.orcid == "0000-0002-1825-0097"
    assert user.email == "j@example.org"


def test_provider_sign_ups_count_against_the_same_limit(rf, monkeypatch):
    from allauth.core.exceptions import ImmediateHttpResponse

    from accounts.adapter import SocialAccountAdapter

    monkeypatch.setitem(
        ratelimit.RATES, "signup", ratelimit.Rate(per_member=0, per_ip=0, window=3600, label="sign-ups")
    )
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/")
    request.user = AnonymousUser()
    with pytest.raises(ImmediateHttpResponse) as caught:
        SocialAccountAdapter(request).save_user(request, _sociallogin("github", "1", {}))
    assert caught.value.response.status_code == 429
    assert b"limit for sign-ups" in caught.value.response.content
    assert User.objects.count() == 0


@override_settings(SOCIALACCOUNT_PROVIDERS={})
def test_connections_page_without_providers_says_so(client, member):
    client.force_login(member)
    html = client.get(reverse("socialaccount_connections")).content.decode()
    assert "not switched on for this site" in html and "Continue with" not in html


@override_settings(SOCIALACCOUNT_PROVIDERS=GITHUB)
def test_connections_page_offers_configured_providers(client, member):
    client.force_login(member)
    html = client.get(reverse("socialaccount_connections")).content.decode()
    assert "Continue with GitHub" in html and "process=connect" in html


@pytest.mark.parametrize("provider", ["github", "google", "orcid"])
@pytest.mark.parametrize("path", ["login/", "login/callback/"])
def test_unconfigured_provider_urls_are_not_found_not_a_server_error(client, db, settings, provider, path):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    response = client.get(f"/accounts/{provider}/{path}")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


# ------------------------------------------------------------------- wording of the entrance pages


def test_wrong_password_message_is_shown_once(client):
    UserFactory(username="grace")
    response = client.post(reverse("account_login"), {"login": "grace", "password": "nope"})
    html = response.content.decode()
    assert html.count("not correct") == 1
    assert 'value="grace"' in html  # what was typed is kept


@pytest.mark.parametrize("name", ["account_login", "account_signup"])
def test_entrance_pages_use_sentence_case_labels_without_colons(client, name):
    html = client.get(reverse(name)).content.decode()
    labels = re.findall(r"<label[^>]*>(.*?)</label>", html, re.S)
    assert labels
    for label in labels:
        assert not label.strip().endswith(":"), label
    assert "Sign In" not in html and "Sign Up" not in html


def test_sign_in_page_says_sign_in_in_sentence_case(client):
    html = client.get(reverse("account_login")).content.decode()
    assert "<title>Sign in — " in html
    assert re.search(r"<h1[^>]*>\s*Sign in\s*</h1>", html)
    assert re.search(r'<button[^>]*type="submit"[^>]*>\s*Sign in\s*</button>', html)
    assert '<label for="id_login">Username or e-mail address</label>' in html


def test_sign_up_page_labels_and_button(client):
    html = client.get(reverse("account_signup")).content.decode()
    assert '<label for="id_email">' in html and '<label for="id_password1">' in html
    assert re.search(r'<button[^>]*type="submit"[^>]*>\s*Create your account\s*</button>', html)


def test_sign_up_errors_are_next_to_their_field_and_shown_once(client):
    response = client.post(reverse("account_signup"), signup_data(password2="something else"))
    html = response.content.decode()
    assert html.count("You must type the same password each time") == 1


# ------------------------------------------------------------------- account e-mails


@pytest.fixture
def reached_through_a_local_address(settings):
    """The site reached as 127.0.0.1:8101 (behind a proxy), its public address being SITE_URL."""
    settings.ALLOWED_HOSTS = ["127.0.0.1", "shortscience.example"]
    settings.SITE_URL = "https://shortscience.example"
    return {"HTTP_HOST": "127.0.0.1:8101"}


def test_password_reset_email_names_the_site_and_links_to_site_url(
    client, reached_through_a_local_address, after_commit
):
    UserFactory(username="grace", email="grace@example.org")
    with after_commit():
        client.post(
            reverse("account_reset_password"), {"email": "grace@example.org"}, **reached_through_a_local_address
        )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject.startswith("[ShortScience] ")
    assert "Hello from ShortScience!" in message.body
    assert re.search(r"https://shortscience\.example/accounts/password/reset/key/\S+/", message.body)
    assert "127.0.0.1" not in message.subject + message.body


def test_confirmation_email_names_the_site_and_links_to_site_url(client, reached_through_a_local_address, after_commit):
    with after_commit():
        client.post(reverse("account_signup"), signup_data(), **reached_through_a_local_address)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject.startswith("[ShortScience] ")
    assert "Hello from ShortScience!" in message.body
    assert re.search(r"https://shortscience\.example/accounts/confirm-email/\S+/", message.body)
    assert "127.0.0.1" not in message.subject + message.body


def test_unknown_address_email_links_to_site_url(client, reached_through_a_local_address, after_commit):
    with after_commit():
        client.post(
            reverse("account_reset_password"), {"email": "nobody@example.org"}, **reached_through_a_local_address
        )
    assert len(mail.outbox) == 1
    assert "https://shortscience.example/accounts/signup/" in mail.outbox[0].body
    assert "127.0.0.1" not in mail.outbox[0].subject + mail.outbox[0].body
