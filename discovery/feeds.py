"""RSS 2.0 and Atom feeds of listed summaries: latest, one paper's, one writer's, one venue's, one keyword's.

Every item carries extra elements in the ``shortscience:`` namespace, as the old site's feed did (a Reddit
bot and mirrors read them): ``arxivid``, ``doi``, ``bibtexkey`` (arXiv id, else DOI, else DBLP key) and
``votes`` (the summary's score). Anonymous summaries are credited to "anonymous", never to their writer.
Each feed runs a fixed number of queries: the feed's object (if any) and one query for the items.
"""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from taggit.models import Tag

from accounts.models import User
from papers.models import Category, Paper, Venue
from shortscience.lib.numbers import ascii_int
from summaries.models import Summary

SHORTSCIENCE_NS = "https://shortscience.org/ns/1.0"
FEED_ITEMS = 30
FEED_MAX_AGE = 300


def shortscience_fields(summary: Summary) -> dict[str, str]:
    """The ``shortscience:`` elements of one summary (absent identifiers are left out)."""
    paper = summary.paper
    fields = {}
    if paper.arxiv_id:
        fields["arxivid"] = paper.arxiv_id
    if paper.doi:
        fields["doi"] = paper.doi
    bibtex_key = paper.arxiv_id or paper.doi or paper.dblp_key
    if bibtex_key:
        fields["bibtexkey"] = bibtex_key
    fields["votes"] = str(summary.score)
    return fields


def _add_shortscience_elements(handler, item) -> None:
    for name, value in item.get("shortscience", {}).items():
        handler.addQuickElement(f"shortscience:{name}", value)


class ShortScienceRssFeed(Rss201rev2Feed):
    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:shortscience": SHORTSCIENCE_NS}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        _add_shortscience_elements(handler, item)


class ShortScienceAtomFeed(Atom1Feed):
    def root_attributes(self):
        return {**super().root_attributes(), "xmlns:shortscience": SHORTSCIENCE_NS}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        _add_shortscience_elements(handler, item)


class SummaryFeed(Feed):
    """Base: items are listed summaries, newest first. Subclasses narrow ``summaries(obj)``."""

    feed_type = ShortScienceRssFeed

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        patch_cache_control(response, public=True, max_age=FEED_MAX_AGE)
        return response

    def summaries(self, obj):
        return Summary.objects.listed()

    def items(self, obj=None):
        return (
            self.summaries(obj)
            .select_related("paper", "writer")
            .defer("body", "search_vector", "paper__abstract", "paper__search_vector")
            .order_by("-created_at", "-id")[:FEED_ITEMS]
        )

    def item_title(self, summary):
        # RSS readers treat titles as HTML; Django's convention is to escape them once more (see #6533).
        return escape(summary.paper.title)

    def item_description(self, summary):
        # The stored, sanitised HTML; the feed generator escapes it into the XML.
        return summary.body_html

    def item_link(self, summary):
        return summary.get_absolute_url()

    def item_author_name(self, summary):
        return summary.byline

    def item_pubdate(self, summary):
        return summary.created_at

    def item_updateddate(self, summary):
        return summary.updated_at

    def item_extra_kwargs(self, summary):
        return {"shortscience": shortscience_fields(summary)}


class AtomMixin:
    feed_type = ShortScienceAtomFeed

    def subtitle(self, obj=None):
        return self._get_dynamic_attr("description", obj)

    def item_title(self, summary):
        # Atom titles are plain text: no extra escaping.
        return summary.paper.title


class LatestSummariesFeed(SummaryFeed):
    title = "ShortScience: latest summaries"
    description = "The latest public summaries of research papers on ShortScience."

    def link(self):
        return reverse("home")


class LatestSummariesAtomFeed(AtomMixin, LatestSummariesFeed):
    pass


def _paper_for_feed(slug: str) -> Paper:
    pk = ascii_int(slug)
    lookup = {"pk": pk} if pk is not None else {"slug": slug}
    paper = get_object_or_404(Paper.objects.select_related("merged_into"), **lookup)
    return paper.merged_into if paper.merged_into_id else paper


class PaperSummariesFeed(SummaryFeed):
    def get_object(self, request, slug):
        return _paper_for_feed(slug)

    def summaries(self, paper):
        return Summary.objects.listed().filter(paper=paper)

    def title(self, paper):
        return f"ShortScience: summaries of “{paper.title}”"

    def description(self, paper):
        return f"Public summaries of “{paper.title}” on ShortScience."

    def link(self, paper):
        return paper.get_absolute_url()


class PaperSummariesAtomFeed(AtomMixin, PaperSummariesFeed):
    pass


class WriterSummariesFeed(SummaryFeed):
    """A member's credited summaries: their anonymous ones are never in it."""

    def get_object(self, request, username):
        return get_object_or_404(User, username=username, is_active=True)

    def summaries(self, user):
        return Summary.objects.credited().filter(writer=user)

    def title(self, user):
        return f"ShortScience: summaries by {user.public_name}"

    def description(self, user):
        return f"Public summaries written by {user.public_name} on ShortScience."

    def link(self, user):
        return user.get_absolute_url()


class WriterSummariesAtomFeed(AtomMixin, WriterSummariesFeed):
    pass


class VenueSummariesFeed(SummaryFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Venue, slug=slug)

    def summaries(self, venue):
        return Summary.objects.listed().filter(paper__venue=venue)

    def title(self, venue):
        return f"ShortScience: summaries of papers from {venue.name}"

    def description(self, venue):
        return f"Public summaries of papers published in {venue.name}."

    def link(self, venue):
        return venue.get_absolute_url()


class VenueSummariesAtomFeed(AtomMixin, VenueSummariesFeed):
    pass


class KeywordSummariesFeed(SummaryFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Tag, slug=slug)

    def summaries(self, keyword):
        return Summary.objects.listed().filter(paper__keywords=keyword)

    def title(self, keyword):
        return f"ShortScience: summaries of papers tagged “{keyword.name}”"

    def description(self, keyword):
        return f"Public summaries of papers tagged “{keyword.name}” on ShortScience."

    def link(self, keyword):
        return reverse("papers:keyword", args=[keyword.slug])


class KeywordSummariesAtomFeed(AtomMixin, KeywordSummariesFeed):
    pass


class CategoryPapersFeed(Feed):
    """The newest papers of an arXiv category (primary or cross-listed), newest announcement first."""

    feed_type = ShortScienceRssFeed

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        patch_cache_control(response, public=True, max_age=FEED_MAX_AGE)
        return response

    def get_object(self, request, code):
        return get_object_or_404(Category, code=code)

    def title(self, category):
        return f"ShortScience: new papers in {category.code} ({category.name})"

    def link(self, category):
        return category.get_absolute_url()

    def description(self, category):
        return f"The newest papers arXiv listed in {category.name} ({category.code})."

    def items(self, category):
        return (
            Paper.objects.live()
            .in_category(category.code)
            .defer("search_vector", "title_vector")
            .prefetch_related(None)[:FEED_ITEMS]
        )

    def item_title(self, paper):
        return escape(paper.title)

    def item_description(self, paper):
        # Plain text; the feed generator escapes it.
        return paper.abstract

    def item_link(self, paper):
        return paper.get_absolute_url()

    def item_pubdate(self, paper):
        return paper.created_at

    def item_updateddate(self, paper):
        return paper.updated_at

    def item_extra_kwargs(self, paper):
        fields = {}
        if paper.arxiv_id:
            fields["arxivid"] = paper.arxiv_id
            fields["bibtexkey"] = paper.arxiv_id
        if paper.doi:
            fields["doi"] = paper.doi
        return {"shortscience": fields}


class CategoryPapersAtomFeed(AtomMixin, CategoryPapersFeed):
    def item_title(self, paper):
        return paper.title
