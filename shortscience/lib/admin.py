"""Admin tools any app's ``ModelAdmin`` can use: changelists over big tables, text-box list filters, links.

Nothing here is about moderation (that is ``moderation.admin_tools``) or imports an app.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html

from shortscience.lib.estimates import planner_estimate

ESTIMATE_THRESHOLD = 10_000


class EstimatedCountPaginator(Paginator):
    """A changelist paginator that does not ``COUNT(*)`` millions of rows.

    When the planner expects more than ``ESTIMATE_THRESHOLD`` rows, its estimate is the count (page
    links are then approximate: a page past the real end is just empty). Below that, the exact count:
    small tables, narrow filters and tests stay exact.
    """

    estimate_threshold = ESTIMATE_THRESHOLD

    @cached_property
    def count(self):
        estimate = planner_estimate(self.object_list) if hasattr(self.object_list, "query") else None
        if estimate is not None and estimate > self.estimate_threshold:
            return estimate
        return super().count


class BigTableAdminMixin:
    """For changelists over big tables: estimated counts (no full ``COUNT(*)``), no full-count link, and the big
    columns the list never shows (``changelist_deferred``: bodies, abstracts, search vectors) left unread."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    # Read for a row only if something asks for it (one query per row then): a page of 50 summaries with their
    # bodies, rendered bodies and vectors read 15 ms of mostly out-of-line storage for a list that shows none.
    changelist_deferred: tuple[str, ...] = ()

    def get_changelist(self, request, **kwargs):
        changelist = super().get_changelist(request, **kwargs)
        deferred = self.changelist_deferred
        if not deferred:
            return changelist

        class ChangeList(changelist):
            def get_queryset(self, request, exclude_parameters=None):
                return super().get_queryset(request, exclude_parameters).defer(*deferred)

        return ChangeList


class ViewerAwareAdminMixin:
    """Remembers on the object of a change page who opened it (``obj.admin_viewer``).

    Display methods get only the object, but what a private summary shows, and the audit entry for reading
    it, depend on the viewer. The object is loaded for this one request, so this is request-local.
    """

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj.admin_viewer = request.user
        return obj


def admin_link(obj, text=None):
    """A link to ``obj``'s admin change page."""
    if obj is None:
        return "—"
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, text if text is not None else str(obj))


class InputFilter(admin.SimpleListFilter):
    """A list filter with a text box (for users and venues: too many to list as links)."""

    template = "admin/moderation/input_filter.html"

    def lookups(self, request, model_admin):
        # A non-empty lookups() is what makes the admin show the filter.
        return (("", ""),)

    def choices(self, changelist):
        params = changelist.get_filters_params()
        yield {
            "query_parts": [
                (key, value)
                for key, values in params.items()
                if key != self.parameter_name
                for value in (values if isinstance(values, list) else [values])
            ],
            "value": self.value() or "",
        }


class WriterFilter(InputFilter):
    """Rows whose ``field`` (a member's username, through the model's ``writer`` by default) is the typed name."""

    title = "writer (username)"
    parameter_name = "writer"
    field = "writer__username"

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.field: self.value().strip()})
        return queryset
