"""The admin of summaries, votes and revisions, with their moderation actions (registered by moderation/admin.py)."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.text import Truncator

from moderation import actions, privacy
from moderation.admin_tools import ModerationAdminMixin, Operation
from papers.admin_filters import VenueFilter
from papers.models import Paper
from papers.vectors import SEARCH_CANDIDATES, build_query, clean_query_text
from shortscience.lib.admin import BigTableAdminMixin, ViewerAwareAdminMixin, WriterFilter, admin_link
from summaries.models import CARD_DEFERRED, Revision, Summary, Vote

STATE_FIELDS = ["state", "is_featured", "featured_at"]
# A private summary's text and share link stay its writer's (moderation.privacy).
PRIVATE_FIELDS = {"body", "share_token"}


class RevisionInline(admin.TabularInline):
    model = Revision
    extra = 0
    fields = ["number", "editor", "created_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


class SummaryVenueFilter(VenueFilter):
    field = "paper__venue"


class DeletedFilter(admin.SimpleListFilter):
    """Deleted by their writer (or superseded by a merge): kept in the database, shown to nobody."""

    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return [("no", "Not deleted"), ("yes", "Deleted")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        return queryset


def summary_status(obj) -> str:
    """Where a summary stands, the first that applies: Deleted, Spam, Hidden, Held, Private, Public."""
    if obj.deleted_at is not None:
        status = "Deleted"
    elif obj.state == Summary.State.SPAM:
        status = "Spam"
    elif obj.state == Summary.State.HIDDEN:
        status = "Hidden"
    elif obj.state == Summary.State.PENDING:
        status = "Held for review"
    elif obj.visibility == Summary.Visibility.PRIVATE:
        status = "Private"
    else:
        status = "Public"
    extras = [label for label, on in [("anonymous", obj.is_anonymous), ("editors' pick", obj.is_featured)] if on]
    return " · ".join([status, *extras])


# Summaries on a page of the changelist, and how many a search finds by their words: two pages and one more (see
# SummaryAdmin.get_search_results).
CHANGELIST_PAGE = 50
BODY_CANDIDATES = 2 * CHANGELIST_PAGE + 1


def _is(*states):
    return lambda obj: obj.state in states


@admin.register(Summary)
class SummaryAdmin(ViewerAwareAdminMixin, BigTableAdminMixin, ModerationAdminMixin, admin.ModelAdmin):
    # Few, short columns: the list fits a 1280 px screen with the navigation sidebar open. Visibility, state,
    # deletion, anonymity and featuring are folded into "status"; each keeps its filter.
    list_display = ["paper_title", "writer", "status", "score", "created"]
    list_filter = [
        DeletedFilter,
        "state",
        "visibility",
        "is_featured",
        "is_anonymous",
        "audience",
        "created_at",
        WriterFilter,
        SummaryVenueFilter,
    ]
    list_select_related = ["paper", "writer"]
    search_fields = ["paper__title", "writer__username", "writer__email", "body"]
    autocomplete_fields = ["paper", "writer"]
    readonly_fields = [
        "status",
        "score",
        "comment_count",
        "share_token",
        "revision_number",
        "created_at",
        "updated_at",
        "body_preview",
        *STATE_FIELDS,
    ]
    inlines = [RevisionInline]
    list_per_page = CHANGELIST_PAGE
    # Newest first by primary key (insertion order): the -created_at index only covers listed summaries.
    ordering = ["-id"]
    changelist_deferred = ("body_html", *CARD_DEFERRED)

    moderation_operations = {
        "hide": Operation("Hide", actions.hide, _is(Summary.State.VISIBLE, Summary.State.PENDING)),
        "spam": Operation(
            "Mark as spam", actions.mark_spam, _is(Summary.State.VISIBLE, Summary.State.PENDING, Summary.State.HIDDEN)
        ),
        "unhide": Operation("Unhide", actions.unhide, _is(Summary.State.HIDDEN)),
        "restore": Operation("Not spam: restore", actions.restore, _is(Summary.State.SPAM)),
        "approve": Operation(
            "Approve (publish)", actions.approve, _is(Summary.State.PENDING), default_reason="Looks fine."
        ),
        "feature": Operation(
            "Feature (editors' pick)",
            actions.feature,
            lambda obj: obj.is_listed and not obj.is_featured,
            default_reason="Editors' pick.",
        ),
        "unfeature": Operation("Unfeature", actions.unfeature, lambda obj: obj.is_featured),
    }

    class Media:
        css = {"all": ["moderation/admin.css"]}

    @admin.display(description="summary of", ordering="paper__title")
    def paper_title(self, obj):
        return Truncator(obj.paper.title).chars(70)

    @admin.display(description="status")
    def status(self, obj):
        return summary_status(obj)

    @admin.display(description="created", ordering="created_at")
    def created(self, obj):
        return obj.created_at.date().isoformat()

    @admin.display(description="as readers see it")
    def body_preview(self, obj):
        viewer = getattr(obj, "admin_viewer", None)
        return format_html('<div class="moderation-preview">{}</div>', privacy.body_for_moderators(obj, viewer))

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is not None and privacy.is_private(obj):
            fields = [field for field in fields if field not in PRIVATE_FIELDS]
        return fields

    def get_search_results(self, request, queryset, search_term):
        """Summaries by the writer with exactly this username, whose body matches the full-text index, or whose
        paper's title, authors or keywords do (``title_vector``, as ``search_fields`` says: ``paper__title``).

        Never ``ILIKE '%…%'`` over a million bodies. Writers' and papers' matches are capped at SEARCH_CANDIDATES
        rows (see PaperAdmin.get_search_results), bodies at BODY_CANDIDATES: for a word in a fifth of the summaries
        ("gradient" at 2.5 M), PostgreSQL reads the table until it has them, each summary's vector out of line, and
        401 of them took 16–160 ms where 101 take 3–6 (docs/performance.md). A search for a common word then lists
        some of its matches, and needs refining.
        """
        term = search_term.strip()
        if not term:
            return queryset, False
        ids = Summary.objects.filter(writer__username=term).order_by().values_list("pk", flat=True)[:SEARCH_CANDIDATES]
        query = build_query(clean_query_text(term))
        if query is not None:
            papers = Paper.objects.filter(title_vector=query).order_by().values("pk")[:SEARCH_CANDIDATES]
            # Words of a private summary must not be findable: searching would read it word by word.
            public_bodies = Summary.objects.exclude(visibility=Summary.Visibility.PRIVATE)
            ids = ids.union(
                public_bodies.filter(search_vector=query).order_by().values_list("pk", flat=True)[:BODY_CANDIDATES],
                Summary.objects.filter(paper__in=papers).order_by().values_list("pk", flat=True)[:SEARCH_CANDIDATES],
            )
        # The candidates (at most three times SEARCH_CANDIDATES) are fetched first: as a subquery, the planner
        # walked the summaries' primary key backwards to meet them in the changelist's order (58k rows, 85 ms at
        # 100k summaries); as a list of ids it reads just those rows.
        return queryset.filter(pk__in=list(ids)), False

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Moderators act on summaries (hide, spam, feature…) but do not rewrite what members wrote.
            fields += ["writer", "body", "visibility", "is_anonymous", "share_token", "deleted_at"]
        return fields


@admin.register(Vote)
class VoteAdmin(BigTableAdminMixin, admin.ModelAdmin):
    list_display = ["user", "summary_link", "value", "created_at"]
    list_filter = ["value", "created_at"]
    list_select_related = ["user", "summary", "summary__paper"]
    # Exact matches only: a substring search would scan millions of votes.
    search_fields = ["=user__username", "=summary__id"]
    raw_id_fields = ["user", "summary"]

    @admin.display(description="summary")
    def summary_link(self, obj):
        return admin_link(obj.summary)

    def has_change_permission(self, request, obj=None):
        # Votes change only through Vote.cast (which keeps scores right).
        return False


@admin.register(Revision)
class RevisionAdmin(ViewerAwareAdminMixin, BigTableAdminMixin, admin.ModelAdmin):
    list_display = ["summary", "number", "editor", "created_at"]
    list_select_related = ["summary", "summary__paper", "editor"]
    search_fields = ["=editor__username", "=summary__id"]
    raw_id_fields = ["summary", "editor"]
    ordering = ["-id"]

    # Revisions are history: read-only, and a private summary's text only as moderation.privacy allows.
    fields = readonly_fields = ["summary", "number", "editor", "created_at", "text"]

    @admin.display(description="text")
    def text(self, obj):
        if not privacy.may_read_revision(obj):
            return privacy.PRIVATE_NOTICE
        if privacy.is_private(obj.summary):
            privacy.record_view(getattr(obj, "admin_viewer", None), obj.summary, obj.number)
        return format_html('<pre class="moderation-preview">{}</pre>', obj.body)
