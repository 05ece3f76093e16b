"""The main public pages have a sound heading outline: one <h1>, then no skipped level (WCAG 1.3.1)."""

import pytest

from tests.factories import PaperFactory, SummaryFactory
from tests.outline import outline_problems
from tests.project.test_one_h1 import demo, public_urls  # noqa: F401 (demo is a fixture)

pytestmark = pytest.mark.django_db

# Writers often start their sections at "##" (as on GitHub) and skip levels inside.
SECTIONED_BODY = "## Idea\n\nAttention only.\n\n#### A detail\n\nSmall.\n\n## Results\n\nBLEU 28.4."


def test_outline_problems_names_a_skipped_level_and_a_missing_h1():
    assert outline_problems("<h1>Paper</h1><h2>Abstract</h2><h3>Card</h3><h2>More</h2>") == []
    assert outline_problems("<h1>Paper</h1><h2>Summary</h2><h4>Idea</h4>") == [
        "<h2> 'Summary' is followed by <h4> 'Idea': a level is skipped"
    ]
    assert outline_problems("<h2>Alone</h2>") == [
        "0 <h1> elements instead of one",
        "the first heading is <h2> 'Alone', not the <h1>",
    ]


@pytest.mark.parametrize("page", ["summary", "paper", "home", "search"])
def test_a_summary_with_sections_keeps_the_page_outline_unbroken(client, page):
    paper = PaperFactory(title="Attention Is All You Need")
    summary = SummaryFactory(paper=paper, body=SECTIONED_BODY)
    SummaryFactory(paper=paper, body="# Overview\n\n### Why it works\n\nBecause.")
    url = {
        "summary": summary.get_absolute_url(),
        "paper": paper.get_absolute_url(),
        "home": "/",
        "search": "/search/?q=attention",
    }[page]
    html = client.get(url).content.decode()
    assert "Idea" in html
    assert not outline_problems(html), outline_problems(html)


def test_every_public_page_has_a_sound_heading_outline(client, demo):  # noqa: F811
    for url in [*public_urls(), "/search/?q=attention", "/search/?q=no+such+words+anywhere"]:
        response = client.get(url, follow=True)
        assert response.status_code in (200, 404), url
        problems = outline_problems(response.content.decode())
        assert not problems, (url, problems)
