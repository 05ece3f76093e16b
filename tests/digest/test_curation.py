"""Triage decisions on a day's papers: add, star, skip and their undo, numbering, counts, notes, summaries."""

import pytest

from digest import curation
from digest.models import Digest, DigestEntry, SkippedPaper
from summaries.models import Summary
from tests.digest.curate_helpers import DAY, curator, make_day
from tests.factories import SummaryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return curator()


@pytest.fixture
def papers():
    return make_day(6)


@pytest.fixture
def digest(user):
    return curation.digest_for(DAY, user)


def test_the_first_decision_makes_a_draft_digest_with_its_curator(digest, user):
    assert digest.state == Digest.State.DRAFT and list(digest.curators.all()) == [user]


def test_add_numbers_entries_in_order_and_counts_them(digest, papers, user):
    for paper in papers[:3]:
        state, _ = curation.decide(digest, paper, "add", user)
        assert state == curation.State.ADDED
    assert list(curation.entry_order(digest.pk).values_list("paper", "position")) == [
        (papers[0].pk, 1),
        (papers[1].pk, 2),
        (papers[2].pk, 3),
    ]
    curation.decide(digest, papers[0], "add", user)  # again: nothing changes
    assert Digest.objects.get(pk=digest.pk).entry_count == 3 == digest.entries.count()


def test_an_entry_takes_the_section_it_was_listed_under_when_it_is_one_of_its_categories(digest, papers, user):
    cross_listed = papers[0]  # cs.LG, cross-listed to cs.CV
    _, entry = curation.decide(digest, cross_listed, "add", user, category="cs.CV")
    assert entry.category_id == "cs.CV"
    _, other = curation.decide(digest, papers[1], "add", user, category="cs.CL")  # not one of its categories
    assert other.category_id == papers[1].primary_category_id == "cs.CV"


def test_an_entry_links_to_the_source_and_starts_in_the_curators_last_language(digest, papers, user):
    _, first = curation.decide(digest, papers[0], "add", user)
    assert first.language == "en" and first.curator == user
    first.set_note("深度学习与核学习。", "zh-Hans")
    _, second = curation.decide(digest, papers[1], "add", user)
    assert second.language == "zh-Hans"


def test_star_adds_and_unstar_keeps_the_entry(digest, papers, user):
    state, entry = curation.decide(digest, papers[0], "star", user)
    assert state == curation.State.STARRED and entry.starred
    state, entry = curation.decide(digest, papers[0], "unstar", user)
    assert state == curation.State.ADDED and not entry.starred


def test_skip_removes_the_entry_and_unskip_forgets_it(digest, papers, user):
    curation.decide(digest, papers[0], "add", user)
    state, entry = curation.decide(digest, papers[0], "skip", user)
    assert state == curation.State.SKIPPED and entry is None
    assert not DigestEntry.objects.filter(paper=papers[0]).exists()
    assert Digest.objects.get(pk=digest.pk).entry_count == 0
    assert SkippedPaper.objects.get(digest=digest, paper=papers[0]).curator == user
    state, _ = curation.decide(digest, papers[0], "unskip", user)
    assert state == curation.State.NONE and not SkippedPaper.objects.exists()
    curation.decide(digest, papers[1], "skip", user)
    state, _ = curation.decide(digest, papers[1], "add", user)  # adding a skipped paper un-skips it
    assert state == curation.State.ADDED and not SkippedPaper.objects.exists()


def test_an_entry_with_a_note_is_never_removed_by_a_keystroke(digest, papers, user):
    _, entry = curation.decide(digest, papers[0], "add", user)
    entry.set_note("Worth reading.", "en")
    for action in ("remove", "skip"):
        with pytest.raises(curation.CurationError, match="has a note"):
            curation.decide(digest, papers[0], action, user)
    assert DigestEntry.objects.filter(pk=entry.pk).exists() and not SkippedPaper.objects.exists()


def test_move_renumbers_and_stops_at_the_ends(digest, papers, user):
    entries = [curation.decide(digest, paper, "add", user)[1] for paper in papers[:3]]
    assert curation.move(entries[2], -1) is True
    assert list(curation.entry_order(digest.pk).values_list("id", flat=True)) == [
        entries[0].pk,
        entries[2].pk,
        entries[1].pk,
    ]
    assert curation.move(entries[0], -1) is False
    assert curation.move(entries[1], 1) is False
    assert list(curation.entry_order(digest.pk).values_list("position", flat=True)) == [1, 2, 3]


def test_a_note_is_rendered_by_the_one_renderer_and_sanitised(digest, papers, user):
    _, entry = curation.decide(digest, papers[0], "add", user)
    entry.set_note("研究了 **宽网络** 的 $x^2$ <script>alert(1)</script>", "zh-Hans")
    entry.refresh_from_db()
    assert "<strong>宽网络</strong>" in entry.note_html and 'class="math-inline"' in entry.note_html
    assert "<script" not in entry.note_html and entry.language == "zh-Hans"


def test_affiliations_in_author_order_each_once(digest, papers, user):
    curation.decide(digest, papers[0], "add", user)
    [entry] = curation.digest_entries(digest)
    assert entry.affiliation_names == ["Stanford University", "Element AI", "University of Toronto"]
    authorship = entry.paper.authorships.order_by("position")[2]
    authorship.affiliations = ["Stanford University", "MIT"]
    authorship.save()
    [entry] = curation.digest_entries(digest)
    assert entry.affiliation_names == ["Stanford University", "Element AI", "MIT"]


def test_the_note_becomes_a_private_summary_once(digest, papers, user):
    _, entry = curation.decide(digest, papers[0], "add", user)
    entry.set_note("A note in **Markdown**.", "en")
    summary, created = curation.note_to_summary(entry, user)
    assert created and summary.body == "A note in **Markdown**."
    assert summary.visibility == Summary.Visibility.PRIVATE and summary.writer == user
    assert summary.revisions.count() == 1
    entry.set_note("Changed.", "en")
    again, created = curation.note_to_summary(entry, user)
    assert not created and again.pk == summary.pk and Summary.objects.get(pk=summary.pk).body.startswith("A note")


def test_the_note_does_not_overwrite_an_existing_summary(digest, papers, user):
    existing = SummaryFactory(paper=papers[0], writer=user, body="Mine already.")
    _, entry = curation.decide(digest, papers[0], "add", user)
    entry.set_note("Note.", "en")
    summary, created = curation.note_to_summary(entry, user)
    assert not created and summary.pk == existing.pk and Summary.objects.get(pk=existing.pk).body == "Mine already."


def test_latest_announcement_day():
    assert curation.latest_announcement_day() is None
    make_day(1)
    assert curation.latest_announcement_day() == DAY
