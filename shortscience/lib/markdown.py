"""The one Markdown renderer for everything members write: summaries, comments and previews.

``render_markdown`` and ``render_comment`` turn untrusted Markdown into sanitised HTML that
callers store (``body_html``) and templates may mark safe. The pipeline:

1. **Protect** TeX math (``$…$``, ``$$…$$``, ``\\(…\\)``, ``\\[…\\]``) and ``\\cite{…}`` from
   Markdown by swapping them for opaque placeholders, outside code spans and fenced code, so
   that ``_``, ``*``, ``\\\\`` and ``<`` inside formulas reach KaTeX untouched.
2. **Markdown** (Python-Markdown: tables, fenced code highlighted by Pygments into CSS classes,
   footnotes, definition lists, abbreviations, sane lists).
3. **Sanitise** with a bleach allow-list and linkify bare ``http(s)://`` / ``www.`` URLs.
4. **Post-filter** the sanitised token stream: put the math back as *text* inside
   ``math-inline`` / ``math-display`` wrappers (the serializer escapes it; KaTeX auto-render
   typesets it in the browser from ``textContent``), turn citations and bare arXiv/DOI links
   into links to the paper's page here when the caller's ``resolve_papers`` knows it (one batched
   look-up per render; this module imports no app, so the look-up is the caller's),
   shift headings, force ``rel`` on links and turn images that may not be shown into links.

The post-filter only ever emits fixed tag names, fixed class names, escaped text and URLs it
has checked, so nothing it restores can reintroduce markup from the input.
"""

from __future__ import annotations

import bisect
import hashlib
import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from html import escape
from urllib.parse import parse_qs, quote, unquote, urlsplit, urlunsplit

import bleach
import markdown
from bleach import html5lib_shim
from bleach.linkifier import LinkifyFilter
from markdown.inlinepatterns import LinkInlineProcessor
from pygments.token import STANDARD_TYPES

from shortscience.lib.identifiers import Identifier, parse_identifier

__all__ = [
    "Resolver",
    "plain_text",
    "render_comment",
    "render_markdown",
    "render_text_with_math",
]

#: ``resolve_papers`` callables map (kind, canonical value) to the URL of the paper's page here.
Resolver = Callable[[list[Identifier]], dict[tuple[str, str], str]]

LINK_REL = "nofollow ugc noopener"
PROTOCOLS = frozenset({"http", "https", "mailto"})

_HEADINGS = frozenset(f"h{level}" for level in range(1, 7))
# h1 is let through the sanitiser only so the post-filter can shift it (or, in comments, turn it
# into a bold paragraph); it never reaches the output with the default offsets.
_COMMON_TAGS = frozenset(
    {"p", "br", "strong", "em", "b", "i", "del", "s", "sup", "sub", "blockquote", "ul", "ol", "li"}
    | {"code", "pre", "span", "div", "a", "img"}
    | _HEADINGS
)
SUMMARY_TAGS = _COMMON_TAGS | {"hr", "table", "thead", "tbody", "tr", "th", "td", "abbr", "dl", "dt", "dd"}
COMMENT_TAGS = _COMMON_TAGS

# Highlighted code carries Pygments token classes; `manage.py build_pygments_css` writes the stylesheet.
_PYGMENTS_CLASSES = frozenset(css for css in STANDARD_TYPES.values() if css) | {"hll"}
_ALLOWED_CLASSES = {
    "div": frozenset({"highlight", "math-display", "footnote"}),
    "span": _PYGMENTS_CLASSES | {"math-inline", "math-display"},
    "a": frozenset({"citation", "footnote-ref", "footnote-backref", "video-link"}),
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "abbr": {"title"},
}
# Every image is loaded lazily and without telling its host which page shows it: the only
# values these two attributes may have, whoever wrote them.
_IMAGE_FIXED_ATTRIBUTES = {"loading": "lazy", "referrerpolicy": "no-referrer"}
_ALIGN_VALUES = frozenset({"left", "center", "right"})

# Control characters have no business in prose; NUL in particular is mangled differently by
# Markdown and the HTML parser.
_CONTROL_CHARS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Python-Markdown's fence lines (markdown.extensions.fenced_code), matched one line at a time.
_FENCE_OPEN_RE = re.compile(
    r"""(?P<fence>~{3,}|`{3,})[ ]*
    (?:\{[^\n]*\}|(?:\.?[\w#.+-]*[ ]*)?(?:hl_lines=(?P<quot>"|').*?(?P=quot)[ ]*)?)""",
    re.VERBOSE,
)
_FENCE_CLOSE_RE = re.compile(r"(?:~{3,}|`{3,})[ ]*")
# Math, code spans and citations never cross a paragraph break (a quoted blank line counts too);
# this also limits what an unbalanced delimiter can swallow.
_PARAGRAPH_BREAK_RE = re.compile(r"\n[ \t>]*\n")
_DROP_WITH_CONTENT_RE = re.compile(
    r"<(script|style|template|textarea|title|noscript|xmp|iframe|noembed|noframes|object)\b", re.IGNORECASE
)
_SPECIAL_CHAR_RE = re.compile(r"[\\`$\[\]]")
_MATH_START_RE = re.compile(r"[\\$]")
# Nesting deeper than any real text uses, which Python-Markdown or html5lib would handle in
# quadratic time or by deep recursion (see _Protector and _render):
_MAX_BRACKET_DEPTH = 8  # [[[…]]] beyond this is plain text
_MAX_FOOTNOTE_REFS = 20  # references to one footnote
_MAX_PREFIX_WIDTH = 64  # leading spaces of a line (a tab counts 4): 16 levels of 4-space indentation
_MAX_QUOTE_DEPTH = 16  # ">" markers at the start of a line
_MAX_HTML_DEPTH = 200  # elements inside elements in Markdown's output
_MAX_BLOCK_SPLITS = 50  # headings, rules, abbreviations… in one block (see _Protector._block_split_edits)
_MAX_ABBREVIATIONS = 100  # abbreviation definitions in one text
# Lines Python-Markdown's block processors split a block at, after any quote and list markers.
_BLOCK_SPLITTER_RE = re.compile(
    r"""^[ \t>]*+(?:(?:[-*+]|[0-9]{1,9}[.)])[ \t]++[ \t>]*+)?
    (?P<marker>
        [=-]+[ \t]*$                          # setext underline
      | (?:[-*_][ \t]*+){3,}$                 # horizontal rule
      | \#{1,6}(?=[ \t]|$)                    # ATX heading
      | \*\[                                  # abbreviation definition
      | :(?=[ \t])                             # definition
      | \|?[ \t]*:?-+:?[ \t]*\|[ \t|:-]*$       # table delimiter row
      | \[\^[^\]\n]*\]:                       # footnote definition
    )""",
    re.MULTILINE | re.VERBOSE,
)
_TAG_START_RE = re.compile(r"<[A-Za-z/!?]")
# A text with this many elements and this dense (a 400-row table of numbers, 2,000 links in a row)
# is shown as plain text: rendering it would cost seconds (see _too_many_elements).
_MAX_DENSE_ELEMENTS = 2000
_DENSE_CHARS = 8
_MAX_LINK_TEXT = 2000  # characters of a link's [text]
_MAX_LINK_DESTINATION = 4000  # characters of a link's (destination "title")
# A link destination: up to its balancing ")", parentheses nested two deep at most (atomic
# groups: no backtracking, so a failed match costs what it read).
_LINK_DESTINATION_RE = re.compile(r"\((?>[^()]+|\((?>[^()]+|\([^()]*\))*\))*\)")
_DEEP_PREFIX_RE = re.compile(rf"^[ \t>]{{{min(_MAX_PREFIX_WIDTH, _MAX_QUOTE_DEPTH)},}}", re.MULTILINE)
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>")
# Void elements, and elements the HTML parser closes by itself when the next one opens.
_NEVER_NESTED = frozenset({"br", "hr", "img", "p", "li", "dt", "dd", "tr", "th", "td", "thead", "tbody"})
_BACKTICKS_RE = re.compile(r"`+")
_CITE_RE = re.compile(r"\\cite\{([^{}\n]{1,1000})\}")
_QUOTE_PREFIX_RE = re.compile(r"[ \t]*>")
_QUOTE_CONTINUATION_RE = re.compile(r"\n[ \t]*(?:>[ \t]?)+")
# Bare URLs are linkified only with a scheme or "www.": "model.py" or "train.sh" are file names here.
_URL_RE = re.compile(
    r"""(?<![\w@/.:-])                    # not the tail of a longer token
    (?:https?://|www\.)
    [^\s<>"'`{}|\\^]*[^\s<>"'`{}|\\^.,;:!?*]  # no trailing punctuation
    """,
    re.IGNORECASE | re.VERBOSE,
)
_URL_SCHEME_RE = re.compile(r"([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
_URL_IGNORED_CHARS_RE = re.compile(r"[\x00-\x20\x7f-\xa0\s]+")
_DIGITS_RE = re.compile(r"[0-9]{1,9}")
# Plain text (see plain_text): each pattern is anchored on a character class that stops at the
# next delimiter, so no match attempt rescans the rest of the text.
_PLAIN_TEXT_RULES = [
    (re.compile(r"^[ \t]*(?:`{3,}|~{3,})[^\n]*$", re.MULTILINE), ""),  # code fences
    (re.compile(r"<!--|-->|</?[a-zA-Z][^<>\n]{0,500}>"), " "),  # HTML tags and comments
    (re.compile(r"^[ \t]{0,3}\[(?!\^)[^\[\]\n]{1,500}\]:[^\n]*$", re.MULTILINE), ""),  # link definitions
    (re.compile(r"\[\^[^\[\]\s]{1,100}\]:?"), ""),  # footnote references and definitions
    (re.compile(r"\\cite\{[^{}\n]{0,1000}\}"), ""),
    (
        re.compile(
            r"!?\[([^\[\]\n]{0,1000})\](?:\([^()\s]{0,2000}(?:[ \t]+\"[^\"\n]{0,500}\")?\)|\[[^\[\]\n]{0,500}\])"
        ),
        r"\1",
    ),
    (re.compile(r"^[ \t]*(?:[-*_][ \t]*){3,}$|^[ \t]*=+[ \t]*$", re.MULTILINE), ""),  # rules, setext underlines
    (re.compile(r"^[ \t]*(?:>[ \t]?)+", re.MULTILINE), ""),  # quotes
    (re.compile(r"^[ \t]*(?:#{1,6}[ \t]+|[-*+][ \t]+|[0-9]{1,9}[.)][ \t]+)", re.MULTILINE), ""),  # headings, lists
    (re.compile(r"^[ \t|:-]*-[ \t|:-]*$", re.MULTILINE), ""),  # table delimiter rows
    (re.compile(r"\*+|~~|(?<![0-9A-Za-z)}\]])_+|_+(?![0-9A-Za-z({\\])|`+"), ""),  # emphasis, code (x_i stays)
    (re.compile(r"\|"), " "),  # table cells
    (re.compile(r"\\[()\[\]]|\$"), ""),  # math delimiters
    (re.compile(r"\\[dt]?frac\{([^{}\n]{0,200})\}\{([^{}\n]{0,200})\}"), r"\1/\2"),
]
_TEX_COMMAND_RE = re.compile(r"\\([A-Za-z]{1,40})\*?")
_TEX_SPACING_RE = re.compile(r"\\[,;:! \\]?|~")  # \, \; \\ ~ … and stray backslashes
_TEX_SILENT_COMMANDS = frozenset(
    re.findall(
        r"\w+",
        "text textbf textit texttt textrm textsf emph mathrm mathbf mathit mathcal mathbb mathsf mathtt mathfrak "
        "boldsymbol bm operatorname hat bar tilde vec dot ddot overline underline widehat widetilde left right big "
        "Big bigg Bigg displaystyle textstyle scriptstyle limits nolimits quad qquad mathop mbox hbox label",
    )
)
_TEX_SYMBOLS = {
    **dict(
        zip(
            re.findall(
                r"\w+",
                "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi "
                "rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi Omega",
            ),
            "αβγδεεζηθϑικλμνξπρστυφφχψωΓΔΘΛΞΠΣΦΨΩ",
            strict=True,
        )
    ),
    "infty": "∞",
    "sum": "∑",
    "prod": "∏",
    "int": "∫",
    "partial": "∂",
    "nabla": "∇",
    "pm": "±",
    "mp": "∓",
    "times": "×",
    "cdot": "·",
    "div": "÷",
    "leq": "≤",
    "le": "≤",
    "geq": "≥",
    "ge": "≥",
    "neq": "≠",
    "ne": "≠",
    "approx": "≈",
    "sim": "∼",
    "simeq": "≃",
    "equiv": "≡",
    "propto": "∝",
    "in": "∈",
    "notin": "∉",
    "subset": "⊂",
    "subseteq": "⊆",
    "cup": "∪",
    "cap": "∩",
    "emptyset": "∅",
    "forall": "∀",
    "exists": "∃",
    "neg": "¬",
    "land": "∧",
    "lor": "∨",
    "to": "→",
    "rightarrow": "→",
    "leftarrow": "←",
    "Rightarrow": "⇒",
    "leftrightarrow": "↔",
    "mapsto": "↦",
    "ldots": "…",
    "cdots": "⋯",
    "dots": "…",
    "ell": "ℓ",
    "top": "⊤",
    "perp": "⊥",
    "circ": "∘",
    "star": "⋆",
    "langle": "⟨",
    "rangle": "⟩",
    "lVert": "‖",
    "rVert": "‖",
    "Vert": "‖",
    "mid": "|",
    "prime": "′",
    "degree": "°",
    "sqrt": "√",
}
# A line that is nothing but the URL of an image or a video is embedded (the old site did so,
# and old summaries rely on it): images by extension, videos by their provider's URL forms.
_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg", ".bmp")
_YOUTUBE_ID_RE = re.compile(r"[A-Za-z0-9_-]{11}")
_YOUTUBE_HOSTS = frozenset({"youtube.com", "m.youtube.com", "youtube-nocookie.com"})
_YOUTUBE_PATH_RE = re.compile(r"/(?:embed|shorts|live|v)/([A-Za-z0-9_-]{11})/?")
_VIMEO_PATH_RE = re.compile(r"/(?:(?:channels|groups|album)/[\w-]+/)?(?:videos?/)?([0-9]{1,12})/?")
_FILE_NAME_SEPARATORS_RE = re.compile(r"[-_+.\s]+")
_WHITESPACE_RE = re.compile(r"\s+")


# --- Public API -------------------------------------------------------------------------------------


def render_markdown(
    text: str, *, heading_offset: int = 2, resolve_papers: Resolver | None = None, allow_images: bool = True
) -> str:
    """Render a member's Markdown (a summary) to sanitised HTML.

    ``heading_offset`` shifts headings down so the page's ``<h1>`` stays unique: the writer's top
    level (``#``, or ``##`` when that is the highest used) becomes ``<h3>`` by default, a heading is
    never more than one level below the one before it, and nothing goes past ``<h6>``.
    ``resolve_papers`` is called at most once per render with the cited identifiers; without it,
    citations link to arXiv, doi.org or DBLP. Images are shown only from ``https:`` URLs (or this site's media)
    and only when ``allow_images``; otherwise they become plain links.
    """
    return _render(
        text,
        comment=False,
        heading_offset=heading_offset,
        resolve_papers=resolve_papers,
        allow_images=allow_images,
    )


def render_comment(text: str, *, resolve_papers: Resolver | None = None) -> str:
    """Render a comment: paragraphs, emphasis, code, links, lists, quotes and math only.

    Headings become bold paragraphs, images become links; tables, footnotes and the like stay text.
    Citations resolve as in ``render_markdown``.
    """
    return _render(text, comment=True, heading_offset=0, resolve_papers=resolve_papers, allow_images=False)


def render_text_with_math(text: str) -> str:
    """Plain text with TeX math (a paper's abstract) as HTML: everything escaped, no Markdown.

    Math is found by the summaries' rules (``$…$`` with Pandoc's price rule, ``$$…$$``,
    ``\\(…\\)``, ``\\[…\\]``; ``\\$`` is a dollar) and wrapped in the same ``math-inline`` /
    ``math-display`` spans, so the page's math.js typesets it with KaTeX. Inline HTML (the spans
    only), meant to sit inside the caller's paragraph.
    """
    text = _CONTROL_CHARS_RE.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n"))
    out: list[str] = []
    copied = pos = 0
    end = len(text)
    finder = _Finder(text)

    def emit(start: int, stop: int, html: str) -> None:
        nonlocal copied, pos
        out.append(escape(text[copied:start], quote=False))
        out.append(html)
        copied = pos = stop

    while (match := _MATH_START_RE.search(text, pos)) is not None:
        i = match.start()
        pos = i + 1
        if text.startswith("\\$", i):
            emit(i, i + 2, "$")
        elif text[i] == "\\":
            pos = i + 2  # an escaped character, or the opening of \( or \[
            if text[i + 1 : i + 2] in ("(", "["):
                closer = "\\)" if text[i + 1] == "(" else "\\]"
                j = finder.find(closer, i + 2)
                if j != -1 and text[i + 2 : j].strip():
                    kind = "inline" if text[i + 1] == "(" else "display"
                    emit(i, j + 2, _math_span(kind, text[i + 2 : j]))
        elif text.startswith("$$", i):
            pos = i + 2
            j = finder.find("$$", i + 2)
            if j != -1 and text[i + 2 : j].strip():
                emit(i, j + 2, _math_span("display", text[i + 2 : j]))
        elif (j := _inline_dollar_end(text, i, end)) != -1:
            emit(i, j + 1, _math_span("inline", text[i + 1 : j]))
    out.append(escape(text[copied:], quote=False))
    return "".join(out)


def _math_span(kind: str, tex: str) -> str:
    delimited = f"$${tex}$$" if kind == "display" else f"${tex}$"
    return f'<span class="math-{kind}">{escape(delimited, quote=False)}</span>'


def plain_text(text: str) -> str:
    """Markdown with TeX as one line of plain text: for meta and OpenGraph descriptions.

    Not HTML (templates escape it): Markdown syntax and HTML tags are dropped, links and images
    keep their text, math loses its delimiters and TeX commands become their argument or a
    readable symbol (``$\\alpha$-weighted`` → ``α-weighted``). Linear time, like the renderer.
    """
    text = _CONTROL_CHARS_RE.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n"))
    text = text.replace("\\$", "\x00")  # a writer's plain dollar survives the math clean-up
    for pattern, replacement in _PLAIN_TEXT_RULES:
        text = pattern.sub(replacement, text)
    text = _TEX_COMMAND_RE.sub(_tex_command_text, text)
    text = _TEX_SPACING_RE.sub(" ", text.replace("{", "").replace("}", "")).replace("\x00", "$")
    return _WHITESPACE_RE.sub(" ", text).strip()


def _tex_command_text(match: re.Match) -> str:
    name = match.group(1)
    if name in _TEX_SYMBOLS:
        return _TEX_SYMBOLS[name]
    if name in _TEX_SILENT_COMMANDS:
        return ""
    return name  # \log, \max, \softmax …: the name reads well enough


# --- Pipeline ---------------------------------------------------------------------------------------


def _render(
    text: str, *, comment: bool, heading_offset: int, resolve_papers: Resolver | None, allow_images: bool
) -> str:
    text = _CONTROL_CHARS_RE.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n"))
    if not text.strip():
        return ""
    # Footnote ids carry a digest of the text so that two summaries on one page never share ids.
    footnote_tag = hashlib.blake2s(text.encode(), digest_size=4).hexdigest()
    md = _markdown(comment=comment, footnote_tag=footnote_tag)
    protector = _Protector(md.ESCAPED_CHARS)
    protected = protector.protect(text)
    tags = COMMENT_TAGS if comment else SUMMARY_TAGS
    try:
        html = _drop_unsafe_elements(md.convert(protected))
    except RecursionError:
        # Python-Markdown recurses per level of nesting; prose prefixes are clamped, but raw
        # HTML blocks and the like could still go deep. Such a text is no summary: show it as text.
        return _plain_paragraphs(text)
    if _nesting_depth_exceeds(html, tags, _MAX_HTML_DEPTH):
        # The HTML parser spends time proportional to the depth on every element: thousands of
        # nested raw tags would take minutes.
        return _plain_paragraphs(text)
    if _too_many_elements(html, len(text)):
        # Each element costs the parser, sanitiser and serialiser ~100 times what a character of
        # prose does: "[a](b)" * 10000 is linear but seconds of work, and no summary.
        return _plain_paragraphs(text)
    context = _Context(
        fragments=protector.fragments,
        placeholder_re=protector.placeholder_re,
        marker=protector.marker,
        heading_offset=heading_offset,
        headings_as_bold=comment,
        allow_images=allow_images,
        resolve_papers=resolve_papers,
    )
    cleaner = bleach.Cleaner(
        tags=tags,
        attributes=partial(_attribute_allowed, re.compile(rf"fn(?:ref\d*)?-{footnote_tag}-")),
        protocols=PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[
            partial(LinkifyFilter, callbacks=[], skip_tags={"pre", "code"}, url_re=_URL_RE),
            partial(_PostFilter, context=context),
        ],
    )
    cleaner.walker = _TreeWalker
    return cleaner.clean(html).strip()


class _TreeWalker(html5lib_shim.getTreeWalker("etree")):
    """html5lib's ElementTree walker, minus its quadratic step.

    Leaving an element, the stock walker finds the element's index among its siblings with
    ``list(parent).count(element)`` and ``.index(element)``: time proportional to the number of
    siblings, for each of them, so a list or table of 15,000 rows took seconds. Here each
    parent's children are indexed once.
    """

    def __init__(self, tree):
        super().__init__(tree)
        self._indexes: dict[int, dict[int, int]] = {}

    def getParentNode(self, node):
        if not isinstance(node, tuple):
            return None
        element, key, parents, flag = node
        if flag == "text":
            return (element, key, parents, None) if parents else element
        parent = parents.pop()
        if not parents:
            return parent
        grandparent = parents[-1]
        indexes = self._indexes.get(id(grandparent))
        if indexes is None:
            indexes = self._indexes[id(grandparent)] = {id(child): i for i, child in enumerate(grandparent)}
        return parent, indexes[id(parent)], parents, None


def _markdown(*, comment: bool, footnote_tag: str) -> markdown.Markdown:
    # "extra" minus attr_list (arbitrary attributes, all stripped again anyway) and md_in_html.
    extensions = ["fenced_code", "codehilite", "sane_lists"]
    configs: dict[str, dict] = {"codehilite": {"css_class": "highlight", "guess_lang": False}}
    if not comment:
        extensions += ["tables", "footnotes", "def_list", "abbr"]
        configs["tables"] = {"use_align_attribute": True}
        configs["footnotes"] = {"SEPARATOR": f"-{footnote_tag}-"}
    # A fresh instance per call: Markdown objects keep state and are not thread-safe (~1 ms).
    md = markdown.Markdown(extensions=extensions, extension_configs=configs, output_format="html")
    for processor in md.inlinePatterns:
        if isinstance(processor, LinkInlineProcessor):
            processor.getText = partial(_link_text, processor.getText)
            processor.getLink = partial(_link_destination, processor)
    if "table" in md.parser.blockprocessors:
        table = md.parser.blockprocessors["table"]
        table.test = partial(_table_test, table.test)
    return md


def _table_test(test, parent, block: str) -> bool:
    """The tables extension's test, asked only of a block whose first line holds a pipe.

    Its test splits the whole block into lines before looking at the first two, and the block parser asks it
    again after each paragraph it takes off the block: a 60,000-character block of short lines cost a quarter of
    a second in tests alone (the take-down drill's previews). A first line without a pipe is never a table header
    (the test would answer False), so the answer is the same.
    """
    end = block.find("\n")
    return "|" in (block if end < 0 else block[:end]) and test(parent, block)


# Python-Markdown scans a link's "[text]" and "(destination 'title')" character by character in
# Python, and a scan that finds no end runs to the end of the paragraph: for every "[" or "](",
# "[a](" * 15000 took minutes, and even links that succeed scan to the end when their destination
# holds a quote ([a]("x) repeated). No real link text or destination is this long, so the scans
# see a window of the text (indices unchanged), and a destination is handed to Python-Markdown's
# own scan only when its closing parenthesis is found first, at C speed.


def _link_text(get_text: Callable[[str, int], tuple], data: str, index: int) -> tuple:
    return get_text(data[: index + _MAX_LINK_TEXT], index)


def _link_destination(processor: LinkInlineProcessor, data: str, index: int) -> tuple:
    angle = processor.RE_LINK.match(data, index)
    if angle is not None and angle.group(1):  # (<url> "title"): one regular expression, no scan
        return LinkInlineProcessor.getLink(processor, data, index)
    destination = _LINK_DESTINATION_RE.match(data, index, index + _MAX_LINK_DESTINATION)
    if destination is None:
        return "", None, index, False
    return LinkInlineProcessor.getLink(processor, data[: destination.end()], index)


def _plain_paragraphs(text: str) -> str:
    """The text, escaped, as paragraphs: the answer to input no real text looks like."""
    return "\n".join(f"<p>{escape(block)}</p>" for block in text.split("\n\n") if block.strip())


def _nesting_depth_exceeds(html: str, tags: frozenset[str], limit: int) -> bool:
    """Whether the elements the sanitiser keeps nest deeper than ``limit`` (a linear estimate)."""
    if html.count("<") <= limit:
        return False
    stack: list[str] = []
    open_count: dict[str, int] = {}
    for match in _TAG_RE.finditer(html):
        name = match.group(2).lower()
        if name not in tags or name in _NEVER_NESTED or match.group(0).endswith("/>"):
            continue
        if not match.group(1):
            stack.append(name)
            open_count[name] = open_count.get(name, 0) + 1
            if len(stack) > limit:
                return True
        elif open_count.get(name):
            while stack:  # a closing tag closes everything opened inside it
                top = stack.pop()
                open_count[top] -= 1
                if top == name:
                    break
    return False


def _too_many_elements(html: str, text_length: int) -> bool:
    """More than _MAX_DENSE_ELEMENTS elements, at more than one per _DENSE_CHARS characters."""
    tags = html.count("<")  # Markdown escapes the text's own "<": these are tags (open and close)
    return tags > 2 * _MAX_DENSE_ELEMENTS and tags * _DENSE_CHARS > 2 * text_length


def _drop_unsafe_elements(html: str) -> str:
    """Remove raw ``<script>``, ``<style>``… elements *with* their content.

    bleach would only strip the tags and leave the script or CSS behind as visible text. Code
    the writer shows in code spans and blocks is already escaped by Markdown, so a literal
    ``<script`` here can only be raw HTML.
    """
    if "<" not in html:
        return html
    lower = html.lower()
    finder = _Finder(lower)
    out = []
    copied = pos = 0
    while match := _DROP_WITH_CONTENT_RE.search(html, pos):
        closing = finder.find(f"</{match.group(1).lower()}", match.end())
        if closing == -1:
            pos = match.end()  # unclosed: the sanitiser strips the tag itself
            continue
        end = lower.find(">", closing)
        end = len(html) if end == -1 else end + 1
        out.append(html[copied : match.start()])
        copied = pos = end
    out.append(html[copied:])
    return "".join(out)


def _attribute_allowed(footnote_id_re: re.Pattern, tag: str, name: str, value: str) -> bool:
    if name == "class":
        classes = value.split()
        allowed = _ALLOWED_CLASSES.get(tag, frozenset())
        return bool(classes) and all(css in allowed for css in classes)
    if name in _ALLOWED_ATTRIBUTES.get(tag, ()):
        return True
    if tag in {"th", "td"} and name == "align":
        return value.lower() in _ALIGN_VALUES
    if tag == "ol" and name == "start":
        return bool(_DIGITS_RE.fullmatch(value))
    if tag == "img" and name in _IMAGE_FIXED_ATTRIBUTES:
        return value == _IMAGE_FIXED_ATTRIBUTES[name]
    if tag in {"li", "sup"} and name == "id":
        return bool(footnote_id_re.match(value))
    return False


# --- Math and citation protection -------------------------------------------------------------------


@dataclass(frozen=True)
class _Fragment:
    kind: str  # "inline" or "display" (math), "cite", or "literal" (text Markdown must not parse)
    source: str  # exactly as written: what comes back inside code
    tex: str = ""
    citations: tuple[tuple[str, Identifier | None], ...] = ()
    text: str = ""  # for literals: what the reader sees

    @property
    def delimited_tex(self) -> str:
        # Delimiters are normalised to dollars; math.js tells KaTeX about all four kinds anyway.
        return f"$${self.tex}$$" if self.kind == "display" else f"${self.tex}$"

    @property
    def attribute_value(self) -> str:
        return self.text if self.kind == "literal" else self.source


def _literal(source: str, text: str | None = None) -> _Fragment:
    return _Fragment("literal", source, text=source if text is None else text)


class _Finder:
    """``str.find`` that remembers: the scan only moves forward, so no search is repeated.

    Without it, hostile input such as thousands of unclosed ``\\(`` would rescan the rest of
    the paragraph for each one (quadratic time).
    """

    def __init__(self, text: str, end: int | None = None):
        self.text = text
        self.end = len(text) if end is None else end
        self.cache: dict[str, tuple[int, int]] = {}

    def find(self, needle: str, start: int) -> int:
        cached = self.cache.get(needle)
        if cached is not None and cached[0] <= start and (cached[1] == -1 or cached[1] >= start):
            return cached[1]
        found = self.text.find(needle, start, self.end)
        self.cache[needle] = (start, found)
        return found


class _Protector:
    """Swaps what Markdown must not parse for placeholders it leaves alone (letters and digits).

    That is math and ``\\cite{…}``, and also backslash escapes, unmatched ``[`` and unclosed
    backtick runs and fences: Python-Markdown handles those in quadratic (or worse) time, so
    a few kilobytes of them would tie up a worker for minutes. As placeholders they cost
    nothing and come back as the same text. A random marker per render means a writer cannot
    forge a placeholder.
    """

    def __init__(self, escapable: Iterable[str]):
        self.marker = f"zq{secrets.token_hex(6)}x"
        self.placeholder_re = re.compile(rf"{self.marker}(\d+)y")
        self.fragments: list[_Fragment] = []
        self.escapable = frozenset(escapable) - {"(", "["}  # \( and \[ may open math
        self.footnote_refs: dict[str, int] = {}
        self.abbreviations = 0

    def placeholder(self, fragment: _Fragment) -> str:
        self.fragments.append(fragment)
        return f"{self.marker}{len(self.fragments) - 1}y"

    def protect(self, text: str) -> str:
        edits: list[tuple[int, int, str | _Fragment]] = []
        prose_start = 0
        for fence_start, fence_end, closed in _fences(text):
            edits += self._prose_edits(text, prose_start, fence_start)
            if not closed:
                edits.append((fence_start, fence_end, _literal(text[fence_start:fence_end])))
            prose_start = fence_end  # a closed fence is a code block: left to Markdown untouched
        edits += self._prose_edits(text, prose_start, len(text))
        edits.sort(key=lambda edit: edit[0])
        return self._apply(text, edits)

    def _prose_edits(self, text: str, start: int, end: int) -> list[tuple[int, int, str | _Fragment]]:
        edits = []
        pos = start
        for match in _PARAGRAPH_BREAK_RE.finditer(text, start, end):
            edits += self._edits(text, pos, match.start())
            edits += self._block_split_edits(text, pos, match.start())
            pos = match.end()
        edits += self._edits(text, pos, end)
        edits += self._block_split_edits(text, pos, end)
        edits += _unclosed_tag_edits(text, start, end)
        # Absurdly deep list indentation or quoting costs Python-Markdown quadratic time and
        # deep recursion: such prefixes are cut to a depth no real text reaches.
        for match in _DEEP_PREFIX_RE.finditer(text, start, end):
            clamped = _clamp_prefix(match.group(0))
            if clamped != match.group(0):
                edits.append((match.start(), match.end(), clamped))
        return edits

    def _block_split_edits(self, text: str, start: int, end: int) -> list[tuple[int, int, _Fragment]]:
        """Past a sane count, lines that split a block (headings, rules, abbreviations…) stay text.

        Python-Markdown handles each such line by re-reading the rest of the block (every block
        processor searches it again): ``"a\\n-\\n" * 15000``, all setext headings in one block,
        took 36 s; footnote definitions, each followed by a line of text, 0.9 s for 16,000 characters
        and four times that for twice as many. A block (lines without a blank one) of more than
        _MAX_BLOCK_SPLITS of them is no real text. Abbreviations are also capped over the whole text:
        each one is an alternative in the regular expression run over every text.
        """
        edits = []
        for splits, match in enumerate(_BLOCK_SPLITTER_RE.finditer(text, start, end), start=1):
            abbreviation = match.group("marker").startswith("*[")
            self.abbreviations += abbreviation
            if splits > _MAX_BLOCK_SPLITS or (abbreviation and self.abbreviations > _MAX_ABBREVIATIONS):
                marker = text[match.start("marker") : match.end("marker")]
                edits.append((match.start("marker"), match.end("marker"), _literal(marker)))
        return edits

    def _apply(self, text: str, edits: list[tuple[int, int, str | _Fragment]]) -> str:
        out = []
        copied = 0
        pending: list[_Fragment] = []  # adjacent literals share one placeholder
        for start, end, replacement in edits:
            if start < copied:
                continue  # inside an earlier edit (a clamped prefix within multi-line math)
            if pending and start != copied:
                out.append(self._placeholder_for(pending))
                pending = []
            out.append(text[copied:start])
            if isinstance(replacement, _Fragment) and replacement.kind == "literal":
                pending.append(replacement)
            else:
                if pending:
                    out.append(self._placeholder_for(pending))
                    pending = []
                out.append(replacement if isinstance(replacement, str) else self.placeholder(replacement))
            copied = end
        if pending:
            out.append(self._placeholder_for(pending))
        out.append(text[copied:])
        return "".join(out)

    def _placeholder_for(self, literals: list[_Fragment]) -> str:
        if len(literals) == 1:
            return self.placeholder(literals[0])
        return self.placeholder(_literal("".join(f.source for f in literals), "".join(f.text for f in literals)))

    def _edits(self, text: str, start: int, end: int) -> list[tuple[int, int, str | _Fragment]]:
        """What to replace in the paragraph ``text[start:end]``, in order, never overlapping."""
        edits: list[tuple[int, int, str | _Fragment]] = []
        brackets: list[int] = []  # open "[" not matched yet
        pos = start
        finder = _Finder(text, end)
        ticks: dict[int, list[int]] | None = None
        while (match := _SPECIAL_CHAR_RE.search(text, pos, end)) is not None:
            i = match.start()
            char = text[i]
            pos = i + 1
            if char == "[":
                brackets.append(i)
            elif char == "]":
                if brackets:
                    opening = brackets.pop()
                    if len(brackets) >= _MAX_BRACKET_DEPTH:
                        # Deeper nesting than any real text: plain brackets (see the class docstring).
                        edits += [(opening, opening + 1, _literal("[")), (i, i + 1, _literal("]"))]
                    elif text.startswith("[^", opening) and not _footnote_definition(text, opening, i):
                        # Python-Markdown numbers repeated references to one footnote in time
                        # quadratic in their number; past a sane count they stay text.
                        label = text[opening + 2 : i]
                        self.footnote_refs[label] = self.footnote_refs.get(label, 0) + 1
                        if self.footnote_refs[label] > _MAX_FOOTNOTE_REFS:
                            edits.append((opening, opening + 1, _literal("[")))
            elif char == "\\":
                follower = text[i + 1 : i + 2] if i + 1 < end else ""
                pos = i + 2
                if follower in ("(", "["):
                    closer = "\\)" if follower == "(" else "\\]"
                    j = finder.find(closer, i + 2)
                    if j != -1 and text[i + 2 : j].strip():
                        kind = "inline" if follower == "(" else "display"
                        edits.append((i, j + 2, self._math(kind, text, i, j + 2, text[i + 2 : j])))
                        pos = j + 2
                    else:
                        edits.append((i, i + 2, _literal(text[i : i + 2], follower)))
                elif follower == "$":
                    # Python-Markdown has no \$ escape: this is how a writer types a plain dollar.
                    edits.append((i, i + 2, "$"))
                elif follower in self.escapable:
                    edits.append((i, i + 2, _literal(text[i : i + 2], follower)))
                elif text.startswith("\\cite{", i):
                    cite = _CITE_RE.match(text, i, end)
                    if cite and (fragment := _citation(cite.group(0), cite.group(1))):
                        edits.append((i, cite.end(), fragment))
                        pos = cite.end()
            elif char == "`":
                run_end = i + 1
                while run_end < end and text[run_end] == "`":
                    run_end += 1
                if ticks is None:
                    ticks = {}
                    for run in _BACKTICKS_RE.finditer(text, start, end):
                        ticks.setdefault(len(run.group(0)), []).append(run.start())
                length = run_end - i
                starts = ticks.get(length, [])
                k = bisect.bisect_right(starts, i)
                if k < len(starts):
                    # A code span runs to the next run of exactly as many backticks: skip it whole.
                    pos = starts[k] + length
                else:
                    edits.append((i, run_end, _literal(text[i:run_end])))
                    pos = run_end
            elif text.startswith("$$", i):
                j = finder.find("$$", i + 2)
                pos = i + 2
                if j != -1 and text[i + 2 : j].strip():
                    edits.append((i, j + 2, self._math("display", text, i, j + 2, text[i + 2 : j])))
                    pos = j + 2
            else:
                j = _inline_dollar_end(text, i, end)
                if j != -1:
                    edits.append((i, j + 1, self._math("inline", text, i, j + 1, text[i + 1 : j])))
                    pos = j + 1
        edits += [(b, b + 1, _literal("[")) for b in brackets]  # never closed
        return edits

    def _math(self, kind: str, text: str, start: int, end: int, tex: str) -> _Fragment:
        if "\n" in tex:
            # Inside a blockquote, continuation lines of a formula start with ">" markers that
            # belong to Markdown, not to TeX.
            line_start = text.rfind("\n", 0, start) + 1
            if _QUOTE_PREFIX_RE.match(text, line_start):
                tex = _QUOTE_CONTINUATION_RE.sub("\n", tex)
        return _Fragment(kind, text[start:end], tex=tex)


def _footnote_definition(text: str, opening: int, closing: int) -> bool:
    """Whether ``text[opening:closing + 1]`` (``[^label]``) starts a footnote's definition: followed by ":" and first
    on its line (after indentation or quote markers). Elsewhere ``[^label]:`` is a reference followed by a colon:
    ``"[^1]: ]" * 2300`` on one line were 2,300 references, 3 s of Python-Markdown's numbering, never capped."""
    if not text.startswith(":", closing + 1):
        return False
    line_start = text.rfind("\n", 0, opening) + 1
    return not text[line_start:opening].strip(" \t>")


def _unclosed_tag_edits(text: str, start: int, end: int) -> list[tuple[int, int, _Fragment]]:
    """A ``<`` that opens a tag, but meets another ``<`` before any ``>``, is plain text.

    Python's HTML parser (which Python-Markdown runs over the whole text) reads each such tag to
    the end of the text looking for its ``>``: ``"<a " * 15000`` took minutes. No tag can hold a
    ``<`` outside a quoted attribute, and Python-Markdown shows these as text anyway. Comments
    (``<!--``) are found by their own, linear, search.
    """
    edits = []
    closers = _Finder(text, end)
    pos = start
    while (i := text.find("<", pos, end)) != -1:
        pos = i + 1
        if not _TAG_START_RE.match(text, i) or text.startswith("<!--", i):
            continue
        closer = closers.find(">", i + 1)
        following = text.find("<", i + 1, end if closer == -1 else closer)
        if closer == -1 or following != -1:
            edits.append((i, i + 1, _literal("<")))
    return edits


def _clamp_prefix(prefix: str) -> str:
    kept = []
    quotes = width = 0
    for char in prefix:
        if char == ">":
            if quotes < _MAX_QUOTE_DEPTH:
                kept.append(char)
                quotes += 1
        else:
            step = 4 if char == "\t" else 1
            if width + step <= _MAX_PREFIX_WIDTH:
                kept.append(char)
                width += step
    return "".join(kept)


def _fences(text: str) -> Iterator[tuple[int, int, bool]]:
    """Fenced code blocks as Python-Markdown sees them, in one pass: (start, end, closed).

    Python-Markdown's own pattern backtracks over every fence-like line to the end of the
    text; here each line is looked at once. Unclosed fence lines come back with closed=False
    and just the fence run as (start, end), so the caller can make them plain text.
    """
    if "```" not in text and "~~~" not in text:
        return
    lines = []
    offset = 0
    for line in text.split("\n"):
        lines.append((offset, offset + len(line)))
        offset += len(line) + 1
    closers: dict[str, list[int]] = {}
    for n, (a, b) in enumerate(lines):
        if _FENCE_CLOSE_RE.fullmatch(text, a, b):
            closers.setdefault(text[a:b].rstrip(" "), []).append(n)
    n = 0
    while n < len(lines):
        a, b = lines[n]
        opening = _FENCE_OPEN_RE.fullmatch(text, a, b)
        if opening is None:
            n += 1
            continue
        candidates = closers.get(opening.group("fence"), [])
        k = bisect.bisect_right(candidates, n)
        if k < len(candidates):
            close = candidates[k]
            yield a, lines[close][1], True
            n = close + 1
        else:
            yield a, a + len(opening.group("fence")), False
            n += 1


def _inline_dollar_end(text: str, start: int, end: int) -> int:
    """Index of the ``$`` closing inline math opened at ``start``, or -1 if this is no math.

    Pandoc's rules, which keep prices apart from formulas (``$5 and $10``): no space after the
    opening dollar or before the closing one, and no digit right after the closing one. A
    formula never contains a backtick, so a dollar in a later code span cannot close it.
    """
    follower = text[start + 1 : start + 2] if start + 1 < end else ""
    if not follower or follower.isspace():
        return -1
    j = start
    while True:
        j = text.find("$", j + 1, end)
        if j == -1:
            return -1
        backslashes = 0
        while text[j - 1 - backslashes] == "\\":
            backslashes += 1
        if backslashes % 2 == 0:
            break
    if text[j - 1].isspace() or text[j + 1 : min(j + 2, end)].isdigit() or "`" in text[start:j]:
        return -1
    return j


def _citation(source: str, keys: str) -> _Fragment | None:
    citations = tuple((key, parse_identifier(key)) for key in (k.strip() for k in keys.split(",")) if key)
    if not any(identifier for _, identifier in citations):
        # Nothing recognisable (a BibTeX key, say): leave the writer's text as it is.
        return None
    return _Fragment("cite", source, citations=citations)


# --- Paper look-up ----------------------------------------------------------------------------------


def _fallback_url(identifier: Identifier) -> str:
    if identifier.kind == "arxiv":
        version = f"v{identifier.version}" if identifier.version else ""
        return f"https://arxiv.org/abs/{identifier.value}{version}"
    if identifier.kind == "doi":
        return f"https://doi.org/{quote(identifier.value, safe='/:;()._-')}"
    return f"https://dblp.org/rec/{quote(identifier.value, safe='/._-')}"


def _citation_label(identifier: Identifier) -> str:
    prefix = {"arxiv": "arXiv", "doi": "doi", "dblp": "dblp"}[identifier.kind]
    version = f"v{identifier.version}" if identifier.version else ""
    return f"[{prefix}:{identifier.value}{version}]"


def _local_media_prefix() -> str | None:
    """MEDIA_URL when it is a path on this site (uploaded images), if Django is configured."""
    from django.conf import settings

    media_url = settings.MEDIA_URL if settings.configured else None
    if media_url and media_url.startswith("/") and not media_url.startswith("//"):
        return media_url
    return None


def _embeddable_image(url: str) -> tuple[str, str] | None:
    """(src, alt) for a bare http(s) URL of an image file, or None.

    ``http:`` is upgraded to ``https:``, as browsers do for images on an https page anyway:
    images are only ever shown from https (see ``render_markdown``). The alt text is the file
    name, which is all we know about the picture.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if not parts.path.lower().endswith(_IMAGE_EXTENSIONS):
        return None
    name = unquote(parts.path.rsplit("/", 1)[-1]).rsplit(".", 1)[0]
    alt = _FILE_NAME_SEPARATORS_RE.sub(" ", name).strip()[:100] or "image"
    return urlunsplit(("https", *parts[1:])), alt


def _video(url: str) -> tuple[str, str] | None:
    """(provider, video id) for a bare YouTube or Vimeo URL, or None."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    if parts.scheme.lower() not in ("http", "https"):
        return None
    if host in _YOUTUBE_HOSTS:
        if parts.path.rstrip("/") == "/watch":
            video_ids = parse_qs(parts.query).get("v", [])
            if video_ids and _YOUTUBE_ID_RE.fullmatch(video_ids[0]):
                return "YouTube", video_ids[0]
            return None
        match = _YOUTUBE_PATH_RE.fullmatch(parts.path)
        return ("YouTube", match.group(1)) if match else None
    if host == "youtu.be":
        match = _YOUTUBE_ID_RE.fullmatch(parts.path.strip("/"))
        return ("YouTube", match.group(0)) if match else None
    if host == "vimeo.com" or host == "player.vimeo.com":
        match = _VIMEO_PATH_RE.fullmatch(parts.path)
        return ("Vimeo", match.group(1)) if match else None
    return None


def _is_safe_url(value: str) -> bool:
    scheme = _URL_SCHEME_RE.match(_URL_IGNORED_CHARS_RE.sub("", value))
    return scheme is None or scheme.group(1).lower() in PROTOCOLS


# --- Post-filter ------------------------------------------------------------------------------------


@dataclass
class _Context:
    fragments: list[_Fragment]
    placeholder_re: re.Pattern
    marker: str
    heading_offset: int
    headings_as_bold: bool
    allow_images: bool
    resolve_papers: Resolver | None
    site_urls: dict[tuple[str, str], str] = field(default_factory=dict)

    def fragment(self, match: re.Match) -> _Fragment | None:
        index = int(match.group(1))
        return self.fragments[index] if index < len(self.fragments) else None

    def restore_source(self, value: str) -> str:
        if self.marker not in value:
            return value

        def source(match: re.Match) -> str:
            fragment = self.fragment(match)
            return fragment.attribute_value if fragment else match.group(0)

        return self.placeholder_re.sub(source, value)

    def url_for(self, identifier: Identifier) -> str:
        return self.site_urls.get((identifier.kind, identifier.value)) or _fallback_url(identifier)


def _start(name: str, attrs: dict | None = None, *, empty: bool = False) -> dict:
    return {"type": "EmptyTag" if empty else "StartTag", "name": name, "namespace": None, "data": attrs or {}}


def _end(name: str) -> dict:
    return {"type": "EndTag", "name": name, "namespace": None, "data": {}}


def _text(data: str) -> dict:
    return {"type": "Characters", "data": data}


def _link(href: str, label: str, *, css: str | None = None) -> list[dict]:
    attrs = {(None, "href"): href, (None, "rel"): LINK_REL}
    if css:
        attrs[(None, "class")] = css
    return [_start("a", attrs), _text(label), _end("a")]


_TEXT_TOKENS = frozenset({"Characters", "SpaceCharacters"})
# Elements whose start or end is also the start or end of a line of the writer's text.
_LINE_BOUNDARIES = frozenset({"p", "li", "dt", "dd", "td", "th", "blockquote", "div", "br"}) | _HEADINGS


def _starts_line(tokens: list[dict], index: int) -> bool:
    """Whether only spaces stand between the token at ``index`` and the start of its line."""
    k = index - 1
    while k >= 0 and tokens[k]["type"] in _TEXT_TOKENS:
        _, newline, after = tokens[k]["data"].rpartition("\n")
        if after.strip(" \t"):
            return False
        if newline:
            return True
        k -= 1
    return k < 0 or tokens[k].get("name") in _LINE_BOUNDARIES


def _ends_line(tokens: list[dict], index: int) -> bool:
    """Whether only spaces stand between the token at ``index`` and the end of its line."""
    k = index + 1
    while k < len(tokens) and tokens[k]["type"] in _TEXT_TOKENS:
        before, newline, _ = tokens[k]["data"].partition("\n")
        if before.strip(" \t"):
            return False
        if newline:
            return True
        k += 1
    return k == len(tokens) or tokens[k].get("name") in _LINE_BOUNDARIES


class _PostFilter:
    """html5lib filter run after bleach's sanitiser; see the module docstring."""

    def __init__(self, source: Iterable[dict], *, context: _Context):
        self.source = source
        self.context = context
        self._heading_top = 1  # the writer's highest heading level, found per document
        self._previous_heading = context.heading_offset  # output level of the heading before
        self._open_headings: list[int] = []  # output levels of headings not yet closed

    def __iter__(self) -> Iterator[dict]:
        # The whole stream is buffered: bare paper links must be known before the single
        # batched look-up, and a lone display formula is recognised by looking ahead.
        tokens = list(self.source)
        self._heading_top = min(
            (int(t["name"][1]) for t in tokens if t["type"] == "StartTag" and t.get("name") in _HEADINGS),
            default=1,
        )
        bare_links = self._bare_paper_links(tokens)
        embeds = self._embeds(tokens)
        self._resolve(bare_links.values())
        raw_depth = 0  # inside <pre>/<code>: placeholders go back to the writer's text
        links: list[bool] = []  # for each open <a>: whether it was kept
        i = 0
        while i < len(tokens):
            token = tokens[i]
            kind = token["type"]
            name = token.get("name")
            if kind in ("StartTag", "EmptyTag"):
                token = self._restore_attributes(token)
            if kind in _TEXT_TOKENS:
                if self.context.marker in token["data"]:
                    yield from self._text_tokens(token["data"], raw=raw_depth > 0, in_link=bool(links))
                else:
                    yield token
            elif kind == "StartTag" and name == "p" and not raw_depth:
                lone = self._lone_display_math(tokens, i)
                if lone is None:
                    yield token
                else:
                    fragment, i = lone
                    yield _start("div", {(None, "class"): "math-display"})
                    yield _text(fragment.delimited_tex)
                    yield _end("div")
            elif name in _HEADINGS and kind in ("StartTag", "EndTag"):
                yield from self._heading(kind, name)
            elif name == "a" and kind == "StartTag" and i in embeds:
                i, replacement = embeds[i]  # continue after the link's end tag
                yield from replacement
            elif name == "a" and kind == "StartTag":
                kept = self._link_start(token, bare_links.get(i))
                links.append(kept is not None)
                if kept is not None:
                    yield kept
            elif name == "a" and kind == "EndTag":
                if not links or links.pop():
                    yield token
            elif name == "img":
                yield from self._image(token, in_link=bool(links))
            else:
                if name in ("pre", "code"):
                    raw_depth += 1 if kind == "StartTag" else -1 if kind == "EndTag" else 0
                elif name in ("li", "sup") and (None, "id") in token.get("data", {}):
                    token = self._with_attr(token, "id", _WHITESPACE_RE.sub("-", token["data"][(None, "id")]))
                yield token
            i += 1

    # Look-up -----------------------------------------------------------------------------------

    def _bare_paper_links(self, tokens: list[dict]) -> dict[int, Identifier]:
        """Links whose text is their own arXiv/DOI URL (typed bare, then linkified): index → id."""
        found = {}
        for i, token in enumerate(tokens):
            if token["type"] != "StartTag" or token["name"] != "a":
                continue
            href = token["data"].get((None, "href"), "")
            if not href.lower().startswith(("http://", "https://")):
                continue
            text = []
            for follower in tokens[i + 1 :]:
                if follower["type"] not in _TEXT_TOKENS:
                    break
                text.append(follower["data"])
            if "".join(text).strip() != href:
                continue
            identifier = parse_identifier(href)
            if identifier and identifier.kind in ("arxiv", "doi"):
                found[i] = identifier
        return found

    def _embeds(self, tokens: list[dict]) -> dict[int, tuple[int, list[dict]]]:
        """Bare image and video URLs alone on their line: link index → (its end tag's index, embed).

        Only links the linkifier made from a bare URL qualify (text == href), so code, math and a
        writer's own ``[text](url)`` never do; nor does a URL within a sentence.
        """
        found = {}
        for i, token in enumerate(tokens):
            if token["type"] != "StartTag" or token["name"] != "a":
                continue
            href = token["data"].get((None, "href"), "")
            if not href.lower().startswith(("http://", "https://")) or self.context.marker in href:
                continue  # a protected "[" or backtick in it: no plain URL
            end = i + 1
            while end < len(tokens) and tokens[end]["type"] in _TEXT_TOKENS:
                end += 1
            if end == len(tokens) or tokens[end]["type"] != "EndTag" or tokens[end]["name"] != "a":
                continue
            if "".join(t["data"] for t in tokens[i + 1 : end]).strip() != href:
                continue
            if not (_starts_line(tokens, i) and _ends_line(tokens, end)):
                continue
            try:
                image = _embeddable_image(href) if self.context.allow_images else None
                video = None if image else _video(href)
            except ValueError:  # not a URL after all (urlsplit: "Invalid IPv6 URL")
                continue
            if image is not None:
                src, alt = image
                attrs = {(None, "src"): src, (None, "alt"): alt}
                attrs.update({(None, name): value for name, value in _IMAGE_FIXED_ATTRIBUTES.items()})
                found[i] = (end, [_start("img", attrs, empty=True)])
            elif video is not None:
                provider, video_id = video
                found[i] = (end, _link(href, f"{provider} video {video_id}", css="video-link"))
        return found

    def _resolve(self, bare: Iterable[Identifier]) -> None:
        wanted: dict[tuple[str, str], Identifier] = {}
        for fragment in self.context.fragments:
            for _, identifier in fragment.citations:
                if identifier:
                    wanted.setdefault((identifier.kind, identifier.value), identifier)
        for identifier in bare:
            wanted.setdefault((identifier.kind, identifier.value), identifier)
        if wanted and self.context.resolve_papers is not None:
            # Versionless, canonical identifiers: the site has one page per paper.
            query = [Identifier(kind, value) for kind, value in wanted]
            self.context.site_urls = dict(self.context.resolve_papers(query) or {})

    # Pieces ------------------------------------------------------------------------------------

    def _text_tokens(self, data: str, *, raw: bool, in_link: bool) -> Iterator[dict]:
        pos = 0
        for match in self.context.placeholder_re.finditer(data):
            if match.start() > pos:
                yield _text(data[pos : match.start()])
            pos = match.end()
            fragment = self.context.fragment(match)
            if fragment is None:
                yield _text(match.group(0))
            elif raw:
                yield _text(fragment.source)
            elif fragment.kind == "literal":
                yield _text(fragment.text)
            elif fragment.kind == "cite":
                yield from self._citation(fragment, in_link=in_link)
            else:
                css = "math-inline" if fragment.kind == "inline" else "math-display"
                yield _start("span", {(None, "class"): css})
                yield _text(fragment.delimited_tex)
                yield _end("span")
        if pos < len(data):
            yield _text(data[pos:])

    def _citation(self, fragment: _Fragment, *, in_link: bool) -> Iterator[dict]:
        for n, (key, identifier) in enumerate(fragment.citations):
            if n:
                yield _text(", ")
            if identifier is None:
                yield _text(f"[{key}]")
            elif in_link:  # links do not nest
                yield _text(_citation_label(identifier))
            else:
                yield from _link(self.context.url_for(identifier), _citation_label(identifier), css="citation")

    def _lone_display_math(self, tokens: list[dict], start: int) -> tuple[_Fragment, int] | None:
        """A paragraph that is nothing but one display formula: (fragment, index of its </p>)."""
        text = []
        j = start + 1
        while j < len(tokens) and tokens[j]["type"] in _TEXT_TOKENS:
            text.append(tokens[j]["data"])
            j += 1
        if j == len(tokens) or tokens[j]["type"] != "EndTag" or tokens[j]["name"] != "p":
            return None
        match = self.context.placeholder_re.fullmatch("".join(text).strip())
        fragment = self.context.fragment(match) if match else None
        if fragment is None or fragment.kind != "display":
            return None
        return fragment, j

    def _heading(self, kind: str, name: str) -> Iterator[dict]:
        if self.context.headings_as_bold:
            if kind == "StartTag":
                yield _start("p")
                yield _start("strong")
            else:
                yield _end("strong")
                yield _end("p")
            return
        if kind == "EndTag":
            yield _end(f"h{self._open_headings.pop() if self._open_headings else self._previous_heading}")
            return
        # The writer's top level (often "##") sits just below the page's heading, and a heading is never more
        # than one level deeper than the one before it: the page's outline skips no level.
        wanted = int(name[1]) - self._heading_top + 1 + self.context.heading_offset
        level = max(1, min(6, wanted, self._previous_heading + 1))
        self._previous_heading = level
        self._open_headings.append(level)
        yield _start(f"h{level}")

    def _link_start(self, token: dict, bare_identifier: Identifier | None) -> dict | None:
        href = token["data"].get((None, "href"))
        if not href:
            return None  # e.g. a javascript: link whose href the sanitiser removed
        if bare_identifier is not None:
            href = self.context.site_urls.get((bare_identifier.kind, bare_identifier.value), href)
        elif href.startswith("#fn"):
            href = _WHITESPACE_RE.sub("-", href)  # footnote labels may contain spaces
        token = self._with_attr(token, "href", href)
        return self._with_attr(token, "rel", LINK_REL)

    def _image(self, token: dict, *, in_link: bool) -> Iterator[dict]:
        attrs = token["data"]
        src = attrs.get((None, "src"), "")
        alt = attrs.get((None, "alt"), "")
        local = _local_media_prefix()
        if self.context.allow_images and (src.startswith("https://") or (local and src.startswith(local))):
            kept = {key: attrs[key] for key in attrs if key[1] in ("src", "alt", "title")}
            kept.update({(None, name): value for name, value in _IMAGE_FIXED_ATTRIBUTES.items()})
            yield _start("img", kept, empty=True)
        elif src.lower().startswith(("http://", "https://", "/")) and not src.startswith("//") and not in_link:
            yield from _link(src, alt or src)
        elif alt:
            yield _text(alt)

    def _restore_attributes(self, token: dict) -> dict:
        data = token.get("data") or {}
        if not any(self.context.marker in value for value in data.values()):
            return token
        restored = {}
        for key, value in data.items():
            value = self.context.restore_source(value)
            if key[1] in ("href", "src") and not _is_safe_url(value):
                continue
            restored[key] = value
        return {**token, "data": restored}

    @staticmethod
    def _with_attr(token: dict, name: str, value: str) -> dict:
        return {**token, "data": {**token["data"], (None, name): value}}
