"""A digest entry's note and a digest's introduction: rendered by the site's one Markdown renderer, and the note's
full-text search vector (any language: CJK is split into characters and matched as phrases, as ``papers.vectors``
does for papers and summaries, so a Chinese query such as 损失景观 finds a note that says 损失景观几何).

Only ``DigestEntry.save`` and ``Digest.save`` call these: the stored HTML and vector have one writer.
"""

from __future__ import annotations

from django.db import connection

from papers.models import Paper
from papers.vectors import CJK_SQL_PATTERN, weighted_vector
from shortscience.lib.markdown import render_markdown

# An entry's title is an <h3> on the digest page: the curator's top heading level becomes <h4>.
NOTE_HEADING_OFFSET = 3

ENTRY_VECTOR_SQL = "UPDATE digest_digestentry e SET search_vector = " + weighted_vector("e.note", "A")


def render_note(text: str) -> str:
    """A note (or an introduction) as sanitised HTML; cited papers link to their pages here."""
    return render_markdown(text or "", heading_offset=NOTE_HEADING_OFFSET, resolve_papers=Paper.objects.page_urls)


def update_entry_search_vector(entry_ids=None) -> None:
    """Recompute the search vector of these entries (of every entry when ``entry_ids`` is None)."""
    with connection.cursor() as cursor:
        if entry_ids is None:
            cursor.execute(ENTRY_VECTOR_SQL, {"cjk": CJK_SQL_PATTERN})
        else:
            params = {"cjk": CJK_SQL_PATTERN, "ids": list(entry_ids)}
            cursor.execute(ENTRY_VECTOR_SQL + " WHERE e.id = ANY(%(ids)s)", params)
