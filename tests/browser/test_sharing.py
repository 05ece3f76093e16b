"""Share links in a real browser: copying the link on the share page, reading through it."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from summaries.models import Summary
from tests.browser.conftest import login
from tests.factories import SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def private_summary(**extra):
    writer = UserFactory(username="sharer", affiliation="Example University")
    summary = SummaryFactory(
        writer=writer, visibility=Summary.Visibility.PRIVATE, body="A long enough body. " * 40, **extra
    )
    summary.ensure_share_token()
    return summary


def test_copy_link_is_the_primary_action_and_copies_the_share_link(page, live_server):
    summary = private_summary()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    login(page, live_server, summary.writer)
    page.goto(live_server.url + reverse("summaries:share", args=[summary.pk]))

    copy = page.get_by_role("button", name="Copy link")
    expect(copy).to_be_visible()
    share_url = page.locator("#share-url").input_value()
    assert share_url.endswith(reverse("summaries:shared", args=[summary.share_token]))
    assert page.locator("#share-url").get_attribute("readonly") is not None

    # Copy is the filled (primary) button; revoking is outlined, in the danger colour.
    def background(locator):
        return locator.evaluate("el => getComputedStyle(el).backgroundColor")

    revoke = page.get_by_role("button", name="Revoke the link")
    assert background(revoke) == "rgba(0, 0, 0, 0)"
    assert background(copy) != "rgba(0, 0, 0, 0)"
    assert revoke.evaluate("el => getComputedStyle(el).color") != copy.evaluate("el => getComputedStyle(el).color")

    copy.click()
    expect(page.locator(".copy-row .copy-status")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == share_url


def test_shared_summary_byline_sits_above_the_body_across_the_column(page, live_server):
    summary = private_summary()
    page.goto(live_server.url + reverse("summaries:shared", args=[summary.share_token]))
    byline = page.locator(".summary-shared .byline")
    body = page.locator(".summary-shared .markdown-body")
    expect(byline).to_contain_text(f"By {summary.writer.public_name}")
    byline_box, body_box, article_box = (
        byline.bounding_box(),
        body.bounding_box(),
        page.locator(".summary-shared").bounding_box(),
    )
    assert byline_box["y"] + byline_box["height"] <= body_box["y"]
    assert abs(byline_box["x"] - body_box["x"]) < 2
    assert body_box["width"] > 0.9 * article_box["width"]
    assert byline_box["height"] < 60  # one or two lines, not a squeezed column
