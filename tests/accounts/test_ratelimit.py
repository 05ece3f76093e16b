import pytest
from django.test import RequestFactory
from django.utils import timezone

from accounts import ratelimit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _request(user=None, ip="10.0.0.1"):
    request = RequestFactory().post("/", REMOTE_ADDR=ip)
    request.user = user
    return request


def test_member_limit_is_enforced_with_a_clear_message(monkeypatch):
    monkeypatch.setitem(ratelimit.RATES, "vote", ratelimit.Rate(per_member=4, per_ip=100, window=3600, label="votes"))
    user = UserFactory()
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    user.date_joined = timezone.now() - timezone.timedelta(days=30)
    for _ in range(4):
        ratelimit.check(_request(user), "vote")
    with pytest.raises(ratelimit.RateLimited, match="limit for votes"):
        ratelimit.check(_request(user), "vote")


def test_new_accounts_get_lower_limits(monkeypatch):
    monkeypatch.setitem(ratelimit.RATES, "vote", ratelimit.Rate(per_member=8, per_ip=100, window=3600, label="votes"))
    user = UserFactory()  # joined now, no verified e-mail
    for _ in range(2):
        ratelimit.check(_request(user), "vote")
    with pytest.raises(ratelimit.RateLimited):
        ratelimit.check(_request(user), "vote")


def test_ip_limit_applies_to_anonymous_requests(monkeypatch):
    monkeypatch.setitem(ratelimit.RATES, "signup", ratelimit.Rate(per_member=0, per_ip=2, window=3600, label="x"))
    from django.contrib.auth.models import AnonymousUser

    ratelimit.check(_request(AnonymousUser()), "signup")
    ratelimit.check(_request(AnonymousUser()), "signup")
    with pytest.raises(ratelimit.RateLimited):
        ratelimit.check(_request(AnonymousUser()), "signup")
    ratelimit.check(_request(AnonymousUser(), ip="10.0.0.2"), "signup")


def test_refusal_says_when_the_window_ends(monkeypatch):
    import datetime

    monkeypatch.setitem(ratelimit.RATES, "vote", ratelimit.Rate(per_member=0, per_ip=1, window=3600, label="votes"))
    now = datetime.datetime(2026, 3, 1, 9, 59, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)
    ratelimit.check(_request(None), "vote")
    with pytest.raises(ratelimit.RateLimited, match=r"try again in 1 minute \(at 10:00 UTC\)") as refused:
        ratelimit.check(_request(None), "vote")
    assert refused.value.retry_at == datetime.datetime(2026, 3, 1, 10, 0, tzinfo=datetime.UTC)
    assert refused.value.retry_after == 30
