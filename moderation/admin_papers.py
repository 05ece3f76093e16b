"""The admin of venues, authors and papers, with merging and unmerging (registered by moderation/admin.py)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.postgres.forms import SimpleArrayField
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, F, Prefetch, Q
from django.db.models.functions import Lower
from django.template.response import TemplateResponse

from accounts.permissions import can_merge_papers
from moderation import actions
from moderation.actions import unmerge_papers  # by name: `actions` is also a ModelAdmin attribute
from moderation.admin_tools import ModerationAdminMixin, Operation
from moderation.merging import MergeError, identifier_conflicts
from papers.admin_filters import VenueFilter
from papers.models import LIST_DEFERRED, Author, Category, Paper, PaperAuthor, Venue
from papers.vectors import SEARCH_CANDIDATES, build_query, clean_query_text
from shortscience.lib.admin import BigTableAdminMixin, InputFilter
from shortscience.lib.identifiers import parse_identifier
from shortscience.lib.numbers import ascii_int


class YearFilter(InputFilter):
    """A text box, not one link per year: listing the years would read every paper."""

    title = "year"
    parameter_name = "year"

    def queryset(self, request, queryset):
        year = ascii_int((self.value() or "").strip())
        return queryset.filter(year=year) if year is not None else queryset


@admin.register(Venue)
class VenueAdmin(ModerationAdminMixin, admin.ModelAdmin):
    list_display = ["name", "acronym", "kind", "dblp_key", "paper_count", "summary_count"]
    list_filter = ["kind"]
    search_fields = ["name", "acronym", "dblp_key"]
    readonly_fields = ["paper_count", "summary_count"]
    prepopulated_fields = {"slug": ["acronym"]}
    show_full_result_count = False


@admin.register(Author)
class AuthorAdmin(BigTableAdminMixin, ModerationAdminMixin, admin.ModelAdmin):
    list_display = ["name", "orcid", "slug"]
    search_fields = ["name", "orcid"]
    # lower(name) is indexed (author_name_lower_idx); plain name is not.
    ordering = [Lower("name")]


class PaperAuthorForm(forms.ModelForm):
    """An author's place as a 1-based "order" number; positions are renumbered 0..n-1 on save.

    ``position`` itself is not a form field, so reordering (swapping two authors) never trips the
    (paper, position) unique constraint during validation; PaperAdmin.save_formset writes the new order.
    """

    order = forms.IntegerField(min_value=1, max_value=999, help_text="1 = first author")
    # Affiliations often contain commas ("University of California, Berkeley"): separated by semicolons.
    affiliations = SimpleArrayField(
        forms.CharField(max_length=300),
        delimiter=";",
        required=False,
        help_text="On this paper, in order, separated by semicolons.",
    )

    class Meta:
        model = PaperAuthor
        fields = ["author", "affiliations"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["order"].initial = self.instance.position + 1


class PaperAuthorInline(admin.TabularInline):
    model = PaperAuthor
    form = PaperAuthorForm
    fields = ["order", "author", "affiliations"]
    extra = 1
    autocomplete_fields = ["author"]
    ordering = ["position"]


def conflicts_among(papers) -> list[tuple[Paper, Paper, str, str, str]]:
    """Every pair of ``papers`` whose identifiers conflict: (a, b, field, a's value, b's value)."""
    papers = list(papers)
    return [
        (a, b, field, left, right)
        for i, a in enumerate(papers)
        for b in papers[i + 1 :]
        for field, left, right in identifier_conflicts(a, b)
    ]


class MergeForm(forms.Form):
    keep = forms.ModelChoiceField(
        queryset=Paper.objects.none(), widget=forms.RadioSelect, label="Paper to keep", empty_label=None
    )
    reason = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))
    override = forms.BooleanField(
        required=False,
        label="Their identifiers differ, and I am sure they are the same paper",
        help_text="Say why in the reason: it is recorded in the audit trail.",
    )

    def __init__(self, *args, papers, conflicts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].queryset = papers
        self.conflicts = conflicts

    def clean(self):
        cleaned = super().clean()
        if self.conflicts and not cleaned.get("override"):
            raise forms.ValidationError(
                "These papers have different identifiers, so they are probably different papers. Unselect the "
                "wrong ones, or tick the override and give a reason."
            )
        return cleaned


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """arXiv's taxonomy (loaded by a migration from papers/data/arxiv_taxonomy.json): names are editable."""

    list_display = ["code", "name", "name_zh", "group", "paper_count"]
    list_filter = ["group"]
    search_fields = ["code", "name", "name_zh"]
    readonly_fields = ["code", "paper_count"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Paper)
class PaperAdmin(BigTableAdminMixin, ModerationAdminMixin, admin.ModelAdmin):
    list_display = ["title", "venue", "year", "arxiv_id", "doi", "summary_count", "created_at", "merged_into"]
    list_filter = [
        VenueFilter,
        "venue__kind",
        YearFilter,
        "source",
        ("merged_into", admin.EmptyFieldListFilter),
        "created_at",
    ]
    list_select_related = ["venue", "merged_into"]
    changelist_deferred = tuple(f"{prefix}{name}" for prefix in ("", "merged_into__") for name in LIST_DEFERRED)
    search_fields = ["title", "=arxiv_id", "=doi", "=dblp_key", "=slug"]
    autocomplete_fields = ["venue", "added_by", "primary_category"]
    readonly_fields = [
        "summary_count",
        "last_summary_at",
        "merged_into",
        "created_at",
        "updated_at",
        "arxiv_versions",
        "arxiv_updated_on",
    ]
    fieldsets = [
        (None, {"fields": ["title", "slug", "abstract", "keywords"]}),
        ("Publication", {"fields": ["venue", "year", "published_on"]}),
        ("Identifiers and links", {"fields": ["arxiv_id", "arxiv_version", "doi", "dblp_key", "url", "pdf_url"]}),
        (
            "arXiv",
            {
                "fields": [
                    "primary_category",
                    "journal_ref",
                    "license",
                    "arxiv_comments",
                    "arxiv_state",
                    "announced_on",
                    "arxiv_updated_on",
                    "arxiv_versions",
                    "locked_fields",
                ],
                "description": "A field edited here is added to “locked fields”: the arXiv harvest no longer "
                "changes it. Remove a name from the list to let the harvest update that field again.",
            },
        ),
        (
            "Record",
            {
                "fields": [
                    "source",
                    "added_by",
                    "merged_into",
                    "summary_count",
                    "last_summary_at",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]
    inlines = [PaperAuthorInline]
    list_per_page = 50
    actions = ["merge_papers"]

    moderation_operations = {
        # An admin action on merged papers and a button on a merged paper's page; both ask for a reason.
        "unmerge": Operation(
            "Unmerge (undo the merge)",
            unmerge_papers,
            lambda paper: paper.merged_into_id is not None,
            permission="merge",
        ),
    }

    def has_merge_permission(self, request, obj=None):
        return self.has_change_permission(request, obj) and can_merge_papers(request.user)

    def get_search_results(self, request, queryset, search_term):
        """An arXiv id, DOI or DBLP key finds that paper exactly; anything else searches the full-text index.

        Never ``ILIKE '%…%'`` over millions of titles. Full-text matches are capped at SEARCH_CANDIDATES
        papers (a LIMIT in the subquery also keeps PostgreSQL from walking the whole date index looking
        for a rare word); a common word then lists some matches, and the search needs refining.
        """
        term = search_term.strip()
        if not term:
            return queryset, False
        identifier = parse_identifier(term)
        if identifier is not None:
            field = {"arxiv": "arxiv_id", "doi": "doi", "dblp": "dblp_key"}[identifier.kind]
            return queryset.filter(**{field: identifier.value}), False
        query = build_query(clean_query_text(term))
        if query is None:
            return queryset.filter(slug=term), False
        matches = (
            Paper.objects.filter(Q(search_vector=query) | Q(slug=term)).order_by().values("pk")[:SEARCH_CANDIDATES]
        )
        return queryset.filter(pk__in=matches), False

    def save_model(self, request, obj, form, change):
        if change and "locked_fields" not in form.changed_data:
            obj.lock_fields(["categories" if name == "primary_category" else name for name in form.changed_data])
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is not PaperAuthor:
            return super().save_formset(request, form, formset, change)
        paper = form.instance
        if change and formset.has_changed():
            touched = {name for f in formset.forms if f.has_changed() for name in f.changed_data}
            locked = paper.lock_fields(
                (["authors"] if touched - {"affiliations"} or formset.deleted_forms else [])
                + (["affiliations"] if "affiliations" in touched else [])
            )
            if locked:
                Paper.objects.filter(pk=paper.pk).update(locked_fields=paper.locked_fields)
        formset.save(commit=False)
        rows = [
            (f.cleaned_data["order"], i, f.instance)
            for i, f in enumerate(formset.forms)
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("author")
        ]
        with transaction.atomic():
            for obj in formset.deleted_objects:
                obj.delete()
            # Move the current rows out of the way, then write 0..n-1 in the requested order.
            PaperAuthor.objects.filter(paper=paper).update(position=F("position") + 10_000)
            for position, (_, _, instance) in enumerate(sorted(rows, key=lambda r: (r[0], r[1]))):
                instance.paper = paper
                instance.position = position
                instance.save()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Authors and keywords are saved after the paper: index them too.
        form.instance.refresh_search_vector()

    @admin.action(description="Merge duplicate papers …", permissions=["merge"])
    def merge_papers(self, request, queryset):
        if not self.has_merge_permission(request):
            raise PermissionDenied
        papers = (
            queryset.live()
            .select_related("venue")
            .annotate(all_summaries=Count("summaries"))
            .prefetch_related(
                Prefetch("authorships", queryset=PaperAuthor.objects.select_related("author").order_by("position"))
            )
            .order_by("pk")
        )
        if len(papers) < 2:
            self.message_user(request, "Select at least two papers that have not been merged yet.", messages.ERROR)
            return None
        conflicts = conflicts_among(papers)
        form = MergeForm(request.POST if "apply" in request.POST else None, papers=papers, conflicts=conflicts)
        if form.is_valid():
            keep = form.cleaned_data["keep"]
            for duplicate in papers.exclude(pk=keep.pk):
                try:
                    entry = actions.merge_papers(
                        keep,
                        duplicate,
                        actor=request.user,
                        reason=form.cleaned_data["reason"],
                        allow_conflicts=form.cleaned_data["override"],
                    )
                except MergeError as error:
                    self.message_user(request, f"{duplicate}: {error}", messages.ERROR)
                    continue
                details = entry.details
                note = f"Merged “{duplicate}” into “{keep}”: {len(details['moved_summaries'])} summaries moved"
                if details["superseded_summaries"]:
                    note += (
                        f"; {len(details['superseded_summaries'])} summaries by the same writer on both papers were "
                        "superseded by the better-scored one and deleted (listed in the audit entry)"
                    )
                if details["copied_fields"]:
                    note += "; copied " + ", ".join(details["copied_fields"])
                self.message_user(request, note + ". “Unmerge” on the merged paper undoes it.", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge duplicate papers",
            "opts": self.model._meta,
            "papers": papers,
            "conflicts": conflicts,
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/papers/paper/merge.html", context)
