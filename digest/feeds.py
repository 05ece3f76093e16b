"""RSS 2.0 and Atom feeds of the digest: one day's entries, and the latest entries of one category across digests.

Only published digests. Each feed runs a fixed number of queries (the feed's object, the entries, their authors
and their figures).
"""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from digest.models import DigestEntry
from digest.views_reading import get_digest_for_view, parse_day
from papers.models import Category

FEED_ITEMS = 30
DAY_FEED_MAX_ITEMS = 500
FEED_MAX_AGE = 300


class EntryFeed(Feed):
    """Base: items are digest entries; the description is the note, affiliations and abstract."""

    description_template = "digest/feed_item.html"

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        patch_cache_control(response, public=True, max_age=FEED_MAX_AGE)
        return response

    def entry_title(self, entry) -> str:
        star = " ★" if entry.starred else ""
        return f"[{entry.category.tag}]{star} {entry.paper.title}"

    def item_title(self, entry):
        # RSS readers treat titles as HTML (Django's convention: escape once more, as discovery.feeds does).
        return escape(self.entry_title(entry))

    def item_link(self, entry):
        return entry.get_absolute_url()

    def item_guid(self, entry):
        return f"digest-entry-{entry.pk}"

    item_guid_is_permalink = False

    def item_author_name(self, entry):
        names = [authorship.author.name for authorship in entry.paper.authorships.all()]
        return ", ".join(names[:3]) + (" et al." if len(names) > 3 else "")

    def item_pubdate(self, entry):
        return entry.digest.published_at or entry.created_at

    def item_updateddate(self, entry):
        return entry.updated_at

    def item_categories(self, entry):
        return [entry.category_id]


class AtomMixin:
    feed_type = Atom1Feed

    def subtitle(self, obj=None):
        return self._get_dynamic_attr("description", obj)

    def item_title(self, entry):
        return self.entry_title(entry)  # Atom titles are plain text


class DigestDayFeed(EntryFeed):
    def get_object(self, request, day):
        return get_digest_for_view(request, parse_day(day))

    def items(self, digest):
        entries = digest.entries.for_display().in_order()[:DAY_FEED_MAX_ITEMS]
        for entry in entries:
            entry.digest = digest
        return entries

    def title(self, digest):
        return f"ShortScience: {digest.display_title}"

    def description(self, digest):
        return f"The papers of the arXiv digest of {digest.date.day} {digest.date:%B %Y}, with the curators' notes."

    def link(self, digest):
        return digest.get_absolute_url()


class DigestDayAtomFeed(AtomMixin, DigestDayFeed):
    pass


class CategoryEntriesFeed(EntryFeed):
    def get_object(self, request, code):
        return get_object_or_404(Category, code=code)

    def items(self, category):
        return (
            DigestEntry.objects.published()
            .filter(category=category)
            .for_display()
            .order_by("-digest__date", "position", "pk")[:FEED_ITEMS]
        )

    def title(self, category):
        return f"ShortScience digest: {category.code} — {category.name}"

    def description(self, category):
        return f"The latest papers in {category.name} ({category.code}) picked for the daily arXiv digest."

    def link(self, category):
        return reverse("digest:latest") + f"?category={category.code}"


class CategoryEntriesAtomFeed(AtomMixin, CategoryEntriesFeed):
    pass
