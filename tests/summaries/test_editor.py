import re

import pytest
from django.urls import reverse

from summaries.models import Revision, Summary
from tests.conftest import h1_count
from tests.factories import PaperFactory, SummaryFactory, UserFactory
from tests.writing_helpers import banned_user, editor_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper(db):
    return PaperFactory(title="Attention Is All You Need")


@pytest.fixture
def arxiv_paper(db):
    return PaperFactory(title="Deep Residual Learning", arxiv_id="1512.03385", arxiv_version=3)


def write_url(paper):
    return reverse("summaries:write", args=[paper.slug])


def test_editor_page_renders_markdownx_widget_pointing_at_our_endpoints(client, member, paper):
    client.force_login(member)
    response = client.get(write_url(paper))
    html = response.content.decode()
    assert response.status_code == 200
    assert h1_count(html) == 1
    assert 'class="markdownx editor-grid"' in html
    assert f'data-markdownx-urls-path="{reverse("summaries:preview")}"' in html
    assert f'data-markdownx-upload-urls-path="{reverse("summaries:upload")}"' in html
    assert "markdownx/js/markdownx" in html
    assert "js/editor.js" in html and "js/math.js" in html
    assert "<details" in html and "Markdown and LaTeX help" in html
    assert 'name="revision_number" value="0"' in html


def test_publishing_creates_summary_with_first_revision(client, member, paper):
    client.force_login(member)
    response = client.post(write_url(paper), editor_data("Summary with $a+b$ math."))
    summary = Summary.objects.get(paper=paper, writer=member)
    assert response.status_code == 302
    assert response["Location"] == summary.get_absolute_url()
    assert summary.revision_number == 1
    assert summary.state == Summary.State.VISIBLE
    assert 'class="math-inline"' in summary.body_html
    assert list(summary.revisions.values_list("number", "body")) == [(1, "Summary with $a+b$ math.")]


def test_choices_are_stored(client, member, paper):
    client.force_login(member)
    client.post(write_url(paper), editor_data(visibility="private", is_anonymous="true", audience="expert"))
    summary = Summary.objects.get(paper=paper, writer=member)
    assert (summary.visibility, summary.is_anonymous, summary.audience) == ("private", True, "expert")
    assert summary.arxiv_version is None


def test_arxiv_paper_offers_versions_up_to_the_latest_and_defaults_to_it(client, member, arxiv_paper):
    client.force_login(member)
    html = client.get(write_url(arxiv_paper)).content.decode()
    options = re.findall(r'<option value="(\d+)"[^>]*>v\d+</option>', html)
    assert options == ["3", "2", "1"]
    assert re.search(r'<option value="3" selected>v3</option>', html)
    client.post(write_url(arxiv_paper), editor_data(arxiv_version="2"))
    assert Summary.objects.get(paper=arxiv_paper).arxiv_version == 2


def test_arxiv_version_beyond_the_latest_is_refused(client, member, arxiv_paper):
    client.force_login(member)
    response = client.post(write_url(arxiv_paper), editor_data(arxiv_version="4"))
    assert response.status_code == 200
    assert not Summary.objects.exists()


def test_write_opens_the_existing_summary_for_editing(client, paper):
    summary = SummaryFactory(paper=paper)
    client.force_login(summary.writer)
    response = client.get(write_url(paper))
    assert response.status_code == 302
    assert response["Location"] == reverse("summaries:edit", args=[summary.pk])
    html = client.get(response["Location"]).content.decode()
    assert "Save changes" in html
    assert f'name="revision_number" value="{summary.revision_number}"' in html


def test_each_save_stores_a_revision_and_bumps_the_number(client, member, paper):
    client.force_login(member)
    client.post(write_url(paper), editor_data("First version."))
    summary = Summary.objects.get(paper=paper, writer=member)
    client.post(reverse("summaries:edit", args=[summary.pk]), editor_data("Second version.", revision=1))
    client.post(reverse("summaries:edit", args=[summary.pk]), editor_data("Third version.", revision=2))
    summary.refresh_from_db()
    assert summary.revision_number == 3
    assert summary.body == "Third version."
    assert list(Revision.objects.filter(summary=summary).order_by("number").values_list("number", "body")) == [
        (1, "First version."),
        (2, "Second version."),
        (3, "Third version."),
    ]


def test_stale_save_is_refused_and_keeps_the_typed_text(client, member, paper):
    client.force_login(member)
    client.post(write_url(paper), editor_data("Original."))
    summary = Summary.objects.get(paper=paper, writer=member)
    edit_url = reverse("summaries:edit", args=[summary.pk])
    # Tab A saves first; tab B was opened at revision 1 too.
    client.post(edit_url, editor_data("Saved by tab A.", revision=1))
    response = client.post(edit_url, editor_data("Typed in tab B <b>bold</b>.", revision=1))
    html = response.content.decode()
    assert response.status_code == 409
    assert "changed in another tab or window" in html
    assert "Typed in tab B &lt;b&gt;bold&lt;/b&gt;." in html  # kept, escaped, in the textarea
    assert "Saved by tab A." in html  # the other version, to merge from
    assert 'name="revision_number" value="2"' in html  # the next save replaces it knowingly
    summary.refresh_from_db()
    assert summary.body == "Saved by tab A."
    assert summary.revisions.count() == 2


def test_two_tabs_writing_a_new_summary_do_not_overwrite_each_other(client, member, paper):
    client.force_login(member)
    client.post(write_url(paper), editor_data("From tab A."))
    response = client.post(write_url(paper), editor_data("From tab B.", revision=0))
    assert response.status_code == 409
    html = response.content.decode()
    assert "changed in another tab or window" in html and "From tab B." in html
    assert Summary.objects.get(paper=paper, writer=member).body == "From tab A."


def test_stale_save_through_edit_after_create_race(client, member, paper):
    client.force_login(member)
    client.post(write_url(paper), editor_data("From tab A."))
    summary = Summary.objects.get()
    response = client.post(reverse("summaries:edit", args=[summary.pk]), editor_data("From tab B.", revision=0))
    assert response.status_code == 409
    assert Summary.objects.get().body == "From tab A."


def test_validation_error_keeps_the_typed_text(client, member, paper):
    client.force_login(member)
    response = client.post(write_url(paper), editor_data("My long text", audience="wizard"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "not saved" in html and "My long text" in html
    assert not Summary.objects.exists()


def test_empty_body_is_refused_with_a_clear_message(client, member, paper):
    client.force_login(member)
    response = client.post(write_url(paper), editor_data("   "))
    assert "the summary is empty" in response.content.decode()
    assert not Summary.objects.exists()


def test_new_summary_state_comes_from_moderation_trust(client, member, paper, settings):
    settings.HOLD_FIRST_SUMMARY_FOR_REVIEW = True
    client.force_login(member)
    client.post(write_url(paper), editor_data())
    assert Summary.objects.get().state == Summary.State.PENDING


def test_editing_keeps_the_moderation_state(client, paper):
    summary = SummaryFactory(paper=paper, state=Summary.State.HIDDEN)
    client.force_login(summary.writer)
    client.post(reverse("summaries:edit", args=[summary.pk]), editor_data("Fixed.", revision=1))
    summary.refresh_from_db()
    assert (summary.body, summary.state) == ("Fixed.", Summary.State.HIDDEN)


def test_cannot_edit_someone_elses_summary(client, member, paper):
    summary = SummaryFactory(paper=paper)
    client.force_login(member)
    assert client.get(reverse("summaries:edit", args=[summary.pk])).status_code == 404
    assert client.post(reverse("summaries:edit", args=[summary.pk]), editor_data(revision=1)).status_code == 404
    summary.refresh_from_db()
    assert summary.revision_number == 1


def test_banned_member_cannot_open_the_editor(client, paper):
    client.force_login(banned_user())
    assert client.get(write_url(paper)).status_code == 403
    assert client.post(write_url(paper), editor_data()).status_code == 403
    assert not Summary.objects.exists()


def test_anonymous_visitor_is_sent_to_sign_in(client, paper):
    response = client.get(write_url(paper))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_deleted_summary_offers_restore_or_start_over(client, paper):
    summary = SummaryFactory(paper=paper, body="Old text.")
    summary.soft_delete()
    client.force_login(summary.writer)
    html = client.get(write_url(paper)).content.decode()
    assert "Restore my summary" in html and "Start over" in html
    fresh = client.get(write_url(paper) + "?start=over").content.decode()
    assert "Old text." not in fresh
    assert f'name="revision_number" value="{summary.revision_number}"' in fresh


def test_restoring_a_deleted_summary(client, paper):
    summary = SummaryFactory(paper=paper)
    summary.soft_delete()
    client.force_login(summary.writer)
    response = client.post(write_url(paper), {"action": "restore"})
    assert response["Location"] == reverse("summaries:edit", args=[summary.pk])
    summary.refresh_from_db()
    assert summary.deleted_at is None


def test_starting_over_reuses_the_row_and_keeps_history(client, paper):
    summary = SummaryFactory(paper=paper, body="Old text.")
    summary.soft_delete()
    client.force_login(summary.writer)
    client.post(write_url(paper), editor_data("New start.", revision=summary.revision_number))
    summary.refresh_from_db()
    assert (summary.body, summary.deleted_at, summary.revision_number) == ("New start.", None, 2)


def test_new_member_can_edit_own_summary_more_than_the_new_summary_limit(client, member, paper):
    # A new account may start 20 // 4 = 5 summaries an hour, but editing one's own is limited separately (60).
    client.force_login(member)
    client.post(write_url(paper), editor_data("v1"))
    summary = Summary.objects.get()
    edit_url = reverse("summaries:edit", args=[summary.pk])
    statuses = [client.post(edit_url, editor_data(f"v{n + 2}", revision=n + 1)).status_code for n in range(10)]
    assert statuses == [302] * 10
    summary.refresh_from_db()
    assert summary.revision_number == 11


def test_new_summaries_are_rate_limited_separately_from_edits(client, member, monkeypatch):
    from accounts import ratelimit

    monkeypatch.setitem(ratelimit.RATES, "summary", ratelimit.Rate(per_member=8, per_ip=100, window=3600, label="s"))
    papers = PaperFactory.create_batch(3)
    client.force_login(member)
    statuses = [client.post(write_url(p), editor_data("New.")).status_code for p in papers]
    assert statuses == [302, 302, 429]  # a new account: 8 // 4
    assert Summary.objects.count() == 2
    # Edits have their own budget: still open.
    summary = Summary.objects.first()
    response = client.post(reverse("summaries:edit", args=[summary.pk]), editor_data("Fixed.", revision=1))
    assert response.status_code == 302


def test_summary_edits_are_rate_limited_and_new_accounts_get_the_full_edit_limit(client, member, paper, monkeypatch):
    from accounts import ratelimit

    rate = ratelimit.Rate(per_member=3, per_ip=100, window=3600, label="summary edits", new_account_factor=1)
    monkeypatch.setitem(ratelimit.RATES, "summary_edit", rate)
    summary = SummaryFactory(paper=paper, writer=member, revision_number=1)
    client.force_login(member)
    edit_url = reverse("summaries:edit", args=[summary.pk])
    statuses = [client.post(edit_url, editor_data(f"v{n}", revision=n)).status_code for n in range(1, 5)]
    assert statuses == [302, 302, 302, 429]


def test_rate_limited_save_keeps_the_text_and_says_when_to_try_again(client, member, paper, monkeypatch):
    import datetime

    from django.utils import timezone

    from accounts import ratelimit

    rate = ratelimit.Rate(per_member=1, per_ip=100, window=3600, label="summary edits", new_account_factor=1)
    monkeypatch.setitem(ratelimit.RATES, "summary_edit", rate)
    now = datetime.datetime(2026, 3, 1, 14, 37, 10, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)
    summary = SummaryFactory(paper=paper, writer=member, revision_number=1)
    client.force_login(member)
    edit_url = reverse("summaries:edit", args=[summary.pk])
    client.post(edit_url, editor_data("First edit.", revision=1))
    response = client.post(edit_url, editor_data("My *unsaved* second edit & more.", revision=2, audience="expert"))
    html = response.content.decode()
    assert response.status_code == 429
    assert response["Retry-After"] == str(22 * 60 + 50)
    assert "Your summary was not saved" in html
    assert "You have reached the limit for summary edits" in html
    assert "try again in 23 minutes (at 15:00 UTC)" in html
    assert "My *unsaved* second edit &amp; more.</textarea>" in html
    assert re.search(r'value="expert"[^>]*checked|checked[^>]*value="expert"|<option value="expert" selected', html)
    summary.refresh_from_db()
    assert summary.body == "First edit."


def test_editor_page_query_count(client, paper, django_assert_max_num_queries):
    summary = SummaryFactory(paper=paper)
    client.force_login(summary.writer)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("summaries:edit", args=[summary.pk])).status_code == 200


def test_preview_renders_with_the_site_renderer(client, member):
    client.force_login(member)
    response = client.post(reverse("summaries:preview"), {"content": "# Title\n\n$x^2$ <script>alert(1)</script>"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<span class="math-inline">$x^2$</span>' in html
    assert "<h3>Title</h3>" in html
    assert "<script" not in html


def test_preview_links_citations_to_the_papers_pages_here(client, member):
    paper = PaperFactory(arxiv_id="1706.03762")
    client.force_login(member)
    html = client.post(reverse("summaries:preview"), {"content": "As \\cite{arXiv:1706.03762} shows"}).content.decode()
    assert f'href="{paper.get_absolute_url()}"' in html


def test_preview_refuses_anonymous_and_banned(client):
    assert client.post(reverse("summaries:preview"), {"content": "hi"}).status_code == 403
    client.force_login(banned_user())
    assert client.post(reverse("summaries:preview"), {"content": "hi"}).status_code == 403


def test_preview_is_rate_limited_with_a_message(client, member, monkeypatch):
    from accounts import ratelimit

    monkeypatch.setitem(ratelimit.RATES, "preview", ratelimit.Rate(per_member=8, per_ip=100, window=3600, label="p"))
    client.force_login(member)
    statuses = [client.post(reverse("summaries:preview"), {"content": "x"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_markdownx_own_urls_are_not_installed(client, member):
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        reverse("markdownx_upload")


def test_delete_needs_confirmation_and_is_soft(client, paper):
    summary = SummaryFactory(paper=paper)
    client.force_login(summary.writer)
    url = reverse("summaries:delete", args=[summary.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Delete your summary?" in page.content.decode()
    response = client.post(url)
    assert response["Location"] == paper.get_absolute_url()
    summary.refresh_from_db()
    assert summary.deleted_at is not None
    assert not Summary.objects.listed().filter(pk=summary.pk).exists()
    summary.restore()  # what the moderators' admin action calls
    assert Summary.objects.listed().filter(pk=summary.pk).exists()


def test_other_member_cannot_delete(client, member, paper):
    summary = SummaryFactory(paper=paper)
    client.force_login(member)
    assert client.post(reverse("summaries:delete", args=[summary.pk])).status_code == 404
    summary.refresh_from_db()
    assert summary.deleted_at is None


def test_users_are_distinct_writers(client, paper):
    other = UserFactory()
    SummaryFactory(paper=paper, writer=other)
    me = UserFactory()
    client.force_login(me)
    assert client.get(write_url(paper)).status_code == 200


def test_delete_page_query_count(client, paper, django_assert_max_num_queries):
    summary = SummaryFactory(paper=paper)
    client.force_login(summary.writer)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("summaries:delete", args=[summary.pk])).status_code == 200


def _message_after(client, url, data) -> str:
    response = client.post(url, data, follow=True)
    return " ".join(str(m) for m in response.context["messages"])


def test_first_public_save_says_published(client, member, paper):
    client.force_login(member)
    assert _message_after(client, write_url(paper), editor_data("v1")) == "Published. Your summary is now public."


def test_editing_a_public_summary_says_changes_saved_not_published(client, member, paper):
    summary = SummaryFactory(paper=paper, writer=member, revision_number=1)
    client.force_login(member)
    message = _message_after(client, reverse("summaries:edit", args=[summary.pk]), editor_data("v2", revision=1))
    assert message == "Changes saved."


def test_private_saves_say_what_happened(client, member, paper):
    client.force_login(member)
    message = _message_after(client, write_url(paper), editor_data("v1", visibility="private"))
    assert message.startswith("Saved privately.")
    summary = Summary.objects.get()
    edit_url = reverse("summaries:edit", args=[summary.pk])
    assert _message_after(client, edit_url, editor_data("v2", revision=1, visibility="private")) == (
        "Changes saved. Your summary is still private."
    )
    message = _message_after(client, edit_url, editor_data("v3", revision=2, visibility="public"))
    assert message == "Published. Your summary is now public."
    message = _message_after(client, edit_url, editor_data("v4", revision=3, visibility="private"))
    assert message.startswith("Saved and made private.")


def test_saves_of_held_and_hidden_summaries_say_they_are_not_public(client, member, paper, settings):
    settings.HOLD_FIRST_SUMMARY_FOR_REVIEW = True
    client.force_login(member)
    message = _message_after(client, write_url(paper), editor_data("v1"))
    assert message == "Saved. Your summary will be published once a moderator has had a look."
    summary = Summary.objects.get()
    edit_url = reverse("summaries:edit", args=[summary.pk])
    message = _message_after(client, edit_url, editor_data("v2", revision=1))
    assert message == "Changes saved. Your summary will be published once a moderator has had a look."
    Summary.objects.filter(pk=summary.pk).update(state=Summary.State.HIDDEN)
    message = _message_after(client, edit_url, editor_data("v3", revision=2))
    assert message.startswith("Changes saved. Your summary is still hidden")


def test_the_write_page_of_a_merged_paper_leads_to_the_kept_paper(client, member):
    kept, merged = PaperFactory(), PaperFactory()
    merged.merged_into = kept
    merged.save()
    client.force_login(member)
    assert client.get(write_url(merged))["Location"] == write_url(kept)


def test_an_editor_opened_before_a_merge_saves_onto_the_kept_paper(client, member):
    # Before: the summary was published on the merged paper, whose page redirects away (readers never saw it)
    # while feeds, the API and the counters counted it.
    kept, merged = PaperFactory(), PaperFactory()
    merged.merged_into = kept
    merged.save()
    client.force_login(member)
    client.post(write_url(merged), editor_data("Written while the papers were merged."))
    assert Summary.objects.get(writer=member).paper == kept
    assert not Summary.objects.filter(paper=merged).exists()
