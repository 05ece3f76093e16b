"""The curation pages: triage (filters, search, pagination, every action with and without JavaScript), entries
(order, title), an entry's note and figures, the note as a summary, preview and publication."""

import json
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from digest import curation
from digest.models import Digest, DigestEntry, DigestFigure
from moderation.models import AuditEntry
from summaries.models import Summary
from tests.conftest import h1_count, html_of
from tests.digest.curate_helpers import DAY, curator, make_day
from tests.factories import ModeratorFactory
from tests.writing_helpers import image_bytes

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def user(client):
    user = curator()
    client.force_login(user)
    return user


@pytest.fixture
def papers():
    return make_day(9)


def url(name, *args):
    return reverse(f"digest:{name}", args=[DAY.isoformat(), *args])


def add(client, paper, action="add", **extra):
    return client.post(url("triage-action", paper.pk), {"action": action, **extra}, **JSON)


def test_curate_goes_to_the_latest_announcement_day(client, user, papers):
    make_day(2, DAY - timedelta(days=1))
    response = client.get(reverse("digest:curate"))
    assert response.status_code == 302 and response["Location"] == url("triage")


def test_curate_without_any_announcement_explains(client, user):
    html = html_of(client.get(reverse("digest:curate")))
    assert "No arXiv announcement has been harvested yet" in html and h1_count(html) == 1


def test_triage_lists_the_days_papers_by_category_with_cross_lists(client, user, papers):
    html = html_of(client.get(url("triage")))
    assert h1_count(html) == 1
    # 9 papers, 3 of them cross-listed: 12 listings, grouped under their category headings.
    assert html.count("data-triage-row") == 12
    headings = re.findall(r'<h2 class="triage-category" id="category-([^"]+)"', html)
    assert headings == ["cs.CL", "cs.CV", "cs.LG"]
    assert "[Stanford University &amp; Element AI &amp; University of Toronto]" in html
    assert "机器学习" in html and "cross-listed from cs.LG" in html


def test_triage_filters_by_category_and_searches_title_authors_and_abstract(client, user, papers):
    html = html_of(client.get(url("triage"), {"category": "cs.LG"}))
    assert html.count("data-triage-row") == 3
    html = html_of(client.get(url("triage"), {"q": "problem 4 "}))
    assert html.count("data-triage-row") == 1 and "Paper 4 of" in html
    html = html_of(client.get(url("triage"), {"q": f"author {DAY.isoformat()} 5-2"}))
    assert html.count("data-triage-row") == 1 and "Paper 5 of" in html
    html = html_of(client.get(url("triage"), {"q": "no such words"}))
    assert "No paper of this day matches" in html


def test_triage_paginates_per_hundred(client, user):
    make_day(130, codes=("cs.LG",))
    first = html_of(client.get(url("triage")))
    second = html_of(client.get(url("triage"), {"page": 2}))
    assert first.count("data-triage-row") == 100 and second.count("data-triage-row") == 30


def test_triage_shows_each_papers_state(client, user, papers):
    digest = curation.digest_for(DAY, user)
    curation.decide(digest, papers[0], "star", user)
    curation.decide(digest, papers[1], "add", user)
    curation.decide(digest, papers[2], "skip", user)
    html = html_of(client.get(url("triage"), {"category": "cs.LG"}))
    assert 'data-state="starred"' in html and "★ Starred" in html
    html = html_of(client.get(url("triage")))
    assert html.count('data-state="added"') == 1 and html.count('data-state="skipped"') == 1
    assert re.search(r'data-count="added">2<', html) and re.search(r'data-count="skipped">1<', html)


def test_actions_answer_json_for_the_script(client, user, papers):
    response = add(client, papers[0], "star", category="cs.LG")
    body = response.json()
    assert response.status_code == 200 and body["state"] == "starred"
    assert body["counts"] == {"added": 1, "starred": 1, "skipped": 0}
    assert body["entry"]["url"] == url("entry", body["entry"]["id"])
    body = add(client, papers[0], "skip").json()
    assert body["state"] == "skipped" and body["entry"] is None and body["counts"]["skipped"] == 1


def test_actions_work_without_javascript(client, user, papers):
    next_url = url("triage") + "?category=cs.LG#paper-x"
    response = client.post(url("triage-action", papers[0].pk), {"action": "add", "next": next_url})
    assert response.status_code == 302 and response["Location"] == next_url
    response = client.post(url("triage-action", papers[1].pk), {"action": "note"})
    entry = DigestEntry.objects.get(paper=papers[1])
    assert response["Location"] == url("entry", entry.pk)
    for bad in ("https://evil.example/", "//evil.example/", "home", "-9223372036854775809"):
        response = client.post(url("triage-action", papers[2].pk), {"action": "add", "next": bad})
        assert response["Location"] == url("triage") + f"#paper-{papers[2].pk}"


def test_removing_an_entry_with_a_note_is_refused_with_the_reason(client, user, papers):
    entry_id = add(client, papers[0]).json()["entry"]["id"]
    DigestEntry.objects.get(pk=entry_id).set_note("Keep me.", "en")
    response = add(client, papers[0], "remove")
    assert response.status_code == 409 and "has a note" in response.json()["error"]
    response = client.post(url("triage-action", papers[0].pk), {"action": "remove"}, follow=True)
    assert "has a note" in response.content.decode()
    assert DigestEntry.objects.filter(pk=entry_id).exists()


def test_a_paper_of_another_day_or_an_unknown_action_is_refused(client, user, papers):
    other = make_day(1, DAY + timedelta(days=1))[0]
    assert add(client, other).status_code == 404
    assert add(client, papers[0], "delete-everything").status_code == 400
    assert client.get(url("triage-action", papers[0].pk)).status_code == 405
    assert client.get("/digest/curate/2026-02-30/").status_code == 404


def test_saving_a_note_json_and_form(client, user, papers):
    entry_id = add(client, papers[0]).json()["entry"]["id"]
    response = client.post(url("entry", entry_id), {"note": "研究了 **宽网络**。", "language": "zh-Hans"}, **JSON)
    assert response.status_code == 200 and response.json()["entry"]["language"] == "zh-Hans"
    entry = DigestEntry.objects.get(pk=entry_id)
    assert entry.note == "研究了 **宽网络**。" and "<strong>宽网络</strong>" in entry.note_html
    response = client.post(url("entry", entry_id), {"note": "Plain.", "language": "en", "category": "cs.CV"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.note == "Plain." and entry.category_id == "cs.CV"  # a cross-list of this paper


def test_a_bad_note_is_refused_with_the_typed_text_kept(client, user, papers):
    entry_id = add(client, papers[0]).json()["entry"]["id"]
    response = client.post(url("entry", entry_id), {"note": "Typed.", "language": "klingon"})
    assert response.status_code == 400 and "Typed." in response.content.decode()
    response = client.post(url("entry", entry_id), {"note": "x", "language": "en", "category": "math.PR"}, **JSON)
    assert response.status_code == 400 and "category" in response.json()["errors"]
    assert DigestEntry.objects.get(pk=entry_id).note == ""


def test_the_entry_page_renders_with_the_one_preview_endpoint(client, user, papers):
    entry_id = add(client, papers[0]).json()["entry"]["id"]
    html = html_of(client.get(url("entry", entry_id)))
    assert h1_count(html) == 1 and reverse("summaries:preview") in html
    assert 'data-autosave="true"' in html


def test_a_published_digests_notes_are_not_autosaved(client, user, papers):
    entry_id = add(client, papers[0]).json()["entry"]["id"]
    Digest.objects.get(date=DAY).publish(user)
    html = html_of(client.get(url("entry", entry_id)))
    assert 'data-autosave="false"' in html and "This digest is published" in html


def test_move_entries_json_and_form(client, user, papers):
    ids = [add(client, paper).json()["entry"]["id"] for paper in papers[:3]]
    body = client.post(url("entry-move", ids[2]), {"direction": "up"}, **JSON).json()
    assert body == {"moved": True, "order": [ids[0], ids[2], ids[1]]}
    response = client.post(url("entry-move", ids[0]), {"direction": "down"})
    assert response.status_code == 302 and response["Location"].endswith(f"#entry-{ids[0]}")
    assert list(curation.entry_order(Digest.objects.get(date=DAY).pk).values_list("id", flat=True)) == [
        ids[2],
        ids[0],
        ids[1],
    ]
    assert client.post(url("entry-move", ids[0]), {"direction": "sideways"}).status_code == 400


def test_entries_page_lists_in_order_and_saves_title_and_intro(client, user, papers):
    for paper in papers[:2]:
        add(client, paper)
    html = html_of(client.get(url("entries")))
    assert h1_count(html) == 1 and html.index(papers[0].title) < html.index(papers[1].title)
    response = client.post(url("entries"), {"title": "Daily arXiv, 3 Dec", "intro": "Today: *sparsity*."})
    assert response.status_code == 302
    digest = Digest.objects.get(date=DAY)
    assert digest.title == "Daily arXiv, 3 Dec" and "<em>sparsity</em>" in digest.intro_html


def test_figure_upload_goes_through_the_validated_image_upload(client, user, papers, tmp_path):
    entry_id = add(client, papers[0]).json()["entry"]["id"]
    png = SimpleUploadedFile("fig.png", image_bytes("PNG", size=(80, 60)), content_type="image/png")
    response = client.post(url("figure-add", entry_id), {"image": png, "caption": "Loss landscape"})
    assert response.status_code == 302
    figure = DigestFigure.objects.get(entry_id=entry_id)
    assert figure.caption == "Loss landscape" and figure.image.name.endswith(".png")
    svg = SimpleUploadedFile("evil.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", content_type="image/svg+xml")
    response = client.post(url("figure-add", entry_id), {"image": svg}, follow=True)
    assert "SVG images are not accepted" in response.content.decode()
    fake = SimpleUploadedFile("fake.png", b"not an image at all", content_type="image/png")
    client.post(url("figure-add", entry_id), {"image": fake})
    assert DigestFigure.objects.count() == 1
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1
    response = client.post(url("figure-delete", entry_id, figure.pk))
    assert response.status_code == 302 and not DigestFigure.objects.exists()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_the_note_becomes_the_curators_private_summary_in_the_editor(client, user, papers):
    entry_id = add(client, papers[0]).json()["entry"]["id"]
    response = client.post(url("entry-summary", entry_id), follow=True)
    assert "Write a note first" in response.content.decode()
    assert not Summary.objects.exists()
    DigestEntry.objects.get(pk=entry_id).set_note("My note.", "en")
    response = client.post(url("entry-summary", entry_id))
    summary = Summary.objects.get(paper=papers[0], writer=user)
    assert response["Location"] == reverse("summaries:edit", args=[summary.pk])
    assert summary.body == "My note." and summary.visibility == Summary.Visibility.PRIVATE


def test_preview_shows_the_digest_as_readers_will(client, user, papers):
    add(client, papers[1])
    body = add(client, papers[0], "star", category="cs.LG").json()
    DigestEntry.objects.get(pk=body["entry"]["id"]).set_note("深度学习与核学习。", "zh-Hans")
    html = html_of(client.get(url("curate-preview")))
    assert h1_count(html) == 1
    assert re.search(r'1、</span><span class="tag">\[CV\]', html)
    assert re.search(r'2、</span><span class="tag">\[LG\]</span> <span class="star"', html)
    assert '<div class="markdown-body digest-note" lang="zh-Hans"><p>深度学习与核学习。</p>' in html
    assert "计算机视觉" in html and "Publish now" in html


def test_publish_schedule_and_cancel_from_the_preview(client, user, papers):
    add(client, papers[0])
    at = (timezone.localtime() + timedelta(days=1)).replace(second=0, microsecond=0)
    response = client.post(url("publish"), {"action": "schedule", "publish_at": at.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    digest = Digest.objects.get(date=DAY)
    assert digest.state == Digest.State.SCHEDULED and digest.publish_at == at
    response = client.post(url("publish"), {"action": "schedule", "publish_at": "2001-01-01T10:00"}, follow=True)
    assert "Choose a time in the future" in response.content.decode()
    client.post(url("publish"), {"action": "unschedule"})
    assert Digest.objects.get(date=DAY).state == Digest.State.DRAFT
    client.post(url("publish"), {"action": "publish"})
    assert Digest.objects.get(date=DAY).state == Digest.State.PUBLISHED
    response = client.post(url("publish"), {"action": "publish"}, follow=True)
    assert "published already" in response.content.decode()
    assert list(AuditEntry.objects.order_by("created_at").values_list("action", flat=True)) == [
        "schedule",
        "unschedule",
        "publish",
    ]


def test_curators_cannot_unpublish_moderators_can(client, user, papers):
    add(client, papers[0])
    client.post(url("publish"), {"action": "publish"})
    assert client.post(url("publish"), {"action": "unpublish"}).status_code == 403
    assert "Unpublish" not in html_of(client.get(url("curate-preview")))
    moderator = ModeratorFactory()
    client.force_login(moderator)
    assert "Unpublish" in html_of(client.get(url("curate-preview")))
    client.post(url("publish"), {"action": "unpublish"})
    assert Digest.objects.get(date=DAY).state == Digest.State.DRAFT
    assert AuditEntry.objects.get(action="unpublish").actor == moderator


def test_publishing_a_day_without_a_digest_is_404(client, user):
    assert client.post(url("publish"), {"action": "publish"}).status_code == 404


def test_json_errors_are_json(client, user, papers):
    entry_id = add(client, papers[0]).json()["entry"]["id"]
    response = client.post(url("entry", entry_id), {"note": "x" * 20_001, "language": "en"}, **JSON)
    assert response.status_code == 400 and json.loads(response.content)["errors"]["note"]
