import pytest
from django.test import Client
from django.urls import reverse

from summaries.models import Summary
from tests.factories import SummaryFactory
from tests.writing_helpers import banned_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def private(db):
    return SummaryFactory(visibility=Summary.Visibility.PRIVATE, body="My **private** notes.")


def share_url(summary):
    return reverse("summaries:share", args=[summary.pk])


def test_writer_creates_a_share_link_anyone_can_open(client, private):
    client.force_login(private.writer)
    response = client.post(share_url(private), {"action": "create"})
    assert response.status_code == 302
    private.refresh_from_db()
    assert private.share_token and len(private.share_token) >= 40
    page = client.get(share_url(private)).content.decode()
    assert reverse("summaries:shared", args=[private.share_token]) in page
    stranger = Client()
    shared = stranger.get(reverse("summaries:shared", args=[private.share_token]))
    assert shared.status_code == 200
    assert "<strong>private</strong>" in shared.content.decode()
    assert '<meta name="robots" content="noindex, nofollow">' in shared.content.decode()
    assert shared["X-Robots-Tag"] == "noindex, nofollow"


def test_revoked_link_is_a_404(client, private):
    token = private.ensure_share_token()
    client.force_login(private.writer)
    client.post(share_url(private), {"action": "revoke"})
    private.refresh_from_db()
    assert private.share_token is None
    assert Client().get(reverse("summaries:shared", args=[token])).status_code == 404


def test_unknown_token_is_a_404(client, db):
    assert client.get(reverse("summaries:shared", args=["not-a-token"])).status_code == 404


def test_deleted_or_hidden_summary_link_is_a_404(private):
    token = private.ensure_share_token()
    private.soft_delete()
    assert Client().get(reverse("summaries:shared", args=[token])).status_code == 404
    private.restore()
    private.set_state(Summary.State.HIDDEN)
    assert Client().get(reverse("summaries:shared", args=[token])).status_code == 404


def test_anonymous_shared_summary_hides_the_writer(private):
    private.is_anonymous = True
    private.save()
    token = private.ensure_share_token()
    html = Client().get(reverse("summaries:shared", args=[token])).content.decode()
    assert "By anonymous" in html
    assert private.writer.public_name not in html


def test_only_the_writer_manages_the_link(client, member, private):
    client.force_login(member)
    assert client.get(share_url(private)).status_code == 404
    assert client.post(share_url(private), {"action": "create"}).status_code == 404
    private.refresh_from_db()
    assert private.share_token is None


def test_banned_writer_cannot_create_links(client, private):
    private.writer.banned_at = banned_user("b2").banned_at
    private.writer.save()
    client.force_login(private.writer)
    assert client.post(share_url(private), {"action": "create"}).status_code == 403


def test_share_actions_need_csrf(private):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(private.writer)
    assert csrf_client.post(share_url(private), {"action": "create"}).status_code == 403
    private.refresh_from_db()
    assert private.share_token is None


def test_public_summary_share_page_points_to_its_permalink(client):
    summary = SummaryFactory()
    client.force_login(summary.writer)
    html = client.get(share_url(summary)).content.decode()
    assert "This summary is public" in html and summary.get_absolute_url() in html


def test_share_pages_have_constant_query_counts(client, private, django_assert_max_num_queries):
    token = private.ensure_share_token()
    with django_assert_max_num_queries(2):
        assert Client().get(reverse("summaries:shared", args=[token])).status_code == 200
    client.force_login(private.writer)
    with django_assert_max_num_queries(6):
        assert client.get(share_url(private)).status_code == 200
