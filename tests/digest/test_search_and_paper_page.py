"""Site search finds digest notes (Chinese too); the paper page says which digests picked it and shows the
affiliations line; Paper.affiliation_line."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from tests.conftest import html_of
from tests.digest.reading_helpers import DAY, LOSS_NOTE, category, digest, entry, paper_with_affiliations
from tests.factories import PaperFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db


def search(client, q: str) -> str:
    return html_of(client.get(reverse("discovery:search"), {"q": q}))


def digest_group(html: str) -> str:
    return html.split('<section class="digest-hits"', 1)[1].split("</section>", 1)[0] if "digest-hits" in html else ""


@pytest.fixture
def noted():
    the_digest = digest()
    paper = PaperFactory(title="Deep learning versus kernel learning")
    return entry(the_digest, paper, category(), position=1, starred=True, note=LOSS_NOTE, language="zh-Hans")


def test_a_chinese_query_finds_the_chinese_note(client, noted):
    group = digest_group(search(client, "损失景观"))
    assert "Deep learning versus kernel learning" in group and "★" in group
    assert "<mark>损失景观</mark>" in group and 'lang="zh-Hans"' in group
    assert noted.get_absolute_url() in group and "Digest of 6 December 2026" in group


def test_chinese_characters_must_be_adjacent_and_in_order(client, noted):
    assert digest_group(search(client, "景观损失")) == ""  # the same characters, another word
    assert digest_group(search(client, "观景")) == ""


def test_an_english_note_is_found_with_stemming(client, db):
    entry(digest(), PaperFactory(title="Structured MaxEnt"), category(), position=1, note="Few-shot *extrapolation*.")
    assert "Structured MaxEnt" in digest_group(search(client, "extrapolations"))


def test_notes_of_unpublished_digests_are_not_found(client, db):
    draft = digest(published=False)
    entry(draft, PaperFactory(title="Secret pick"), category(), position=1, note="损失景观几何")
    html = search(client, "损失景观")
    assert "Secret pick" not in html and "Nothing matches" in html


def test_an_edited_note_is_searched_by_its_new_text(client, noted):
    noted.note = "全新的注释"
    noted.save()
    assert digest_group(search(client, "损失景观")) == ""
    assert "Deep learning versus kernel learning" in digest_group(search(client, "注释"))


def test_the_search_page_stays_within_its_query_budget_with_digest_hits(client, noted, django_assert_max_num_queries):
    for n in range(10):
        earlier = digest(DAY - datetime.timedelta(days=n + 1))
        entry(earlier, PaperFactory(), category(), position=1, note=f"损失景观 {n}")
    with django_assert_max_num_queries(7):  # the notes' statement, then the entries it found
        html = search(client, "损失景观")
    assert digest_group(html).count("<li>") == 5


# --- The paper page ----------------------------------------------------------------------------------------


def test_the_paper_page_says_in_which_digests_it_was_starred(client, noted):
    older = digest(DAY - datetime.timedelta(days=3))
    entry(older, noted.paper, category(), position=4)
    entry(digest(DAY + datetime.timedelta(days=1), published=False), noted.paper, category(), position=1)
    html = html_of(client.get(noted.paper.get_absolute_url()))
    badges = html.split('class="digest-badges"', 1)[1].split("</ul>", 1)[0]
    assert badges.count("<li>") == 2  # the draft's is not shown
    link = f'<a href="/digest/{DAY}/#entry-{noted.pk}">In the digest of 6 December 2026</a>'
    assert link + ' <span class="star"' in badges
    assert "In the digest of 3 December 2026</a></li>" in badges


def test_a_paper_never_in_a_digest_has_no_badge(client, db):
    html = html_of(client.get(PaperFactory().get_absolute_url()))
    assert "digest-badges" not in html


def test_the_paper_page_shows_the_affiliations_and_keeps_its_query_budget(client, db, django_assert_max_num_queries):
    paper = paper_with_affiliations(
        "Kernel learning",
        [("S Fort", ["Stanford University"]), ("S Kumar", ["UC Berkeley", "Stanford University"])],
    )
    entry(digest(), paper, category(), position=1, starred=True)
    for _ in range(3):
        SummaryFactory(paper=paper)
    with django_assert_max_num_queries(6):
        html = html_of(client.get(paper.get_absolute_url()))
    assert "[Stanford University &amp; UC Berkeley]" in html and "In the digest of" in html
    client.force_login(UserFactory())
    with django_assert_max_num_queries(8):
        html_of(client.get(paper.get_absolute_url()))


def test_affiliation_line_deduplicates_in_order_and_ignores_blanks(db):
    paper = paper_with_affiliations(
        "Affiliations",
        [
            ("A", ["Stanford University", "Element AI"]),
            ("B", ["  Element   AI "]),
            ("C", ["", "University of Toronto"]),
            ("D", []),
            ("E", ["Stanford University"]),
        ],
    )
    assert paper.affiliations() == ["Stanford University", "Element AI", "University of Toronto"]
    assert paper.affiliation_line() == "Stanford University & Element AI & University of Toronto"
    assert PaperFactory().affiliation_line() == ""
