"""Private means private, in the admin too: moderators see that a private summary exists and its metadata,
never its text or share link, unless a reader with the share link reports it (then the reported revision only,
and every reading is in the audit trail)."""

import pytest
from django.urls import reverse

from moderation.models import AuditEntry, Report
from summaries.editing import save_summary
from tests.factories import PaperFactory, UserFactory

pytestmark = pytest.mark.django_db
SECRET_V1 = "Unpublished idea about quokkas"
SECRET_V2 = "Second thoughts about wombats"


def _data(body, visibility="private"):
    return {"body": body, "visibility": visibility, "is_anonymous": False, "audience": "practitioner"}


@pytest.fixture
def private(member):
    summary = save_summary(paper=PaperFactory(), writer=member, expected_revision=0, data=_data(SECRET_V1))
    summary.ensure_share_token()
    return summary


def change(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def _report_through_link(client, summary):
    reader = UserFactory()
    client.force_login(reader)
    return client.post(reverse("moderation:report_shared", args=[summary.share_token]), {"reason": "abuse"})


@pytest.mark.parametrize("role", ["moderator", "superuser"])
def test_the_admin_shows_a_private_summarys_metadata_but_not_its_text_or_link(client, private, role, request):
    client.force_login(request.getfixturevalue(role))
    html = client.get(change(private)).content.decode()
    assert private.paper.title in html
    assert "Private: only its writer can read it" in html
    assert SECRET_V1.split()[-1] not in html
    assert private.share_token not in html


def test_the_admin_still_shows_a_public_summarys_text(client, moderator, member):
    public = save_summary(paper=PaperFactory(), writer=member, expected_revision=0, data=_data(SECRET_V1, "public"))
    client.force_login(moderator)
    assert "quokkas" in client.get(change(public)).content.decode()


def test_admin_search_does_not_find_a_private_summary_by_its_words(client, moderator, private, member):
    public = save_summary(paper=PaperFactory(), writer=member, expected_revision=0, data=_data("quokkas too", "public"))
    client.force_login(moderator)
    response = client.get(reverse("admin:summaries_summary_changelist"), {"q": "quokkas"})
    ids = {summary.pk for summary in response.context["cl"].result_list}
    assert ids == {public.pk}


def test_a_private_summarys_revisions_hide_their_text_even_from_superusers(client, superuser, private):
    # Moderators cannot open revisions at all; superusers can, and the rule holds for them too.
    client.force_login(superuser)
    html = client.get(change(private.revisions.get())).content.decode()
    assert "quokkas" not in html
    assert "Private: only its writer can read it" in html


def test_a_reader_with_the_share_link_can_report_it_and_lands_back_on_it(client, private):
    response = _report_through_link(client, private)
    assert response.status_code == 302
    assert response.url == reverse("summaries:shared", args=[private.share_token])
    report = Report.objects.get()
    assert (report.content_object, report.revision_number) == (private, 1)


def test_the_shared_page_offers_the_report_link_to_members_only(client, private):
    shared = reverse("summaries:shared", args=[private.share_token])
    report_url = reverse("moderation:report_shared", args=[private.share_token])
    assert report_url not in client.get(shared).content.decode()
    client.force_login(UserFactory())
    assert report_url in client.get(shared).content.decode()


def test_a_revoked_link_cannot_be_reported(client, private):
    token = private.share_token
    private.revoke_share_token()
    client.force_login(UserFactory())
    assert client.post(reverse("moderation:report_shared", args=[token]), {"reason": "abuse"}).status_code == 404
    assert not Report.objects.exists()


def test_after_a_report_moderators_read_the_reported_revision_only_and_each_reading_is_audited(
    client, moderator, private, member
):
    _report_through_link(client, private)
    # The writer edits it afterwards: moderators still see what the reader reported, not the new text.
    save_summary(paper=private.paper, writer=member, expected_revision=1, data=_data(SECRET_V2))
    client.force_login(moderator)
    for _ in range(2):
        html = client.get(change(private)).content.decode()
        assert "quokkas" in html and "wombats" not in html
        assert private.share_token not in html
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.VIEW_PRIVATE)
    assert entries.count() == 2
    assert {(e.actor, e.object_id, e.details["revision"]) for e in entries} == {(moderator, private.pk, 1)}


def test_the_report_page_in_the_admin_shows_the_reported_revision_and_audits_it(client, moderator, private):
    _report_through_link(client, private)
    client.force_login(moderator)
    html = client.get(change(Report.objects.get())).content.decode()
    assert "quokkas" in html
    assert AuditEntry.objects.filter(action=AuditEntry.Action.VIEW_PRIVATE, actor=moderator).count() == 1


def test_only_the_reported_revision_is_readable_among_the_revisions(client, superuser, private, member):
    _report_through_link(client, private)
    save_summary(paper=private.paper, writer=member, expected_revision=1, data=_data(SECRET_V2))
    client.force_login(superuser)
    first, second = private.revisions.get(number=1), private.revisions.get(number=2)
    assert "quokkas" in client.get(change(first)).content.decode()
    assert "wombats" not in client.get(change(second)).content.decode()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.VIEW_PRIVATE).count() == 1
