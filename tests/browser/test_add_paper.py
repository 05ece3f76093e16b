"""Browser: add a paper from a (recorded) arXiv id, confirm it, land on its page. No network: the live server
runs in this process, so patching papers.sources.get_client reaches it."""

import os
from pathlib import Path

import pytest

from papers import sources
from papers.models import Paper
from papers.sources import MetadataClient
from tests.browser.conftest import login
from tests.factories import UserFactory
from tests.papers.test_sources import FakeHttp

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = os.environ.get("SCREENSHOTS_DIR")


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.fixture(autouse=True)
def recorded_sources(monkeypatch):
    fake = FakeHttp()
    monkeypatch.setattr(sources, "get_client", lambda: MetadataClient(http_get=fake))
    return fake


def test_add_a_paper_from_an_arxiv_id_and_land_on_its_page(page, live_server, recorded_sources):
    user = UserFactory(username="adder")
    login(page, live_server, user)
    page.goto(f"{live_server.url}/papers/add/")
    page.get_by_label("arXiv id or link, DOI, or a BibTeX entry").fill("https://arxiv.org/abs/1706.03762v7")
    shot(page, "add-form")
    page.get_by_role("button", name="Look up").click()

    page.wait_for_selector("text=Is this the paper?")
    assert page.locator("#preview-title").inner_text() == "Attention Is All You Need"
    assert "Ashish Vaswani" in page.locator(".author-list").inner_text()
    shot(page, "add-confirm")
    page.get_by_role("button", name="Create paper").click()

    paper = Paper.objects.get(arxiv_id="1706.03762")
    page.wait_for_url(f"{live_server.url}{paper.get_absolute_url()}")
    assert page.locator("h1").inner_text() == "Attention Is All You Need"
    assert "Added “Attention Is All You Need”" in page.locator(".messages").inner_text()
    assert paper.added_by == user and len(recorded_sources.calls) == 1
    shot(page, "add-landed")


def test_a_failed_look_up_keeps_the_typed_identifier(page, live_server, recorded_sources):
    login(page, live_server, UserFactory(username="adder2"))
    page.goto(f"{live_server.url}/papers/add/?identifier=hep-th/9901001")
    field = page.get_by_label("arXiv id or link, DOI, or a BibTeX entry")
    assert field.input_value() == "hep-th/9901001"
    page.get_by_role("button", name="Look up").click()
    page.wait_for_selector("text=arXiv has no paper with the id hep-th/9901001")
    assert page.get_by_label("arXiv id or link, DOI, or a BibTeX entry").input_value() == "hep-th/9901001"
    assert Paper.objects.count() == 0
    page.set_viewport_size({"width": 375, "height": 800})
    # The manual form is offered right there, open, with the identifier carried over.
    page.get_by_role("link", name="Enter it by hand").click()
    assert page.locator("#id_manual-arxiv_id").is_visible()
    assert page.locator("#id_manual-arxiv_id").input_value() == "hep-th/9901001"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "add-error-mobile")
