"""The digest in the admin: entries inline in order, notes rendered on save, publication through the audited
methods, subscriptions read-only; the Curators group exists without admin permissions."""

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import CURATORS_GROUP
from digest import curation
from digest.models import Digest, DigestEntry, Subscription
from moderation.models import AuditEntry
from tests.conftest import html_of
from tests.digest.curate_helpers import DAY, curator, make_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def digest():
    user = curator()
    papers = make_day(3)
    digest = curation.digest_for(DAY, user)
    for paper in reversed(papers):
        curation.decide(digest, paper, "add", user)
    return digest


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def test_the_curators_group_exists_and_carries_no_admin_permission():
    assert not Group.objects.get(name=CURATORS_GROUP).permissions.exists()


def test_digest_change_page_lists_entries_in_digest_order(admin_client, digest):
    html = html_of(admin_client.get(reverse("admin:digest_digest_change", args=[digest.pk])))
    shown = [int(pk) for pk in re.findall(r'name="entries-\d+-paper" value="(\d+)"', html)]
    assert shown == list(curation.entry_order(digest.pk).values_list("paper_id", flat=True))
    assert shown == sorted(shown, reverse=True)  # added newest paper first, so not id order
    assert str(digest) in html_of(admin_client.get(reverse("admin:digest_digest_changelist")))


def test_editing_a_note_in_the_admin_renders_it(admin_client, digest):
    entry = DigestEntry.objects.filter(digest=digest).first()
    url = reverse("admin:digest_digestentry_change", args=[entry.pk])
    response = admin_client.post(
        url,
        {
            "digest": digest.pk,
            "paper": entry.paper_id,
            "category": entry.category_id,
            "position": entry.position,
            "language": "en",
            "note": "Edited in the **admin**.",
            "source_url": "",
            "figures-TOTAL_FORMS": "0",
            "figures-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert "<strong>admin</strong>" in DigestEntry.objects.get(pk=entry.pk).note_html


def test_publish_and_unpublish_actions_are_audited(admin_client, digest, superuser):
    changelist = reverse("admin:digest_digest_changelist")
    admin_client.post(changelist, {"action": "publish_selected", "_selected_action": [digest.pk]})
    assert Digest.objects.get(pk=digest.pk).state == Digest.State.PUBLISHED
    admin_client.post(changelist, {"action": "unpublish_selected", "_selected_action": [digest.pk]})
    assert Digest.objects.get(pk=digest.pk).state == Digest.State.DRAFT
    assert list(AuditEntry.objects.order_by("created_at").values_list("action", "actor")) == [
        ("publish", superuser.pk),
        ("unpublish", superuser.pk),
    ]


def test_subscriptions_are_read_only(admin_client):
    subscription = Subscription.objects.create(email="reader@example.org")
    html = html_of(admin_client.get(reverse("admin:digest_subscription_changelist")))
    assert "reader@example.org" in html
    assert admin_client.get(reverse("admin:digest_subscription_add")).status_code == 403
    response = admin_client.post(
        reverse("admin:digest_subscription_change", args=[subscription.pk]), {"email": "other@example.org"}
    )
    assert response.status_code == 403
    assert Subscription.objects.get(pk=subscription.pk).email == "reader@example.org"
