"""The Markdown renderer: math protection, sanitising, citations, headings, code, hostile input."""

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings

from shortscience.lib import markdown
from shortscience.lib.identifiers import Identifier
from shortscience.lib.markdown import plain_text, render_comment, render_markdown, render_text_with_math

SITE_PAPERS = {
    ("arxiv", "1706.03762"): "/paper/attention-is-all-you-need/",
    ("doi", "10.1145/3065386"): "/paper/imagenet-classification/",
}


class FakeResolver:
    """Stands in for the database: knows SITE_PAPERS and records every call."""

    def __init__(self, known=None):
        self.known = SITE_PAPERS if known is None else known
        self.calls = []

    def __call__(self, identifiers):
        self.calls.append(list(identifiers))
        return {key: url for key, url in self.known.items() if Identifier(*key) in identifiers}


def render(text, **kwargs):
    kwargs.setdefault("resolve_papers", FakeResolver())
    return render_markdown(text, **kwargs)


def tags_in(html):
    return set(re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", html))


def attributes_in(html):
    """(tag, attribute) pairs as a browser's parser sees them."""
    found = set()

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.update((tag, name) for name, _ in attrs)

    Collector().feed(html)
    return found


# --- Math -------------------------------------------------------------------------------------------


def test_underscores_inside_inline_math_are_preserved():
    html = render("Let $x_i = y_j$ and $a_b$ hold.")
    assert '<span class="math-inline">$x_i = y_j$</span>' in html
    assert '<span class="math-inline">$a_b$</span>' in html
    assert "<em>" not in html


def test_stars_and_backslashes_inside_math_are_preserved():
    html = render("$a * b * c$ and $$\\begin{matrix} a \\\\ b \\end{matrix}$$")
    assert "$a * b * c$" in html
    assert "\\begin{matrix} a \\\\ b \\end{matrix}" in html
    assert "<em>" not in html


def test_less_than_in_math_is_escaped():
    html = render("Since $a<b$ and $$c < d$$ hold")
    assert "$a&lt;b$" in html
    assert "$$c &lt; d$$" in html


def test_display_math_on_its_own_lines_becomes_a_div():
    html = render("Before.\n\n$$\n\\sum_{i=1}^n x_i\n$$\n\nAfter.")
    assert '<div class="math-display">$$\n\\sum_{i=1}^n x_i\n$$</div>' in html
    assert "<p><div" not in html


def test_display_math_inside_a_sentence_is_a_span():
    html = render("We have $$x^2$$ here.")
    assert '<p>We have <span class="math-display">$$x^2$$</span> here.</p>' in html


def test_bracket_delimiters_are_math_too():
    html = render("Inline \\(a_1 < b\\) and display:\n\n\\[\n\\int_0^1 f\n\\]")
    assert '<span class="math-inline">$a_1 &lt; b$</span>' in html
    assert '<div class="math-display">$$\n\\int_0^1 f\n$$</div>' in html


def test_currency_is_not_math():
    html = render("It costs $5 and $10, or $5-$10 in total.")
    assert "math" not in html
    assert "$5 and $10, or $5-$10" in html


def test_escaped_dollar_is_a_plain_dollar():
    html = render("Price: \\$3 and \\$4 per $x_1$.")
    assert "Price: $3 and $4 per" in html
    assert '<span class="math-inline">$x_1$</span>' in html


def test_unbalanced_dollar_is_plain_text():
    html = render("A lone $x_1 and a *stray* dollar.")
    assert "math" not in html
    assert "A lone $x_1 and a <em>stray</em> dollar." in html


def test_math_never_spans_a_blank_line():
    html = render("Opening $$x_1\n\nstill *text* $$")
    assert "math" not in html
    assert "<em>text</em>" in html


def test_dollars_inside_code_spans_are_untouched():
    html = render("Use `echo $HOME_DIR $x_y$` here")
    assert "<code>echo $HOME_DIR $x_y$</code>" in html
    assert "math" not in html


def test_dollars_inside_fenced_code_are_untouched():
    html = render("```\ncost = $a_b$ * 2\n```")
    assert "cost = $a_b$ * 2" in html
    assert "math" not in html


def test_math_in_indented_code_comes_back_verbatim():
    html = render("Text:\n\n    x = $a_b$ \\* 2\n")
    assert "x = $a_b$ \\* 2" in html
    assert "math" not in html


def test_math_in_a_blockquote_loses_the_quote_markers():
    html = render("> Quoted:\n> $$\n> a_1\n> $$")
    assert "<blockquote>" in html
    assert "$$\na_1\n$$" in html


def test_math_in_table_cells_keeps_its_pipes():
    html = render("| a | b |\n|---|---|\n| $|x|$ | 2 |")
    assert '<td><span class="math-inline">$|x|$</span></td>' in html


def test_math_cannot_close_the_wrapper_and_inject_a_script():
    html = render("$</span><script>alert(1)</script>$ and $$</div><img src=x onerror=alert(1)>$$")
    assert "<script" not in html
    assert "<img" not in html
    assert "$&lt;/span&gt;&lt;script&gt;alert(1)&lt;/script&gt;$" in html


def test_math_inside_a_link_url_is_restored_as_written():
    html = render("[formula](https://example.com/?q=$x$)")
    assert 'href="https://example.com/?q=$x$"' in html


# --- Sanitising -------------------------------------------------------------------------------------


def test_script_tags_are_removed_with_their_content():
    html = render("Hello <script>alert('x')</script> world\n\n<style>body { display: none }</style>")
    assert "<script" not in html
    assert "alert" not in html
    assert "display: none" not in html
    assert "Hello" in html and "world" in html


def test_event_handler_attributes_are_removed():
    html = render('<img src="https://example.com/a.png" onerror="alert(1)"> <b onclick="alert(2)">b</b>')
    assert attributes_in(html) == {("img", "src"), ("img", "loading"), ("img", "referrerpolicy")}
    assert "alert" not in html


def test_images_are_lazy_and_send_no_referrer_whatever_the_writer_asked():
    html = render(
        '![a](https://example.com/a.png) <img src="https://example.com/b.png" loading="eager" '
        'referrerpolicy="unsafe-url" width="9000" style="x">'
    )
    assert html.count('loading="lazy"') == 2
    assert html.count('referrerpolicy="no-referrer"') == 2
    assert "eager" not in html and "unsafe-url" not in html
    assert {name for tag, name in attributes_in(html)} == {"src", "alt", "loading", "referrerpolicy"}


@pytest.mark.parametrize(
    "link",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](jav&#x61;script:alert(1))",
        "[click](&#106;avascript:alert(1))",
        '<a href="javascript:alert(1)">click</a>',
        '<a href="jav&#x09;ascript:alert(1)">click</a>',
        '<a href=" javascript:alert(1)">click</a>',
        "<javascript:alert(1)>",
    ],
)
def test_javascript_links_are_removed(link):
    html = render(link)
    assert "javascript" not in html.lower()
    assert "href" not in html


def test_data_urls_are_removed_from_links_and_images():
    html = render(
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) "
        "![y](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)"
    )
    assert "data:" not in html
    assert "<img" not in html


def test_svg_and_iframes_are_removed():
    html = render(
        '<svg onload="alert(1)"><circle r="5"/></svg>\n\n'
        '<iframe src="https://www.youtube.com/embed/x"></iframe>\n\n'
        '<object data="https://example.com/x.swf"></object><embed src="https://example.com/x">'
    )
    assert tags_in(html) <= {"p"}
    assert "alert" not in html


def test_youtube_and_image_urls_within_a_sentence_stay_links():
    html = render("See https://www.youtube.com/watch?v=dQw4w9WgXcQ and https://example.com/figure.png here.")
    assert "<iframe" not in html
    assert "<img" not in html
    assert '<a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ" rel="nofollow ugc noopener">' in html


def test_style_attributes_and_unknown_classes_are_removed():
    html = render('<p style="color: red" class="evil">x</p> <span class="math-inline evil">y</span>')
    assert "style" not in html
    assert "evil" not in html
    assert "class" not in html


def test_link_title_cannot_inject_attributes():
    html = render('[x](https://example.com "a\\" onmouseover=\\"alert(1)")\n\n[y](https://example.com \'b" x="1\')')
    assert attributes_in(html) == {("a", "href"), ("a", "title"), ("a", "rel")}


def test_every_link_gets_nofollow_ugc_noopener():
    html = render('[a](https://example.com) <a href="https://example.org" rel="me">b</a> https://example.net')
    assert html.count('rel="nofollow ugc noopener"') == 3
    assert 'rel="me"' not in html


def test_bare_urls_are_linkified():
    html = render("See https://example.com/path_(x) or www.example.org.")
    assert '<a href="https://example.com/path_(x)" rel="nofollow ugc noopener">https://example.com/path_(x)</a>' in html
    assert '<a href="http://www.example.org" rel="nofollow ugc noopener">www.example.org</a>.' in html


def test_file_names_are_not_linkified():
    html = render("Run train.py then model.sh")
    assert "<a" not in html


def test_urls_inside_code_are_not_linkified():
    html = render("`curl https://example.com`\n\n```\nwget https://example.org\n```")
    assert "<a" not in html


def test_only_https_images_are_shown():
    html = render("![ok](https://example.com/a.png) ![plain](http://example.com/b.png)")
    assert '<img alt="ok" src="https://example.com/a.png" loading="lazy" referrerpolicy="no-referrer">' in html
    assert '<a href="http://example.com/b.png" rel="nofollow ugc noopener">plain</a>' in html


def test_images_become_links_when_not_allowed():
    html = render("![chart](https://example.com/a.png)", allow_images=False)
    assert "<img" not in html
    assert '<a href="https://example.com/a.png" rel="nofollow ugc noopener">chart</a>' in html


def test_uploaded_images_on_this_site_are_shown(monkeypatch):
    monkeypatch.setattr(markdown, "_local_media_prefix", lambda: "/media/")
    html = render("![upload](/media/summary-images/a.png) ![other](/admin/logout/)")
    assert '<img alt="upload" src="/media/summary-images/a.png" loading="lazy" referrerpolicy="no-referrer">' in html
    assert '<img alt="other"' not in html


def test_output_uses_only_allowed_tags():
    text = (
        "# H\n\n*e* **s** ~~no~~ <del>d</del> <sup>1</sup> <sub>2</sub> <abbr title='t'>A</abbr>\n\n"
        "> q\n\n- a\n- b\n\n1. c\n\n---\n\n| a |\n|---|\n| b |\n\nTerm\n: def\n\n"
        "<div><form action='/x'><input name=a><button>go</button></form></div> <marquee>m</marquee>"
    )
    allowed = {"p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "del", "s", "sup"}
    allowed |= {"sub", "blockquote", "ul", "ol", "li", "code", "pre", "span", "div", "table", "thead"}
    allowed |= {"tbody", "tr", "th", "td", "a", "img", "abbr", "dl", "dt", "dd"}
    html = render(text)
    assert tags_in(html) <= allowed
    assert "<form" not in html and "<input" not in html and "<marquee" not in html


def test_table_alignment_uses_the_align_attribute():
    html = render("| a | b |\n|:-:|--:|\n| 1 | 2 |")
    assert '<th align="center">a</th>' in html
    assert '<td align="right">2</td>' in html


def test_html_comments_are_removed():
    assert "secret" not in render("a <!-- secret --> b")


# --- Headings ---------------------------------------------------------------------------------------


def test_writer_h1_becomes_h3():
    html = render("# Results\n\n## Details\n\nSetext\n======")
    assert "<h3>Results</h3>" in html
    assert "<h4>Details</h4>" in html
    assert "<h3>Setext</h3>" in html
    assert "<h1" not in html and "<h2" not in html


def test_heading_shift_clamps_at_h6():
    html = render("# One\n\n## Two\n\n### Three\n\n#### Four\n\n##### Five\n\n###### Six")
    assert "<h5>Three</h5>" in html
    assert "<h6>Four</h6>" in html
    assert "<h6>Five</h6>" in html
    assert "<h6>Six</h6>" in html


def test_the_writers_top_heading_level_sits_just_below_the_page_heading():
    html = render("## Idea\n\n### Detail\n\n## Results")
    assert html.startswith("<h3>Idea</h3>")
    assert "<h4>Detail</h4>" in html
    assert "<h3>Results</h3>" in html


def test_headings_never_skip_a_level():
    html = render("# Top\n\n#### Deep\n\n##### Deeper\n\n## Back\n\n### Under")
    assert re.findall(r"<h(\d)>", html) == ["3", "4", "5", "4", "5"]


def test_heading_offset_is_configurable():
    assert "<h2>Title</h2>" in render("# Title", heading_offset=1)


def test_raw_html_headings_are_shifted_too():
    html = render("<h1>Raw</h1>")
    assert "<h3>Raw</h3>" in html
    assert "<h1" not in html


# --- Citations and paper links ---------------------------------------------------------------------


def test_cite_links_to_site_paper_when_known():
    html = render("As shown \\cite{1706.03762}.")
    assert (
        '<a href="/paper/attention-is-all-you-need/" rel="nofollow ugc noopener" class="citation">'
        "[arXiv:1706.03762]</a>"
    ) in html


def test_cite_falls_back_to_arxiv():
    html = render("\\cite{arXiv:1512.03385v2}")
    assert '<a href="https://arxiv.org/abs/1512.03385v2"' in html
    assert "[arXiv:1512.03385v2]</a>" in html


def test_cite_doi_links_to_site_or_doi_org():
    html = render("\\cite{10.1145/3065386} and \\cite{doi:10.1000/XYZ_123}")
    assert '<a href="/paper/imagenet-classification/"' in html
    assert "[doi:10.1145/3065386]</a>" in html
    assert '<a href="https://doi.org/10.1000/xyz_123"' in html
    assert "<em>" not in html


def test_cite_with_several_keys_makes_several_links():
    html = render("\\cite{1706.03762, 10.1145/3065386,  vaswani2017}")
    assert html.count('class="citation"') == 2
    assert "[vaswani2017]" in html


def test_cite_of_unknown_keys_is_left_as_written():
    html = render("\\cite{vaswani2017}")
    assert "\\cite{vaswani2017}" in html
    assert "<a" not in html


def test_cite_inside_code_is_left_as_written():
    html = render("`\\cite{1706.03762}`")
    assert "<code>\\cite{1706.03762}</code>" in html
    assert "citation" not in html


def test_bare_arxiv_and_doi_links_point_to_site_papers():
    html = render("Read https://arxiv.org/abs/1706.03762 and https://doi.org/10.1145/3065386.")
    assert (
        '<a href="/paper/attention-is-all-you-need/" rel="nofollow ugc noopener">https://arxiv.org/abs/1706.03762</a>'
    ) in html
    assert (
        '<a href="/paper/imagenet-classification/" rel="nofollow ugc noopener">https://doi.org/10.1145/3065386</a>'
    ) in html


def test_bare_links_to_unknown_papers_keep_their_url():
    html = render("https://arxiv.org/pdf/2001.00001v3")
    assert '<a href="https://arxiv.org/pdf/2001.00001v3" rel="nofollow ugc noopener">' in html


def test_links_with_their_own_text_are_left_alone():
    html = render("[the transformer paper](https://arxiv.org/abs/1706.03762)")
    assert 'href="https://arxiv.org/abs/1706.03762"' in html


def test_papers_are_resolved_in_one_batched_call():
    resolver = FakeResolver()
    render(
        "\\cite{1706.03762} \\cite{arXiv:1706.03762v5, 10.1145/3065386} https://arxiv.org/abs/1512.03385",
        resolve_papers=resolver,
    )
    assert len(resolver.calls) == 1
    assert sorted(resolver.calls[0], key=str) == sorted(
        [Identifier("arxiv", "1706.03762"), Identifier("doi", "10.1145/3065386"), Identifier("arxiv", "1512.03385")],
        key=str,
    )


def test_without_a_resolver_citations_link_to_their_sources():
    html = render_markdown("\\cite{arXiv:1706.03762} https://doi.org/10.1145/3065386", resolve_papers=None)
    assert 'href="https://arxiv.org/abs/1706.03762"' in html
    assert 'href="https://doi.org/10.1145/3065386"' in html
    assert "/paper/" not in html


def test_resolver_is_not_called_without_citations():
    resolver = FakeResolver()
    render("Plain text with a [link](https://example.com).", resolve_papers=resolver)
    assert resolver.calls == []


# --- Bare image and video URLs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "src", "alt"),
    [
        ("https://i.imgur.com/qDFy2XM.png", "https://i.imgur.com/qDFy2XM.png", "qDFy2XM"),
        ("  https://example.org/fig_3-results.JPEG  ", "https://example.org/fig_3-results.JPEG", "fig 3 results"),
        ("https://example.org/a/plot.svg?raw=true&v=2", "https://example.org/a/plot.svg?raw=true&amp;v=2", "plot"),
        (
            "https://example.org/Model%20Overview.webp#x",
            "https://example.org/Model%20Overview.webp#x",
            "Model Overview",
        ),
        ("http://i.imgur.com/old.gif", "https://i.imgur.com/old.gif", "old"),
    ],
)
def test_a_line_that_is_only_an_image_url_shows_the_image(line, src, alt):
    html = render(f"Figure:\n{line}\nThe end.")
    assert f'<img src="{src}" alt="{alt}" loading="lazy" referrerpolicy="no-referrer">' in html
    assert "<a" not in html
    assert html.startswith("<p>Figure:\n") and html.endswith("\nThe end.</p>")


def test_an_image_url_alone_in_its_paragraph_or_list_item_is_shown():
    html = render("https://i.imgur.com/a.png\n\n- https://i.imgur.com/b.jpg\n- text")
    assert '<p><img src="https://i.imgur.com/a.png"' in html
    assert '<li><img src="https://i.imgur.com/b.jpg"' in html


@pytest.mark.parametrize(
    "text",
    [
        "See https://i.imgur.com/a.png for the plot.",
        "https://i.imgur.com/a.png is the plot",
        "the plot: https://i.imgur.com/a.png",
        "`https://i.imgur.com/a.png`",
        "```\nhttps://i.imgur.com/a.png\n```",
        "    https://i.imgur.com/a.png",
        "$$\nhttps://i.imgur.com/a.png\n$$",
        "$https://i.imgur.com/a.png$",
        "https://i.imgur.com/a.png.html",
        "https://i.imgur.com/a.pngx",
        "https://i.imgur.com/",
    ],
    ids=[
        "in-sentence",
        "first",
        "last",
        "code-span",
        "fence",
        "indented-code",
        "display-math",
        "math",
        "html",
        "not-extension",
        "no-file",
    ],
)
def test_image_urls_within_text_code_or_math_are_not_embedded(text):
    assert "<img" not in render(text)


@pytest.mark.parametrize(
    "line",
    [
        "javascript:alert(1)//x.png",
        "JAVASCRIPT:alert(1)//x.png",
        "data:image/png;base64,iVBORw0KGgo=.png",
        "data:text/html,<script>alert(1)</script>.png",
        'https://example.com/x.png"onerror="alert(1)',
        "https://example.com/x.png'onerror='alert(1)",
        'https://example.com/"onerror=alert(1)//x.png',
        "https://example.com/x.png><script>alert(1)</script>",
        'https://example.com/x.png?a="onload=alert(1)',
        "https://[::1/x.png",
        "//example.com/x.png",
    ],
)
def test_hostile_image_urls_never_become_images_with_attributes_of_their_own(line):
    html = render(line)
    for tag, name in attributes_in(html):
        assert (tag, name) in {
            ("img", "src"),
            ("img", "alt"),
            ("img", "loading"),
            ("img", "referrerpolicy"),
            ("a", "href"),
            ("a", "rel"),
        }
    assert "<script" not in html
    for src in re.findall(r'<img src="([^"]*)"', html):
        assert src.startswith("https://example.com/")
    assert "javascript:" not in html.lower().replace("javascript:alert(1)//x.png</p>", "")
    assert "data:" not in re.sub(r"<p>data:[^<]*</p>", "", html)


def test_bare_image_urls_in_comments_stay_links():
    html = render_comment("https://i.imgur.com/a.png")
    assert "<img" not in html
    assert '<a href="https://i.imgur.com/a.png"' in html


def test_bare_image_urls_stay_links_when_images_are_not_allowed():
    html = render("https://i.imgur.com/a.png", allow_images=False)
    assert "<img" not in html and '<a href="https://i.imgur.com/a.png"' in html


@pytest.mark.parametrize(
    ("url", "label"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "YouTube video dQw4w9WgXcQ"),
        ("https://youtube.com/watch?feature=share&v=dQw4w9WgXcQ&t=42s", "YouTube video dQw4w9WgXcQ"),
        ("https://m.youtube.com/watch?v=dQw4w9WgXcQ", "YouTube video dQw4w9WgXcQ"),
        ("https://youtu.be/dQw4w9WgXcQ", "YouTube video dQw4w9WgXcQ"),
        ("https://www.youtube.com/embed/dQw4w9WgXcQ", "YouTube video dQw4w9WgXcQ"),
        ("https://www.youtube.com/shorts/dQw4w9WgXcQ", "YouTube video dQw4w9WgXcQ"),
        ("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", "YouTube video dQw4w9WgXcQ"),
        ("https://vimeo.com/76979871", "Vimeo video 76979871"),
        ("https://vimeo.com/channels/staffpicks/76979871", "Vimeo video 76979871"),
        ("https://player.vimeo.com/video/76979871", "Vimeo video 76979871"),
    ],
)
def test_a_line_that_is_only_a_video_url_becomes_a_video_link_card(url, label):
    html = render(f"Talk:\n{url}")
    href = url.replace("&", "&amp;")
    assert f'<a href="{href}" rel="nofollow ugc noopener" class="video-link">{label}</a>' in html
    assert "<iframe" not in html and "<img" not in html
    assert "ytimg" not in html and "vimeocdn" not in html


@pytest.mark.parametrize(
    "text",
    [
        "Watch https://www.youtube.com/watch?v=dQw4w9WgXcQ first.",
        "`https://youtu.be/dQw4w9WgXcQ`",
        "https://www.youtube.com/watch?v=short",
        "https://www.youtube.com/channel/UCxyz",
        "https://vimeo.com/about",
        "https://notyoutube.com/watch?v=dQw4w9WgXcQ",
    ],
)
def test_other_video_like_urls_stay_plain_links(text):
    assert "video-link" not in render(text)


# --- Abstracts and plain text ----------------------------------------------------------------------


def test_text_with_math_wraps_tex_like_summaries_and_escapes_everything_else():
    html = render_text_with_math(
        "An $\\alpha$-weighted *loss* $$a<b$$, \\(x_i\\) and \\[y\\] cost $5 and $10; a \\$ sign; <b>&</b> # [x](y)"
    )
    assert html == (
        'An <span class="math-inline">$\\alpha$</span>-weighted *loss* <span class="math-display">$$a&lt;b$$</span>, '
        '<span class="math-inline">$x_i$</span> and <span class="math-display">$$y$$</span> cost $5 and $10; '
        "a $ sign; &lt;b&gt;&amp;&lt;/b&gt; # [x](y)"
    )


def test_text_with_math_escapes_markup_inside_math():
    html = render_text_with_math('$</span><script>alert("x")</script>$')
    assert html == '<span class="math-inline">$&lt;/span&gt;&lt;script&gt;alert("x")&lt;/script&gt;$</span>'


def test_text_with_math_handles_unbalanced_delimiters_as_text():
    assert render_text_with_math("$ 5 $x \\( a $$") == "$ 5 $x \\( a $$"
    assert render_text_with_math("") == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("An $\\alpha$-weighted loss", "An α-weighted loss"),
        ("$$\\frac{a}{b} \\leq \\mathcal{L}_i$$", "a/b ≤ L_i"),
        ("$x^{2}\\,y$ and \\(\\log p\\)", "x^2 y and log p"),
        ("# Title\n\nSome **bold** and _em_ text", "Title Some bold and em text"),
        ('[the paper](https://arxiv.org/abs/1706.03762 "t") and ![fig](https://x.org/a.png)', "the paper and fig"),
        ("> quoted\n\n- one\n- two\n\n1. three", "quoted one two three"),
        ("`snake_case` code\n\n```python\nx = 1\n```", "snake_case code x = 1"),
        ("| a | b |\n|---|:-:|\n| 1 | 2 |", "a b 1 2"),
        ('<div class="x">raw</div> html<br>', "raw html"),
        ("Claim[^1] \\cite{1706.03762}.\n\n[^1]: Note.\n[ref]: https://x.org", "Claim . Note."),
        ("costs \\$5, not $x$", "costs $5, not x"),
        ("", ""),
    ],
)
def test_plain_text_drops_markdown_and_tex_markup(text, expected):
    assert plain_text(text) == expected


# --- Code -------------------------------------------------------------------------------------------


def test_fenced_code_with_language_is_highlighted_with_classes():
    html = render('```python\ndef f(x):\n    return "s"\n```')
    assert '<div class="highlight"><pre>' in html
    assert '<span class="k">def</span>' in html
    assert '<span class="nf">f</span>' in html
    assert "style=" not in html


def test_code_is_escaped():
    html = render("```\n<script>alert(1)</script>\n```\n\n`<b>x</b>`")
    assert "<script" not in html
    assert "&lt;script&gt;" in html
    assert "<code>&lt;b&gt;x&lt;/b&gt;</code>" in html


# --- Other Markdown ---------------------------------------------------------------------------------


def test_backslash_escapes_render_literally():
    html = render("\\*not em\\* 1\\. no list \\# no heading \\[no link](x) a\\_b\\\\")
    assert html == "<p>*not em* 1. no list # no heading [no link](x) a_b\\</p>"


def test_footnotes_get_ids_unique_to_the_text():
    first = render("Claim[^1].\n\n[^1]: Source.")
    second = render("Other claim[^1].\n\n[^1]: Source.")
    first_ids = re.findall(r'id="([^"]+)"', first)
    second_ids = re.findall(r'id="([^"]+)"', second)
    assert first_ids and second_ids
    assert not set(first_ids) & set(second_ids)
    for fragment in re.findall(r'href="#([^"]+)"', first):
        assert fragment in first_ids


def test_lists_use_sane_lists():
    html = render("3. three\n4. four\n\n- a\n- b")
    assert '<ol start="3">' in html
    assert "<ul>" in html


def test_newlines_inside_a_paragraph_are_not_line_breaks():
    assert render("one\ntwo") == "<p>one\ntwo</p>"


def test_unicode_text_is_preserved():
    text = "注意力机制 is all you need — ça marche, Ελληνικά, emoji 🚀, $\\alpha_中$"
    html = render(text)
    assert "注意力机制 is all you need — ça marche, Ελληνικά, emoji 🚀" in html
    assert "$\\alpha_中$" in html


def test_empty_text_renders_nothing():
    assert render("") == ""
    assert render("   \n\n ") == ""


def test_control_characters_are_dropped():
    assert render("a\x00b\x07c") == "<p>abc</p>"


def test_placeholders_cannot_be_forged():
    html = render("zq000000000000x0y and $x$")
    assert "zq000000000000x0y" in html
    assert '<span class="math-inline">$x$</span>' in html


# --- Hostile and large input -----------------------------------------------------------------------


def test_long_input_renders_completely():
    paragraph = "Some **bold** text with $x_i^2$, `code $y$`, https://example.com and 中文.\n\n"
    text = paragraph * (100_000 // len(paragraph) + 1)
    html = render(text)
    count = text.count("\n\n")
    assert html.count('<span class="math-inline">$x_i^2$</span>') == count
    assert html.count("<strong>bold</strong>") == count
    assert html.count("<code>code $y$</code>") == count


@pytest.mark.parametrize(
    "text",
    [
        "[" * 20_000,
        "[" * 5_000 + "]" * 5_000,
        "![" * 5_000,
        "\\(" * 10_000,
        "".join("`" * k + "\n" for k in range(3, 300)),
        "".join("`" * k + " " for k in range(1, 200)),
        "$" * 20_000,
        "\\cite{" * 5_000,
    ],
    ids=["open-brackets", "nested-brackets", "open-images", "escapes", "fences", "backtick-runs", "dollars", "cites"],
)
def test_pathological_input_renders_as_text(text):
    html = render(text)
    assert html.startswith("<p>")
    assert "<a" not in html


def test_absurdly_deep_list_nesting_is_cut_to_a_sane_depth():
    html = render("".join("  " * depth + "- x\n" for depth in range(500)))
    assert html.count("<li>") == 500
    assert html.count("<ul>") < 40


def test_absurdly_deep_quoting_is_cut_to_a_sane_depth():
    html = render(">" * 5000 + " deep")
    assert html.count("<blockquote>") == 16
    assert "deep" in html


def test_absurdly_deep_raw_html_is_shown_as_text():
    html = render("<div>" * 5000 + "x")
    assert html.startswith("<p>&lt;div&gt;&lt;div&gt;")
    assert "<div>" not in html


def test_many_references_to_one_footnote_stay_text_past_a_limit():
    html = render("See[^n]" * 500 + "\n\n[^n]: The note.")
    assert html.count('class="footnote-ref"') == 20
    assert "[^n]" in html


def test_references_followed_by_a_colon_count_as_references_and_definitions_still_define():
    html = render("Ratio[^n]: 2." * 100 + "\n\n[^n]: The note.\n\n  > [^q]: Quoted note, [^q].")
    assert html.count('class="footnote-ref"') == 20 + 1
    assert "The note." in html and 'class="footnote"' in html


# --- Comments ---------------------------------------------------------------------------------------


def test_comment_headings_become_bold_paragraphs():
    html = render_comment("# Big claim\n\nbody")
    assert "<p><strong>Big claim</strong></p>" in html
    assert not re.search(r"<h\d", html)


def test_comment_images_become_links():
    html = render_comment("![plot](https://example.com/plot.png)")
    assert "<img" not in html
    assert '<a href="https://example.com/plot.png" rel="nofollow ugc noopener">plot</a>' in html


def test_comment_tables_stay_text():
    html = render_comment("| a |\n|---|\n| b |")
    assert "<table" not in html
    assert "| a |" in html


def test_comment_keeps_math_code_lists_quotes_and_links():
    html = render_comment("> $a_b$\n\n- `x`\n- [l](https://example.com)\n\n$$\ny_1\n$$")
    assert '<span class="math-inline">$a_b$</span>' in html
    assert "<blockquote>" in html
    assert "<li><code>x</code></li>" in html
    assert '<a href="https://example.com" rel="nofollow ugc noopener">l</a>' in html
    assert '<div class="math-display">$$\ny_1\n$$</div>' in html


def test_comment_is_sanitised():
    html = render_comment("<script>alert(1)</script>[x](javascript:alert(2)) <img src=x onerror=alert(3)>")
    assert "alert" not in html
    assert "<script" not in html and "<img" not in html


# --- Vendored assets --------------------------------------------------------------------------------


def test_vendored_katex_css_only_references_vendored_fonts():
    # Django's manifest storage refuses to collect a stylesheet that points at a missing file.
    static = settings.BASE_DIR / "static"
    (katex,) = static.glob("vendor/katex-*/")
    urls = re.findall(r"url\(([^)]+)\)", (katex / "katex.min.css").read_text(encoding="utf-8"))
    assert urls
    assert all((katex / url).is_file() for url in urls)
    assert (katex / "katex.min.js").is_file()
    assert (katex / "contrib" / "auto-render.min.js").is_file()
