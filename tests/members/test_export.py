"""“Your data is yours”: the zip of a member's own summaries and comments."""

import io
import json
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from summaries.models import Summary, Vote
from tests.conftest import h1_count
from tests.factories import CommentFactory, PaperFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db
EXPORT = reverse("members:export")


def download(client):
    response = client.post(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="shortscience-')
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_anonymous_visitor_cannot_export(client):
    assert client.post(EXPORT).status_code == 302


def test_export_page_explains_and_offers_a_post_button(client, member):
    SummaryFactory(writer=member)
    client.force_login(member)
    html = client.get(EXPORT).content.decode()
    assert h1_count(html) == 1
    assert 'method="post"' in html and "1 summary" in html


def test_zip_holds_one_markdown_file_per_summary_with_front_matter(client, member):
    paper = PaperFactory(title='Quotes "and" colons: a study', arxiv_id="1706.03762", doi="10.1145/3065386")
    public = SummaryFactory(writer=member, paper=paper, body="# Idea\n\n$E=mc^2$", arxiv_version=3)
    Vote.cast(user=UserFactory(), summary_id=public.pk, value=1)
    private = SummaryFactory(writer=member, visibility=Summary.Visibility.PRIVATE, body="private notes")
    anonymous = SummaryFactory(writer=member, is_anonymous=True, body="anonymous thoughts")
    SummaryFactory(body="someone else's summary")
    client.force_login(member)

    archive = download(client)
    names = archive.namelist()
    folder = f"shortscience-{member.username}"
    md = sorted(n for n in names if n.startswith(f"{folder}/summaries/"))
    assert len(md) == 3
    text = archive.read(f"{folder}/summaries/{paper.slug}-{public.pk}.md").decode()
    assert text.startswith("---\n")
    assert 'paper_title: "Quotes \\"and\\" colons: a study"' in text
    assert 'paper_arxiv_id: "1706.03762"' in text and 'paper_doi: "10.1145/3065386"' in text
    assert 'visibility: "public"' in text and "anonymous: false" in text and "score: 1" in text
    assert "arxiv_version: 3" in text and "created_at:" in text
    assert text.endswith("---\n\n# Idea\n\n$E=mc^2$\n")
    bodies = "".join(archive.read(n).decode() for n in md)
    assert "private notes" in bodies and "anonymous thoughts" in bodies
    assert "someone else's summary" not in bodies

    metadata = json.loads(archive.read(f"{folder}/metadata.json"))
    assert metadata["member"]["username"] == member.username
    by_id = {s["id"]: s for s in metadata["summaries"]}
    assert set(by_id) == {public.pk, private.pk, anonymous.pk}
    assert by_id[private.pk]["visibility"] == "private" and by_id[anonymous.pk]["anonymous"] is True


def test_zip_holds_all_of_the_members_comments_and_no_one_elses(client, member):
    summary = SummaryFactory()
    first = CommentFactory(summary=summary, writer=member, body="First thought")
    CommentFactory(summary=summary, writer=member, parent=first, body="A reply to myself")
    deleted = CommentFactory(summary=summary, writer=member, body="Regretted", deleted_at=timezone.now())
    CommentFactory(summary=summary, body="Not mine")
    client.force_login(member)

    archive = download(client)
    folder = f"shortscience-{member.username}"
    comments = json.loads(archive.read(f"{folder}/comments.json"))
    assert {c["body"] for c in comments} == {"First thought", "A reply to myself", "Regretted"}
    assert next(c for c in comments if c["id"] == deleted.pk)["deleted_at"]
    assert next(c for c in comments if c["body"] == "A reply to myself")["reply_to"] == first.pk
    markdown = archive.read(f"{folder}/comments.md").decode()
    assert "First thought" in markdown and "Not mine" not in markdown
    metadata = json.loads(archive.read(f"{folder}/metadata.json"))
    assert len(metadata["comments"]) == 3


def test_export_uses_a_constant_number_of_queries(client, django_assert_max_num_queries):
    member = UserFactory()
    for _ in range(30):
        summary = SummaryFactory(writer=member)
        CommentFactory(summary=summary, writer=member)
    client.force_login(member)
    with django_assert_max_num_queries(5):
        archive = download(client)
    assert len([n for n in archive.namelist() if "/summaries/" in n]) == 30


def test_banned_member_can_still_export(client):
    banned = UserFactory(banned_at=timezone.now())
    SummaryFactory(writer=banned)
    client.force_login(banned)
    assert len([n for n in download(client).namelist() if "/summaries/" in n]) == 1


def test_moderator_exports_only_their_own_data(client, moderator):
    SummaryFactory(body="not the moderator's")
    client.force_login(moderator)
    archive = download(client)
    assert not [n for n in archive.namelist() if "/summaries/" in n]
