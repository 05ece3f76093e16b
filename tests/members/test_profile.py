"""The public profile page of a member."""

import pytest
from django.utils import timezone

from summaries.models import Summary
from tests.conftest import h1_count
from tests.factories import PaperFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(db):
    return UserFactory(
        username="alice",
        display_name="Alice Moreau",
        affiliation="University of Montréal",
        bio="PhD student.\nSequence models.",
        website="https://alice.example.org/",
        orcid="0000-0002-1825-0097",
    )


def test_profile_shows_name_affiliation_bio_links_and_score(client, alice):
    SummaryFactory(writer=alice)
    type(alice).objects.filter(pk=alice.pk).update(total_score=7)
    html = client.get("/users/alice/").content.decode()
    assert h1_count(html) == 1 and "<h1>Alice Moreau</h1>" in html
    assert "University of Montréal" in html and "PhD student.<br>Sequence models." in html
    assert '<a href="https://alice.example.org/" rel="nofollow ugc noopener">' in html
    assert '<a href="https://orcid.org/0000-0002-1825-0097" rel="nofollow ugc noopener">' in html
    assert "<dt>Total score</dt><dd>7</dd>" in html and "<dt>Summaries</dt><dd>1</dd>" in html


def test_profile_lists_only_credited_summaries(client, alice):
    SummaryFactory(writer=alice, body="SIGNED-PUBLIC")
    SummaryFactory(writer=alice, body="ANONYMOUS-ONE", is_anonymous=True)
    SummaryFactory(writer=alice, body="PRIVATE-ONE", visibility=Summary.Visibility.PRIVATE)
    SummaryFactory(writer=alice, body="HIDDEN-ONE", state=Summary.State.HIDDEN)
    SummaryFactory(writer=alice, body="SPAM-ONE", state=Summary.State.SPAM)
    SummaryFactory(writer=alice, body="PENDING-ONE", state=Summary.State.PENDING)
    SummaryFactory(writer=alice, body="DELETED-ONE", deleted_at=timezone.now())
    for viewer in (None, UserFactory(), alice):
        if viewer:
            client.force_login(viewer)
        html = client.get("/users/alice/").content.decode()
        assert "SIGNED-PUBLIC" in html
        for absent in ("ANONYMOUS-ONE", "PRIVATE-ONE", "HIDDEN-ONE", "SPAM-ONE", "PENDING-ONE", "DELETED-ONE"):
            assert absent not in html


def test_profile_does_not_link_a_website_that_is_not_http(client, alice):
    type(alice).objects.filter(pk=alice.pk).update(website="javascript:alert(1)")
    html = client.get("/users/alice/").content.decode()
    assert "javascript:" not in html


def test_profile_escapes_what_the_member_typed(client, db):
    UserFactory(username="mallory", display_name="<script>x</script>", bio="<img src=x onerror=alert(1)>")
    html = client.get("/users/mallory/").content.decode()
    assert "<script>x</script>" not in html and "<img src=x" not in html


def test_profile_of_unknown_or_inactive_member_is_404(client, db):
    UserFactory(username="gone", is_active=False)
    assert client.get("/users/gone/").status_code == 404
    assert client.get("/users/nobody/").status_code == 404


def test_profile_query_count_is_constant(client, alice, django_assert_max_num_queries):
    for _ in range(30):
        SummaryFactory(writer=alice, paper=PaperFactory())
    with django_assert_max_num_queries(4):
        html = client.get("/users/alice/").content.decode()
    assert html.count('class="summary-card"') == 20 and 'rel="next"' in html
    client.force_login(UserFactory())
    with django_assert_max_num_queries(6):
        client.get("/users/alice/")


def test_old_profile_links_redirect_permanently(client, alice):
    response = client.get("/user", {"name": "alice"})
    assert response.status_code == 301 and response["Location"] == "/users/alice/"
    assert client.get("/user", {"name": "nobody"}).status_code == 404
    assert client.get("/user").status_code == 404
