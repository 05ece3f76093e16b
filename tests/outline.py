"""The heading outline of a rendered page, for tests: exactly one <h1>, first, and no skipped level.

``outline_problems(html)`` lists what is wrong (empty when the outline is sound), so a failing assertion
names the heading at fault: ``assert not outline_problems(html), url``.
"""

from __future__ import annotations

from html.parser import HTMLParser
from itertools import pairwise

HEADING_TAGS = {f"h{level}": level for level in range(1, 7)}


class _HeadingParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.headings: list[tuple[int, str]] = []
        self._open: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in HEADING_TAGS:
            self.headings.append((HEADING_TAGS[tag], ""))
            self._open = []

    def handle_endtag(self, tag):
        if tag in HEADING_TAGS and self._open is not None:
            level, _ = self.headings[-1]
            self.headings[-1] = (level, " ".join("".join(self._open).split()))
            self._open = None

    def handle_data(self, data):
        if self._open is not None:
            self._open.append(data)


def headings(html: str) -> list[tuple[int, str]]:
    """(level, text) of every <h1>…<h6> in document order."""
    parser = _HeadingParser()
    parser.feed(html)
    parser.close()
    return parser.headings


def outline_problems(html: str) -> list[str]:
    found = headings(html)
    problems = []
    h1_count = sum(1 for level, _ in found if level == 1)
    if h1_count != 1:
        problems.append(f"{h1_count} <h1> elements instead of one")
    if found and found[0][0] != 1:
        problems.append(f"the first heading is <h{found[0][0]}> {found[0][1]!r}, not the <h1>")
    for (previous, previous_text), (level, text) in pairwise(found):
        if level > previous + 1:
            problems.append(f"<h{previous}> {previous_text!r} is followed by <h{level}> {text!r}: a level is skipped")
    return problems
