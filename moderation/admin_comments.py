"""The admin of comments, with the moderation actions on them (registered by moderation/admin.py)."""

from django.contrib import admin
from django.contrib.postgres.search import SearchQuery
from django.utils.text import Truncator

from comments.models import BODY_VECTOR, Comment
from moderation import actions
from moderation.admin_tools import ModerationAdminMixin, Operation, rendered_preview
from papers.admin_filters import VenueFilter
from shortscience.lib.admin import BigTableAdminMixin, WriterFilter, admin_link
from shortscience.lib.numbers import ascii_int


class CommentVenueFilter(VenueFilter):
    field = "summary__paper__venue"


# Admin search lists at most this many comments matching the words, plus as many by the named member.
SEARCH_CAP = 1000


def _is(*states):
    return lambda obj: obj.state in states


@admin.register(Comment)
class CommentAdmin(BigTableAdminMixin, ModerationAdminMixin, admin.ModelAdmin):
    list_display = ["excerpt", "writer", "on_summary", "state", "created_at", "deleted_at"]
    list_filter = ["state", "created_at", ("deleted_at", admin.EmptyFieldListFilter), WriterFilter, CommentVenueFilter]
    list_select_related = ["writer", "summary", "summary__paper"]
    # Searched by get_search_results below (the box only appears when search_fields is set).
    search_fields = ["body"]
    search_help_text = "A comment number, @username for a member's comments, or words from the comments."
    raw_id_fields = ["summary", "writer", "parent"]
    readonly_fields = ["state", "body_preview", "created_at", "updated_at"]
    list_per_page = 50
    # Newest first by primary key (insertion order, indexed); the model's own order is oldest first.
    ordering = ["-id"]

    moderation_operations = {
        "hide": Operation("Hide", actions.hide, _is(Comment.State.VISIBLE)),
        "spam": Operation("Mark as spam", actions.mark_spam, _is(Comment.State.VISIBLE, Comment.State.HIDDEN)),
        "unhide": Operation("Unhide", actions.unhide, _is(Comment.State.HIDDEN)),
        "restore": Operation("Not spam: restore", actions.restore, _is(Comment.State.SPAM)),
    }

    @admin.display(description="comment")
    def excerpt(self, obj):
        return Truncator(obj.body).chars(90)

    @admin.display(description="on summary")
    def on_summary(self, obj):
        return admin_link(obj.summary, Truncator(obj.summary.paper.title).chars(60))

    @admin.display(description="as readers see it")
    def body_preview(self, obj):
        return rendered_preview(obj)

    def get_search_results(self, request, queryset, search_term):
        """A number finds that comment; ``@name`` that member's comments; anything else the comments with those
        words (``comment_body_search_idx``) and the comments of a member with exactly that username — never
        ``ILIKE '%…%'`` over every comment."""
        term = search_term.strip()
        if not term:
            return queryset, False
        pk = ascii_int(term)
        if pk is not None:
            return queryset.filter(pk=pk), False
        if term.startswith("@"):
            return queryset.filter(writer__username=term[1:]), False
        words = SearchQuery(term, config="simple", search_type="websearch")
        # Each side capped and unordered, so a common word stops after SEARCH_CAP index matches instead of
        # sorting all of them (a common word then lists some matches: refine the search for the others).
        by_words = Comment.objects.annotate(text=BODY_VECTOR).filter(text=words).order_by().values("pk")
        by_writer = Comment.objects.filter(writer__username=term).order_by().values("pk")
        matches = by_words[:SEARCH_CAP].union(by_writer[:SEARCH_CAP])
        return queryset.filter(pk__in=matches), False

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["summary", "writer", "parent", "body", "deleted_at"]
        return fields
