"""E-mail subscriptions: double opt-in, no enumeration, rate limits, the manage page, one-click unsubscribe."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from digest.models import Subscription
from tests.digest.reading_helpers import category, digest, entry, subscriber
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def categories():
    lg, cv = category("cs.LG"), category("cs.CV", "Computer Vision and Pattern Recognition", "计算机视觉")
    the_digest = digest()
    entry(the_digest, category_=lg, position=1)
    entry(the_digest, category_=cv, position=2)
    return lg, cv


def subscribe(client, django_capture_on_commit_callbacks, email, **data):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("digest:subscribe"), {"email": email, **data})


def link_in(message, name: str) -> str:
    return re.search(rf"https?://\S+/digest/{name}/\S+", message.body).group(0)


def test_the_form_offers_the_digests_categories_with_chinese_names(client, categories):
    html = client.get(reverse("digest:subscribe")).content.decode()
    assert "cs.LG — Machine Learning (机器学习)" in html and "cs.CV — Computer Vision" in html


def test_subscribing_sends_a_confirmation_link_and_nothing_is_active_before_it_is_followed(
    client, categories, django_capture_on_commit_callbacks
):
    lg, _ = categories
    response = subscribe(
        client, django_capture_on_commit_callbacks, "Reader@Example.org", categories=[lg.pk], starred_only="on"
    )
    assert response.status_code == 200 and "Check your inbox" in response.content.decode()
    subscription = Subscription.objects.get()
    assert subscription.email == "reader@example.org" and not subscription.is_active
    assert subscription.starred_only and list(subscription.categories.all()) == [lg]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["reader@example.org"]
    confirm_url = link_in(mail.outbox[0], "subscription")
    assert confirm_url.endswith(f"/digest/subscription/{subscription.token}/confirm/")

    path = re.sub(r"^https?://[^/]+", "", confirm_url)
    page = client.get(path)  # a mail scanner following the link confirms nothing
    assert page.status_code == 200 and "Yes, subscribe" in page.content.decode()
    subscription.refresh_from_db()
    assert not subscription.is_active
    response = client.post(path)
    assert response.status_code == 302 and response["Location"] == subscription.get_absolute_url()
    subscription.refresh_from_db()
    assert subscription.is_active


def test_the_answer_is_the_same_whoever_is_subscribed(client, categories, django_capture_on_commit_callbacks):
    subscriber("active@example.org")
    subscriber("pending@example.org", active=False)
    pages = set()
    for email in ("active@example.org", "pending@example.org", "new@example.org"):
        html = subscribe(client, django_capture_on_commit_callbacks, email).content.decode()
        pages.add(html.replace(email, "EMAIL"))
    assert len(pages) == 1
    # The active subscriber's owner is told in their inbox, with the manage link; their choices are unchanged.
    reminder = next(message for message in mail.outbox if message.to == ["active@example.org"])
    assert "subscribed already" in reminder.body and "/digest/subscription/" in reminder.body
    assert "/confirm/" not in reminder.body


def test_someone_else_cannot_change_an_active_subscription(client, categories, django_capture_on_commit_callbacks):
    lg, cv = categories
    victim = subscriber("victim@example.org", categories=[lg])
    subscribe(client, django_capture_on_commit_callbacks, "victim@example.org", categories=[cv.pk], starred_only="on")
    victim.refresh_from_db()
    assert victim.is_active and not victim.starred_only and list(victim.categories.all()) == [lg]


def test_at_most_one_mail_per_address_in_the_interval(client, categories, django_capture_on_commit_callbacks):
    for _ in range(3):
        subscribe(client, django_capture_on_commit_callbacks, "target@example.org")
    assert len(mail.outbox) == 1


def test_subscription_requests_are_rate_limited_per_visitor(client, categories, django_capture_on_commit_callbacks):
    statuses = [
        subscribe(client, django_capture_on_commit_callbacks, f"reader{n}@example.org").status_code for n in range(11)
    ]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429
    assert Subscription.objects.count() == 10


def test_an_invalid_address_is_shown_again_with_an_error(client, categories):
    response = client.post(reverse("digest:subscribe"), {"email": "not an address"})
    html = response.content.decode()
    assert response.status_code == 200 and 'class="form-error"' in html and 'value="not an address"' in html
    assert Subscription.objects.count() == 0 and mail.outbox == []


def test_a_member_finds_the_form_prefilled_and_their_subscription_linked(
    client, categories, django_capture_on_commit_callbacks
):
    member = UserFactory(username="ada", email="ada@example.org")
    client.force_login(member)
    assert 'value="ada@example.org"' in client.get(reverse("digest:subscribe")).content.decode()
    subscribe(client, django_capture_on_commit_callbacks, "ada@example.org")
    subscription = Subscription.objects.get()
    assert subscription.user == member
    html = client.get(reverse("digest:subscribe")).content.decode()
    assert subscription.get_absolute_url() in html


def test_the_manage_page_changes_choices_by_token_only(client, categories):
    lg, cv = categories
    subscription = subscriber("reader@example.org", categories=[lg])
    html = client.get(subscription.get_absolute_url()).content.decode()
    assert "reader@example.org" in html and "active since" in html
    response = client.post(subscription.get_absolute_url(), {"categories": [cv.pk], "starred_only": "on"})
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert list(subscription.categories.all()) == [cv] and subscription.starred_only
    assert client.get(reverse("digest:manage", args=["8d1c2f6e-0000-4000-8000-000000000000"])).status_code == 404


def test_one_click_unsubscribe_needs_no_csrf_token_nor_sign_in(categories):
    subscription = subscriber("reader@example.org")
    csrf_client = Client(enforce_csrf_checks=True)
    page = csrf_client.get(subscription.get_unsubscribe_url())
    assert page.status_code == 200 and "Stop sending the digest" in page.content.decode()
    subscription.refresh_from_db()
    assert subscription.is_active  # a GET (a link scanner) unsubscribes nobody
    response = csrf_client.post(
        subscription.get_unsubscribe_url(),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at is not None and not subscription.is_active


def test_only_the_unsubscribe_view_is_exempt_from_csrf(categories):
    subscription = subscriber("reader@example.org", active=False)
    csrf_client = Client(enforce_csrf_checks=True)
    assert csrf_client.post(subscription.get_confirm_url()).status_code == 403
    assert csrf_client.post(subscription.get_absolute_url(), {"starred_only": "on"}).status_code == 403
    assert csrf_client.post(reverse("digest:subscribe"), {"email": "a@example.org"}).status_code == 403


def test_an_unsubscribed_reader_can_subscribe_again_from_the_manage_page(client, categories):
    subscription = subscriber("reader@example.org")
    subscription.unsubscribe()
    assert "Subscribe again" in client.get(subscription.get_absolute_url()).content.decode()
    client.post(subscription.get_confirm_url())
    subscription.refresh_from_db()
    assert subscription.is_active
