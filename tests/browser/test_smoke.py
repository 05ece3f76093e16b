import pytest

from tests.factories import SummaryFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_page_shows_a_summary_with_typeset_math(page, live_server):
    summary = SummaryFactory(body="The loss is $\\mathcal{L} = x_1^2$.")
    page.goto(live_server.url + summary.get_absolute_url())
    page.wait_for_selector(".math-inline .katex")
    assert page.locator(".math-inline .katex").count() >= 1
    assert page.locator("h1").count() == 1
