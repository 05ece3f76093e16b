"""Reading journeys in a real browser: math, the abstract toggle, a phone-sized paper page, the header search."""

import pytest

from tests.factories import PaperFactory, SummaryFactory, VenueFactory

pytestmark = pytest.mark.django_db(transaction=True)

LONG_ABSTRACT = " ".join(["We study how attention replaces recurrence in sequence transduction models."] * 12)


@pytest.fixture
def paper(db):
    paper = PaperFactory(
        title="A Remarkably Long Paper Title About Attention Mechanisms In Sequence Transduction Without Recurrence",
        arxiv_id="1706.03762",
        abstract=LONG_ABSTRACT,
        author_names=[f"Author Withalongsurname{n}" for n in range(14)],
    )
    paper.keywords.set(["cs.CL", "cs.LG"])
    SummaryFactory(
        paper=paper,
        body="Inline $x_1 + x_2$ and display:\n\n$$\\mathrm{Attention}(Q,K,V) = \\mathrm{softmax}"
        "\\left(\\frac{QK^\\top}{\\sqrt{d_k}}\\right)V + \\sum_{i=1}^{n} \\alpha_i v_i + \\beta_1 + \\beta_2$$\n\n"
        "A long URL https://example.org/a/very/long/path/that/should/never/make/the/page/scroll/sideways/at/all",
    )
    return paper


def test_summary_page_typesets_inline_and_display_math_with_katex(page, live_server, paper):
    summary = paper.summaries.get()
    page.goto(live_server.url + summary.get_absolute_url())
    page.wait_for_selector(".math-display .katex-display")
    assert page.locator(".summary-body .math-inline .katex").count() >= 1
    assert page.locator(".summary-body .math-display .katex-display").count() == 1
    # The TeX source is no longer shown as text once typeset.
    assert "$$" not in page.locator(".summary-body").inner_text()


def test_tex_in_an_abstract_is_typeset_with_katex(page, live_server, db):
    paper = PaperFactory(abstract="We propose an $\\alpha$-weighted loss, $$\\sum_i w_i = 1$$ for $5 a run.")
    page.goto(live_server.url + paper.get_absolute_url())
    page.wait_for_selector("#abstract-text .math-inline .katex")
    assert page.locator("#abstract-text .math-display .katex").count() == 1
    text = page.locator("#abstract-text").inner_text()
    assert "$\\alpha$" not in text and "$$" not in text
    assert "for $5 a run" in text


def _abstract_height(page) -> float:
    return page.locator("#abstract-text").evaluate("el => el.getBoundingClientRect().height")


def test_abstract_more_less_toggle_expands_and_collapses(page, live_server, paper):
    page.goto(live_server.url + paper.get_absolute_url())
    clamped = _abstract_height(page)
    page.locator(".clamp-label .when-closed").click()
    expanded = _abstract_height(page)
    assert expanded > clamped * 1.5
    assert page.locator(".clamp-label .when-open").is_visible()
    assert not page.locator(".clamp-label .when-closed").is_visible()
    page.locator(".clamp-label .when-open").click()
    assert _abstract_height(page) == pytest.approx(clamped, abs=1)


def test_abstract_toggle_works_and_text_is_reachable_without_javascript(browser, live_server, paper):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(live_server.url + paper.get_absolute_url())
        # The whole abstract is in the document (screen readers, search engines, copy) even while clamped.
        assert page.locator("#abstract-text").text_content().strip() == LONG_ABSTRACT
        clamped = _abstract_height(page)
        page.locator(".clamp-label .when-closed").click()
        assert _abstract_height(page) > clamped * 1.5
        # Keyboard: the toggle is a real checkbox, reachable with Tab and switched with Space.
        page.locator(".clamp-label .when-open").click()
        page.locator("#abstract-toggle").focus()
        page.keyboard.press("Space")
        assert _abstract_height(page) > clamped * 1.5
        # The copy button needs JavaScript, so it stays hidden; the download link does not.
        page.get_by_text("Cite (BibTeX)").click()
        assert not page.locator(".copy-button").is_visible()
        assert page.get_by_role("link", name="Download .bib").is_visible()
    finally:
        context.close()


def test_more_authors_expand_without_javascript(page, live_server, paper):
    page.goto(live_server.url + paper.get_absolute_url())
    assert not page.get_by_role("link", name="Author Withalongsurname13").is_visible()
    page.get_by_text("+ 4 more").click()
    assert page.get_by_role("link", name="Author Withalongsurname13").is_visible()


@pytest.mark.parametrize("path", ["paper", "summary", "home"])
def test_pages_on_a_375px_screen_have_no_horizontal_scroll(page, live_server, paper, path):
    page.set_viewport_size({"width": 375, "height": 800})
    url = {"paper": paper.get_absolute_url(), "summary": paper.summaries.get().get_absolute_url(), "home": "/"}[path]
    page.goto(live_server.url + url)
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_bibtex_copy_button_copies_the_entry(page, live_server, paper):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(live_server.url + paper.get_absolute_url())
    page.get_by_text("Cite (BibTeX)").click()
    page.get_by_role("button", name="Copy BibTeX").click()
    page.wait_for_selector(".copy-status:has-text('Copied')")


def test_header_search_box_submits_to_the_search_page(page, live_server, paper):
    page.goto(live_server.url + "/")
    page.fill("#site-search", "attention")
    with page.expect_navigation():
        page.press("#site-search", "Enter")
    assert page.url.startswith(live_server.url + "/search/?q=attention")
    response = page.request.get(page.url)
    assert response.status == 200


WIDE_BODY = (
    # Inside \\left( … \\right) KaTeX finds no place to break the line.
    "The loss is $L = \\left( \\sum_{i=1}^{n} \\left( y_i - f_\\theta(x_i) \\right)^2 + \\lambda_1 \\lVert \\theta"
    " \\rVert_1 + \\lambda_2 \\lVert \\theta \\rVert_2^2 + \\mathrm{KL}\\left(q_\\phi(z \\mid x) \\Vert p(z)\\right)"
    " \\right)$"
    " which we minimise.\n\n"
    "$$\\mathcal{L}(\\theta, \\phi) = \\mathbb{E}_{q_\\phi(z|x)}\\left[\\log p_\\theta(x|z)\\right]"
    " - \\beta\\, \\mathrm{KL}\\left(q_\\phi(z|x) \\Vert p(z)\\right) + \\gamma \\sum_{k=1}^{K} \\alpha_k"
    " \\lVert W_k \\rVert_F^2$$\n\n"
    "Averylongunbrokenwordthatgoesonandonwithoutanyspacesatallsothatitcannotwrap_anywhere_atall_really.\n\n"
    "| model | params | layers | heads | d_model | d_ff | dropout | BLEU en-de | BLEU en-fr | training cost |\n"
    "|---|---|---|---|---|---|---|---|---|---|\n"
    "| Transformer-base-configuration | 65000000 | 6 | 8 | 512 | 2048 | 0.1 | 27.3 | 38.1 | 3.3e18 FLOPs |\n\n"
    "```python\n"
    "attention_weights = torch.softmax(query @ key.transpose(-2, -1) / math.sqrt(d_k) + attention_mask, dim=-1)\n"
    "```\n"
)

# For each kind of wide content: whether it overflows its own box and whether that box can scroll sideways.
OVERFLOW_REPORT_JS = """(scope) => {
  const root = document.querySelector(scope);
  const kinds = {inline: '.math-inline', display: '.math-display', table: 'table', code: 'pre'};
  const report = {};
  for (const [kind, selector] of Object.entries(kinds)) {
    report[kind] = Array.from(root.querySelectorAll(selector)).map(el => {
      const style = getComputedStyle(el);
      return {
        overflows: el.scrollWidth > el.clientWidth + 1,
        scrollable: ['auto', 'scroll'].includes(style.overflowX),
        right: el.getBoundingClientRect().right,
      };
    });
  }
  report.bodies = Array.from(root.querySelectorAll('.markdown-body')).map(el => el.scrollWidth - el.clientWidth);
  return report;
}"""


@pytest.mark.parametrize("path", ["summary", "paper", "home"])
def test_wide_math_tables_and_code_scroll_inside_their_own_box_on_a_390px_phone(page, live_server, path):
    summary = SummaryFactory(body=WIDE_BODY, paper=PaperFactory(title="Variational autoencoders at scale"))
    url = {"summary": summary.get_absolute_url(), "paper": summary.paper.get_absolute_url(), "home": "/"}[path]
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + url)
    page.wait_for_selector(".math-display .katex-display")
    page.wait_for_load_state("load")

    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    width = page.evaluate("window.innerWidth")
    report = page.evaluate(OVERFLOW_REPORT_JS, f"#summary-{summary.pk}")
    for kind in ("inline", "display", "table", "code"):
        boxes = report[kind]
        assert boxes, f"no {kind} in the summary"
        # The test data is wide enough to overflow each box on a phone; each box scrolls by itself...
        assert any(box["overflows"] for box in boxes), kind
        assert all(box["scrollable"] for box in boxes if box["overflows"]), kind
        assert all(box["right"] <= width for box in boxes), kind
    # ...so the summary's text as a whole never needs scrolling sideways (long words wrap).
    assert all(extra <= 1 for extra in report["bodies"]), report["bodies"]


def test_breadcrumbs_separate_their_items_without_a_trailing_separator(page, live_server):
    venue = VenueFactory(name="Neural Information Processing Systems", acronym="NeurIPS", slug="neurips")
    PaperFactory(venue=venue, year=2017)
    page.goto(f"{live_server.url}/venues/neurips/2017/")
    items = page.locator("nav[aria-label=Breadcrumb] li")
    assert items.all_inner_texts() == ["Venues", "NeurIPS", "2017"]
    separators = items.evaluate_all("els => els.map(el => getComputedStyle(el, '::before').content)")
    assert separators[0] == "none" and all("›" in s for s in separators[1:])
    assert not page.locator("nav[aria-label=Breadcrumb]").inner_text().strip().endswith("›")
    assert page.locator("nav[aria-label=Breadcrumb] [aria-current=page]").inner_text() == "2017"
