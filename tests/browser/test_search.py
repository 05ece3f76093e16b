import pytest

from tests.factories import PaperFactory, SummaryFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_search_from_the_header_box_shows_highlighted_results_and_opens_the_paper(page, live_server):
    paper = PaperFactory(title="Attention Is All You Need", abstract="The dominant sequence transduction models.")
    SummaryFactory(paper=paper, body="The Transformer relies entirely on **self-attention** to draw dependencies.")
    PaperFactory(title="Unrelated Convolutional Work")

    page.goto(live_server.url + "/")
    page.fill("#site-search", "transformer")
    page.press("#site-search", "Enter")

    page.wait_for_url("**/search/?q=transformer")
    results = page.locator(".search-result")
    assert results.count() == 1
    assert page.locator(".search-result mark").first.inner_text().lower() == "transformer"
    assert "From a summary" in results.first.inner_text()
    assert page.locator("#id_q").input_value() == "transformer"

    results.first.locator("h2 a").click()
    page.wait_for_url(f"**{paper.get_absolute_url()}")
    assert page.locator("h1").inner_text() == "Attention Is All You Need"


def test_an_arxiv_id_typed_in_the_header_box_opens_the_paper(page, live_server):
    paper = PaperFactory(title="Deep Residual Learning", arxiv_id="1512.03385")
    page.goto(live_server.url + "/")
    page.fill("#site-search", "https://arxiv.org/abs/1512.03385v1")
    page.press("#site-search", "Enter")
    page.wait_for_url(f"**{paper.get_absolute_url()}")
    assert page.locator("h1").inner_text() == "Deep Residual Learning"


def test_the_search_page_does_not_scroll_sideways_on_a_phone(page, live_server):
    PaperFactory(title="A" * 20 + " very_long_unbroken_identifier_" * 5 + " lemur")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server.url + "/search/?q=lemur")
    assert page.locator(".search-result").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
