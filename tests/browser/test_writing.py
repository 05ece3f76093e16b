"""Writing journeys in a real browser: editor with live KaTeX preview and image upload, votes, comments, conflicts."""

import base64
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from comments.models import Comment
from summaries.models import Summary
from tests.browser.conftest import login
from tests.factories import PaperFactory, SummaryFactory, UserFactory
from tests.writing_helpers import image_bytes

pytestmark = pytest.mark.django_db(transaction=True)

DROP_IMAGE_JS = """([selector, b64, name, type]) => {
  const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, {type}));
  const target = document.querySelector(selector);
  target.focus();
  target.dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true}));
}"""


def sign_in(page, live_server, user):
    login(page, live_server, user)
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_write_a_summary_with_math_and_an_image_then_see_it_on_the_paper_page(page, live_server):
    writer = UserFactory(username="ada")
    paper = PaperFactory(title="Attention Is All You Need")
    sign_in(page, live_server, writer)
    page.goto(live_server.url + reverse("summaries:write", args=[paper.slug]))
    assert page.locator("h1").count() == 1

    editor = page.locator("textarea#id_body")
    editor.fill("The energy is $E = mc^2$, and\n\n$$\\sum_{i=1}^n x_i$$\n\n")
    page.wait_for_selector(".markdownx-preview .math-inline .katex")
    page.wait_for_selector(".markdownx-preview .math-display .katex")

    # Drop an image onto the editor (django-markdownx uploads it to our guarded endpoint).
    png = base64.b64encode(image_bytes("PNG", size=(60, 40))).decode()
    editor.evaluate("el => el.setSelectionRange(el.value.length, el.value.length)")
    page.evaluate(DROP_IMAGE_JS, ["textarea#id_body", png, "figure.png", "image/png"])
    expect(editor).to_have_value(re.compile(r"!\[Figure\]\(/media/summary-images/[0-9a-f]{32}\.png\)"))
    # The alt text (the file name made readable) is selected: typing replaces it with a description.
    assert editor.evaluate("el => el.value.slice(el.selectionStart, el.selectionEnd)") == "Figure"
    page.keyboard.type("Attention weights per head")
    expect(editor).to_have_value(re.compile(r"!\[Attention weights per head\]\(/media/summary-images/"))
    page.wait_for_selector(".markdownx-preview img[alt='Attention weights per head']", state="attached")

    # An SVG through the "Add an image" button is refused with a clear message, nothing inserted.
    page.set_input_files(
        "input[data-image-upload]",
        files=[
            {"name": "evil.svg", "mimeType": "image/svg+xml", "buffer": b"<svg xmlns='http://www.w3.org/2000/svg'/>"}
        ],
    )
    page.wait_for_selector("[data-upload-status].is-error")
    assert "SVG images are not accepted" in page.inner_text("[data-upload-status]")
    assert "Invalid response" not in editor.input_value()

    page.click("details.help-panel summary")
    assert page.locator("details.help-panel[open]").count() == 1
    page.click("form[data-editor-form] button[type=submit]")
    page.wait_for_url(re.compile(r"/summary/\d+/$"))
    summary = Summary.objects.get(paper=paper, writer=writer)
    assert summary.revision_number == 1 and "![Attention weights per head](/media/summary-images/" in summary.body

    page.goto(live_server.url + paper.get_absolute_url())
    card = page.locator(f"#summary-{summary.pk}")
    card.locator(".math-inline .katex").first.wait_for()
    assert card.locator("img[src^='/media/summary-images/']").count() == 1


def test_vote_up_then_withdraw_updates_the_score_in_place(page, live_server):
    summary = SummaryFactory(body="Someone else's summary.")
    voter = UserFactory(username="voter")
    sign_in(page, live_server, voter)
    page.goto(live_server.url + summary.get_absolute_url())
    page.evaluate("window.__noReload = true")
    up = page.locator(f"#summary-{summary.pk} button[aria-label='Vote up']").first
    score = page.locator(f"#summary-{summary.pk} [data-score]").first
    assert score.inner_text() == "0"
    up.click()
    expect(score).to_have_text("1")
    assert up.get_attribute("aria-pressed") == "true"
    up.click()
    expect(score).to_have_text("0")
    assert up.get_attribute("aria-pressed") == "false"
    assert page.evaluate("window.__noReload") is True  # no page load happened
    summary.refresh_from_db()
    assert summary.score == 0 and not summary.votes.exists()


def test_comment_and_reply(page, live_server):
    summary = SummaryFactory(body="A summary worth discussing.")
    reader = UserFactory(username="reader")
    sign_in(page, live_server, reader)
    page.goto(live_server.url + summary.get_absolute_url())
    page.fill("#comment-body-new", "Why does the *second* step hold?")
    page.click("form.comment-form button:has-text('Post comment')")
    page.wait_for_url(re.compile(r"#comment-\d+$"))
    comment = Comment.objects.get()
    top = page.locator(f"#comment-{comment.pk}")
    assert top.locator("em").inner_text() == "second"

    top.locator("details.reply summary").click()
    top.locator(f"#comment-body-{comment.pk}").fill("Because of the bound in section 3.")
    top.locator("button:has-text('Post reply')").click()
    page.wait_for_url(re.compile(r"#comment-\d+$"))
    reply = Comment.objects.get(parent=comment)
    assert "section 3" in page.locator(f"#comment-{comment.pk} .comment-replies #comment-{reply.pk}").inner_text()


def test_second_tab_gets_the_edit_conflict_message_and_keeps_its_text(page, live_server):
    summary = SummaryFactory(body="Original text.")
    sign_in(page, live_server, summary.writer)
    edit_url = live_server.url + reverse("summaries:edit", args=[summary.pk])
    page.goto(edit_url)
    other_tab = page.context.new_page()
    other_tab.goto(edit_url)

    page.fill("textarea#id_body", "Saved from the first tab.")
    page.click("form[data-editor-form] button[type=submit]")
    page.wait_for_url(re.compile(r"/summary/\d+/$"))

    other_tab.fill("textarea#id_body", "Typed in the second tab.")
    other_tab.click("form[data-editor-form] button[type=submit]")
    other_tab.wait_for_selector("#form-errors")
    assert "changed in another tab or window" in other_tab.inner_text("#form-errors")
    assert other_tab.input_value("textarea#id_body") == "Typed in the second tab."
    assert "Saved from the first tab." in other_tab.input_value("#conflict-text")
    summary.refresh_from_db()
    assert summary.body == "Saved from the first tab."

    # Having seen the other version, saving again replaces it.
    other_tab.click("form[data-editor-form] button[type=submit]")
    other_tab.wait_for_url(re.compile(r"/summary/\d+/$"))
    summary.refresh_from_db()
    assert summary.body == "Typed in the second tab." and summary.revision_number == 3


def test_unsaved_draft_survives_a_lost_page(page, live_server):
    writer = UserFactory(username="drafty")
    paper = PaperFactory()
    sign_in(page, live_server, writer)
    url = live_server.url + reverse("summaries:write", args=[paper.slug])
    page.goto(url)
    page.fill("textarea#id_body", "Half-written thoughts about the paper.")
    page.wait_for_timeout(700)  # the draft is stored after a short pause in typing
    page.goto(url)  # e.g. the tab crashed or the save never reached the server
    page.wait_for_selector("[data-draft-notice]:not([hidden])")
    page.click("[data-draft-restore]")
    assert page.input_value("textarea#id_body") == "Half-written thoughts about the paper."


ACTIVE = (
    "() => { const el = document.activeElement; return [el.tagName, el.name || '', el.value || '', el.type || ''] }"
)
VIEWPORTS = [
    pytest.param({"width": 390, "height": 844}, id="phone"),
    pytest.param({"width": 1280, "height": 900}, id="desktop"),
]


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_keyboard_only_writer_tabs_from_the_body_to_the_options_and_publishes(page, live_server, viewport):
    page.set_viewport_size(viewport)
    writer = UserFactory(username="keys")
    paper = PaperFactory()
    sign_in(page, live_server, writer)
    page.goto(live_server.url + reverse("summaries:write", args=[paper.slug]))
    editor = page.locator("textarea#id_body")
    described_by = editor.get_attribute("aria-describedby").split()
    assert "body-keys" in described_by
    hint = page.locator("#body-keys")
    assert hint.is_visible() and "Esc" in hint.inner_text()

    editor.focus()
    page.keyboard.type("Plain prose, not a list.")
    reached = []
    for _ in range(15):
        page.keyboard.press("Tab")
        tag, name, _value, kind = page.evaluate(ACTIVE)
        reached.append((tag, name))
        if tag == "INPUT" and name == "is_anonymous":
            page.keyboard.press("ArrowDown")  # choose "Anonymous" with the keyboard
        if tag == "BUTTON" and kind == "submit":
            break
    assert editor.input_value() == "Plain prose, not a list."  # Tab inserted nothing
    assert ("INPUT", "visibility") in reached and ("INPUT", "is_anonymous") in reached
    assert ("SELECT", "audience") in reached
    assert reached[-1] == ("BUTTON", "")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/summary/\d+/$"))
    summary = Summary.objects.get(paper=paper, writer=writer)
    assert summary.body == "Plain prose, not a list." and summary.is_anonymous


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_tab_indents_a_list_item_and_escape_then_tab_leaves_the_editor(page, live_server, viewport):
    page.set_viewport_size(viewport)
    writer = UserFactory(username="lists")
    sign_in(page, live_server, writer)
    page.goto(live_server.url + reverse("summaries:write", args=[PaperFactory().slug]))
    editor = page.locator("textarea#id_body")
    editor.focus()
    page.keyboard.type("- first\n- second")
    page.keyboard.press("Tab")
    assert editor.input_value() == "- first\n    - second"
    assert page.evaluate(ACTIVE)[1] == "body"
    page.keyboard.type(" point")  # the caret stayed on the item
    assert editor.input_value() == "- first\n    - second point"
    page.keyboard.press("Shift+Tab")
    assert editor.input_value() == "- first\n- second point"
    page.keyboard.press("Tab")

    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    assert editor.input_value() == "- first\n    - second point"
    assert page.evaluate(ACTIVE)[1] != "body"
    page.keyboard.press("Shift+Tab")  # back into the editor; Shift+Tab in a list item outdents again
    assert page.evaluate(ACTIVE)[1] == "body"


def test_ctrl_brackets_indent_and_outdent_any_line(page, live_server):
    writer = UserFactory(username="brackets")
    sign_in(page, live_server, writer)
    page.goto(live_server.url + reverse("summaries:write", args=[PaperFactory().slug]))
    editor = page.locator("textarea#id_body")
    editor.focus()
    page.keyboard.type("code line\nsecond line")
    editor.evaluate("el => el.setSelectionRange(0, el.value.length)")
    page.keyboard.press("Control+]")
    assert editor.input_value() == "    code line\n    second line"
    page.keyboard.press("Control+[")
    assert editor.input_value() == "code line\nsecond line"
    editor.evaluate("el => el.setSelectionRange(3, 3)")
    page.keyboard.press("Control+]")
    page.keyboard.type("X")
    assert editor.input_value() == "    codXe line\nsecond line"  # the caret kept its place


def test_add_an_image_button_inserts_the_file_name_as_selected_alt_text(page, live_server):
    writer = UserFactory(username="pictures")
    sign_in(page, live_server, writer)
    page.goto(live_server.url + reverse("summaries:write", args=[PaperFactory().slug]))
    editor = page.locator("textarea#id_body")
    editor.fill("Results:")
    page.set_input_files(
        "input[data-image-upload]",
        files=[{"name": "loss_curve-v2.png", "mimeType": "image/png", "buffer": image_bytes("PNG", size=(30, 20))}],
    )
    expect(editor).to_have_value(
        re.compile(r"^Results:\n!\[Loss curve v2\]\(/media/summary-images/[0-9a-f]{32}\.png\)\n$")
    )
    assert page.evaluate("document.activeElement.id") == "id_body"
    assert editor.evaluate("el => el.value.slice(el.selectionStart, el.selectionEnd)") == "Loss curve v2"
    page.keyboard.type("Training loss falls")
    expect(editor).to_have_value(re.compile(r"!\[Training loss falls\]\(/media/summary-images/"))
    assert "description" in page.inner_text("[data-upload-status]")
