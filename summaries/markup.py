"""Summaries' Markdown: the one renderer with citations linked to the cited papers' pages here.

The renderer imports no app, so the database look-up of cited papers (``Paper.objects.page_urls``, one
query however many citations) is passed in from here, for the stored ``body_html``, the editor's live
preview and a moderator's view of a revision alike.
"""

from papers.models import Paper
from shortscience.lib.markdown import render_markdown


def render_summary(text: str) -> str:
    """A summary body as sanitised HTML; cited arXiv ids, DOIs and DBLP keys link to the papers here."""
    return render_markdown(text, resolve_papers=Paper.objects.page_urls)


def markdownify(text: str) -> str:
    """django-markdownx's preview hook (``MARKDOWNX_MARKDOWNIFY_FUNCTION``): the summary renderer."""
    return render_summary(text)
