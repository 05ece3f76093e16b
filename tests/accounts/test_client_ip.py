"""The visitor's address behind the reverse proxies of docs/deployment.md, for our rate limits and allauth's.

Behind a proxy every request comes from the proxy's address: counting REMOTE_ADDR would put every visitor
into one counter, so one person could block sign-ups or log-ins for everyone. The client's address is the
X-Forwarded-For entry appended by our own outermost proxy, counted from the right; entries left of it are
whatever the client sent.
"""

import pytest
from allauth.account.adapter import get_adapter
from django.test import RequestFactory, override_settings
from django.urls import reverse

from accounts import ratelimit
from accounts.models import User

PROXY = "10.0.0.9"
PASSWORD = "a long and unusual passphrase 42"


def _request(forwarded=None, remote=PROXY):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_without_trusted_proxies_a_forged_header_is_ignored():
    assert ratelimit.client_ip(_request("203.0.113.7", remote="198.51.100.1")) == "198.51.100.1"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_client_is_the_right_most_entry():
    assert ratelimit.client_ip(_request("198.51.100.1")) == "198.51.100.1"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_entries_the_client_sent_are_not_trusted():
    # The client sent "X-Forwarded-For: 203.0.113.7"; our proxy appended the address it really came from.
    assert ratelimit.client_ip(_request("203.0.113.7, 198.51.100.1")) == "198.51.100.1"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_behind_two_proxies_the_client_is_the_second_entry_from_the_right():
    assert ratelimit.client_ip(_request("203.0.113.7, 198.51.100.1, 10.0.0.5")) == "198.51.100.1"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_a_header_shorter_than_the_proxy_chain_gives_the_outermost_proxys_view():
    assert ratelimit.client_ip(_request("198.51.100.1")) == "198.51.100.1"


@override_settings(TRUSTED_PROXY_COUNT=1)
@pytest.mark.parametrize("forwarded", ["", "not-an-address", "198.51.100.1, <script>", "198.51.100.1,"])
def test_an_entry_that_is_not_an_address_falls_back_to_the_connection(forwarded):
    assert ratelimit.client_ip(_request(forwarded)) == PROXY


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_allauth_counts_the_same_address_as_our_rate_limits():
    request = _request("203.0.113.7, 198.51.100.1")
    assert get_adapter(request).get_client_ip(request) == "198.51.100.1"


def _sign_up(client, n, forwarded):
    return client.post(
        reverse("account_signup"),
        {"email": f"user{n}@example.org", "username": f"user{n}", "password1": PASSWORD, "password2": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@pytest.mark.django_db
@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_the_proxy_one_visitor_cannot_use_up_everyone_elses_sign_ups(client, monkeypatch):
    monkeypatch.setitem(
        ratelimit.RATES, "signup", ratelimit.Rate(per_member=0, per_ip=2, window=3600, label="sign-ups")
    )
    for n in range(2):
        _sign_up(client, n, "198.51.100.1")
        client.post(reverse("account_logout"))
    # The same visitor is stopped, even when forging another address in front of the real one…
    refused = _sign_up(client, 2, "203.0.113.99, 198.51.100.1")
    assert "You have reached the limit for sign-ups" in refused.content.decode()
    assert not User.objects.filter(username="user2").exists()
    # …while another visitor coming through the same proxy still signs up.
    _sign_up(client, 3, "198.51.100.2")
    assert User.objects.filter(username="user3").exists()
    assert User.objects.count() == 3
