import pytest
from django.core.management import call_command

from accounts.models import User
from comments.models import Comment
from digest.models import Digest, DigestEntry, SkippedPaper
from papers.models import Author, Paper, PaperAuthor, PaperCategory, Venue
from summaries.models import Revision, Summary, Vote

pytestmark = pytest.mark.django_db

MODELS = [
    User,
    Venue,
    Author,
    Paper,
    Summary,
    Revision,
    Vote,
    Comment,
    Digest,
    DigestEntry,
    SkippedPaper,
    PaperCategory,
]


def _counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_demo_loader_is_idempotent(settings):
    settings.DEBUG = True
    call_command("load_demo")
    first = _counts()
    call_command("load_demo")
    assert _counts() == first
    assert first["Paper"] >= 12
    assert first["Summary"] >= 10


def test_demo_scores_equal_sum_of_votes(settings):
    settings.DEBUG = True
    call_command("load_demo")
    for summary in Summary.objects.all():
        assert summary.score == sum(summary.votes.values_list("value", flat=True))


def test_demo_refuses_to_run_without_debug(settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("load_demo")


def test_demo_has_a_published_digest_with_stars_affiliations_and_a_chinese_note(settings):
    settings.DEBUG = True
    call_command("load_demo")
    digest = Digest.objects.get()
    assert digest.state == Digest.State.PUBLISHED and digest.entry_count == digest.entries.count() >= 4
    entries = list(digest.entries.all())
    assert {entry.category_id for entry in entries} >= {"cs.LG", "cs.CV"}
    assert any(entry.starred for entry in entries) and not all(entry.starred for entry in entries)
    languages = {entry.language for entry in entries if entry.note_html}
    assert languages == {"zh-Hans", "en"}
    assert PaperAuthor.objects.filter(paper__in=[e.paper_id for e in entries]).exclude(affiliations=[]).exists()
    assert Paper.objects.filter(announced_on=digest.date).count() > digest.entry_count
    curator = User.objects.get(username="curator")
    assert curator.is_curator and curator in digest.curators.all()
