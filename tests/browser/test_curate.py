"""A curator triages a recorded announcement day into a published digest, from the keyboard, in a real browser."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from digest import curation
from digest.models import Digest, DigestEntry
from tests.browser.conftest import login
from tests.digest.curate_helpers import DAY, curator, make_day

pytestmark = pytest.mark.django_db(transaction=True)

UNLABELLED_CONTROLS_JS = """() => Array.from(document.querySelectorAll(
  'input:not([type=hidden]), select, textarea')).filter(el => !el.closest('dialog:not([open])'))
  .filter(el => el.labels.length === 0 && !el.getAttribute('aria-label')).map(el => el.outerHTML)"""


def test_triage_a_day_into_a_published_digest_with_the_keyboard(page, live_server):
    user = curator()
    papers = make_day(6)  # listed as cs.CL: 2, 5; cs.CV: 0 (cross-list), 1, 3 (cross-list), 4; cs.LG: 0, 3
    login(page, live_server, user)
    page.goto(live_server.url + reverse("digest:curate"))
    expect(page).to_have_url(re.compile(rf"/digest/curate/{DAY.isoformat()}/$"))
    assert page.locator("h1").count() == 1
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == []

    rows = page.locator("[data-triage-row]")
    for index in range(3):  # j a, three times
        page.keyboard.press("j")
        expect(rows.nth(index)).to_have_class(re.compile("is-current"))
        page.keyboard.press("a")
        expect(rows.nth(index)).to_have_attribute("data-state", "added")
    page.keyboard.press("s")
    expect(rows.nth(2)).to_have_attribute("data-state", "starred")
    # The same paper listed under its other category shows the same state.
    expect(page.locator(f"#paper-{papers[0].pk}-cs\\.LG")).to_have_attribute("data-state", "starred")
    expect(page.locator("[data-count=added]")).to_have_text("3")
    expect(page.locator("[data-count=starred]")).to_have_text("1")
    page.keyboard.press("j")
    page.keyboard.press("x")
    expect(rows.nth(3)).to_have_attribute("data-state", "skipped")

    # The note: n opens the editor on the current (starred) paper; the preview is the one renderer's, with math.
    page.keyboard.press("k")
    page.keyboard.press("n")
    dialog = page.locator("[data-note-dialog]")
    expect(dialog).to_be_visible()
    page.select_option("[data-note-dialog] select[name=language]", "zh-Hans")
    page.keyboard.type("研究了宽网络的**损失景观**与 $x^2$ 的关系。")
    expect(dialog.locator("[data-note-preview] strong")).to_have_text("损失景观")
    dialog.locator("[data-note-preview] .math-inline .katex").wait_for()
    expect(dialog.locator("[data-note-preview]")).to_have_attribute("lang", "zh-Hans")
    expect(dialog.locator("[data-note-status]")).to_contain_text("Saved")  # autosaved as a draft
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    starred = DigestEntry.objects.get(paper=papers[0])
    assert starred.note == "研究了宽网络的**损失景观**与 $x^2$ 的关系。" and starred.language == "zh-Hans"
    assert starred.category_id == "cs.CV" and starred.starred

    # ? shows the keys.
    page.keyboard.press("?")
    expect(page.locator("[data-keys-dialog]")).to_be_visible()
    page.keyboard.press("Escape")

    # Reorder on the entries page: the starred paper (third) goes first.
    page.click("nav.curate-nav >> text=Entries and order")
    entries = page.locator("[data-entry-row]")
    expect(entries).to_have_count(3)
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == []
    for _ in range(3):
        page.keyboard.press("j")
    expect(entries.nth(2)).to_have_id(f"entry-{starred.pk}")
    page.keyboard.press("Shift+K")
    expect(entries.nth(1)).to_have_id(f"entry-{starred.pk}")
    page.keyboard.press("Shift+K")
    expect(entries.nth(0)).to_have_id(f"entry-{starred.pk}")
    digest = Digest.objects.get(date=DAY)
    assert list(curation.entry_order(digest.pk).values_list("paper_id", flat=True)) == [
        papers[0].pk,
        papers[2].pk,
        papers[5].pk,
    ]

    # Preview the whole digest, then publish.
    page.click("nav.curate-nav >> text=Preview and publish")
    first = page.locator(".digest-entry").first
    expect(first.locator(".entry-number")).to_have_text("1、")
    expect(first.locator(".tag")).to_have_text("[CV]")
    expect(first.locator(".star")).to_be_visible()
    expect(first.locator(".digest-note")).to_have_attribute("lang", "zh-Hans")
    first.locator(".digest-note .math-inline .katex").wait_for()
    expect(first.locator(".affiliations")).to_have_text("[Stanford University & Element AI & University of Toronto]")
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == []
    page.click("button[value=publish]")
    expect(page.locator(".messages")).to_contain_text("Published.")
    expect(page.locator(".curate-nav .badge")).to_have_text("Published")
    digest.refresh_from_db()
    assert digest.state == Digest.State.PUBLISHED and digest.entry_count == 3 and user in digest.curators.all()

    # The public page shows it: numbered, tagged, starred, with the note in its language.
    page.click("text=the public page")
    expect(page).to_have_url(re.compile(rf"/digest/{DAY.isoformat()}/$"))
    note = page.locator("[lang=zh-Hans]", has_text="损失景观").first
    expect(note).to_be_visible()
    for paper in (papers[0], papers[2], papers[5]):
        expect(page.locator("main")).to_contain_text(paper.title)


def test_triage_without_javascript_still_adds_and_stars(browser, live_server):
    user = curator()
    papers = make_day(3)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        login(page, live_server, user)
        page.goto(live_server.url + reverse("digest:triage", args=[DAY.isoformat()]))
        row = page.locator(f"#paper-{papers[1].pk}-cs\\.CV")
        row.locator("button[data-key=s]").click()
        expect(page.locator(f"#paper-{papers[1].pk}-cs\\.CV")).to_have_attribute("data-state", "starred")
        assert DigestEntry.objects.get(paper=papers[1]).starred
    finally:
        context.close()
