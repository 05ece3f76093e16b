"""Search results as search/results.html shows them, written with ``format_html``.

``{{ fragments|highlighted:fallback }}``: a highlighted title or snippet. Each fragment (``discovery.search.Fragment``)
is plain text, escaped here by ``format_html``; hits are wrapped in ``<mark>``. A loop of template nodes did the same
through an ``{% include %}`` per title and snippet: on a search page that misses the cache (40 of them) it was a
fifth of the rendering.

``{% search_result paper %}``: one result (title, authors, venue and year, snippet, counts). As template nodes, the 20
results of a page took 2.8 of its 3.6 ms of rendering (0.14 ms each; docs/performance.md). Every value is escaped
by ``format_html``; nothing user-written is marked safe.
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html, format_html_join

register = template.Library()

# Authors a result names before "+ N more".
SHOWN_AUTHORS = 3


@register.filter
def highlighted(fragments, fallback=""):
    """The fragments as HTML, every text escaped, hits in ``<mark>``; ``fallback`` (escaped) when there are none."""
    if not fragments:
        return conditional_escape(fallback)
    return format_html_join(
        "",
        "{}",
        ((format_html("<mark>{}</mark>", fragment.text) if fragment.hit else fragment.text,) for fragment in fragments),
    )


_RESULT = (
    '<li class="search-result">\n'
    '  <h2 class="result-title"><a href="{url}">{title}</a></h2>\n'
    '  <p class="meta">{meta}</p>\n'
    "{snippet}"
    '  <p class="meta result-counts">\n'
    "    {counts}\n"
    "    {matching}\n"
    "  </p>\n"
    "</li>\n"
)
_SNIPPET = '  <p class="snippet">{}</p>\n'
_SUMMARY_SNIPPET = '  <p class="snippet"><span class="snippet-source">From a summary:</span> {}</p>\n'


@register.simple_tag
def search_result(paper):
    """One ``<li>`` of the results: ``paper`` as ``discovery.search.search_papers`` returns it (``title_fragments``,
    ``snippet``, ``snippet_summary_id``, ``author_names``, its venue selected)."""
    url = paper.get_absolute_url()
    authors = paper.author_names
    byline = ", ".join(authors[:SHOWN_AUTHORS])
    if len(authors) > SHOWN_AUTHORS:
        byline += f" + {len(authors) - SHOWN_AUTHORS} more"
    where = " · ".join(str(part) for part in (paper.venue, paper.year) if part)
    meta = " · ".join(part for part in (byline, where) if part)
    snippet = ""
    if paper.snippet:
        snippet = format_html(_SUMMARY_SNIPPET if paper.snippet_summary_id else _SNIPPET, highlighted(paper.snippet))
    if paper.summary_count:
        count = paper.summary_count
        counts = format_html(
            '<a href="{}#summaries-h">{} summar{}</a>', url, localize(count), "y" if count == 1 else "ies"
        )
    else:
        counts = "No summary yet"
    matching = ""
    if paper.snippet_summary_id:
        matching = format_html(
            '· <a href="{}">Read the matching summary</a>',
            reverse("discovery:summary", args=[paper.snippet_summary_id]),
        )
    return format_html(
        _RESULT,
        url=url,
        title=highlighted(paper.title_fragments, paper.title),
        meta=meta,
        snippet=snippet,
        counts=counts,
        matching=matching,
    )
