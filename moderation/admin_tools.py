"""Shared pieces for the moderators' admin: audited operations, reason pages, audit history, input filters.

A ``ModerationAdminMixin`` admin gets:
- ``moderation_operations``: name -> ``Operation`` (label, the ``moderation.actions`` function, when it applies,
  the permission it needs). Each becomes a changelist action (with a page asking for the reason) and a button on
  the change page (with a reason field). Everything goes through ``moderation.actions``, so it is audited.
- the object's audit trail under its change form;
- an ``EDIT`` audit entry whenever the change form itself saves changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from moderation import actions
from moderation.forms import ReasonForm
from moderation.models import AuditEntry
from shortscience.lib.estimates import planner_estimate

AUDIT_HISTORY_LIMIT = 50


@dataclass(frozen=True)
class Operation:
    label: str
    run: Callable  # run(obj, *, actor, reason) -> bool (changed?)
    applies: Callable = lambda obj: True
    permission: str = "change"  # ModelAdmin.has_<permission>_permission
    default_reason: str = ""


class ModerationAdminMixin:
    moderation_operations: dict[str, Operation] = {}
    change_form_base = "admin/change_form.html"
    change_form_template = "admin/moderation/change_form.html"

    # --- changelist actions -------------------------------------------------------------------------
    def get_actions(self, request):
        found = super().get_actions(request)
        # No hard deletes from the moderation actions: content is hidden, never destroyed.
        found.pop("delete_selected", None)
        for name, operation in self.moderation_operations.items():
            if self._allowed(request, operation):
                found[f"op_{name}"] = (self._make_action(name), f"op_{name}", operation.label + " …")
        return found

    def _allowed(self, request, operation: Operation) -> bool:
        return getattr(self, f"has_{operation.permission}_permission")(request)

    def _make_action(self, name: str):
        def action(modeladmin, request, queryset):
            return modeladmin.run_operation_on_queryset(request, queryset, name)

        action.__name__ = f"op_{name}"
        return action

    def run_operation_on_queryset(self, request, queryset, name: str):
        operation = self.moderation_operations[name]
        if not self._allowed(request, operation):
            raise PermissionDenied
        form = ReasonForm(
            request.POST if "apply" in request.POST else None, initial={"reason": operation.default_reason}
        )
        if form.is_valid():
            done = skipped = 0
            for obj in queryset:
                try:
                    changed = operation.applies(obj) and operation.run(
                        obj, actor=request.user, reason=form.cleaned_data["reason"]
                    )
                except actions.ModerationError as error:
                    self.message_user(request, f"{obj}: {error}", messages.WARNING)
                    changed = False
                done += bool(changed)
                skipped += not changed
            self.message_user(request, f"{operation.label}: {done} done, {skipped} unchanged.", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": operation.label,
            "opts": self.model._meta,
            "objects": queryset,
            "form": form,
            "action_name": f"op_{name}",
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/moderation/confirm_action.html", context)

    # --- change page buttons -------------------------------------------------------------------------
    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/moderate/<str:name>/",
                self.admin_site.admin_view(self.moderate_view),
                name=f"{opts.app_label}_{opts.model_name}_moderate",
            ),
            *super().get_urls(),
        ]

    def moderate_view(self, request, object_id, name):
        operation = self.moderation_operations.get(name)
        if operation is None or request.method != "POST":
            raise PermissionDenied
        obj = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self._allowed(request, operation) or not self.has_view_permission(request, obj):
            raise PermissionDenied
        form = ReasonForm(request.POST)
        if not form.is_valid():
            self.message_user(request, "Give a reason: it goes into the audit trail.", messages.ERROR)
        else:
            try:
                changed = operation.applies(obj) and operation.run(
                    obj, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except actions.ModerationError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                if changed:
                    self.message_user(request, f"{operation.label}: done.", messages.SUCCESS)
                else:
                    self.message_user(request, f"{operation.label}: nothing to change.", messages.WARNING)
        opts = self.model._meta
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        obj = self.get_object(request, object_id)
        if obj is not None:
            extra_context["audit_entries"] = audit_history(obj)
            extra_context["moderation_buttons"] = [
                (name, operation)
                for name, operation in self.moderation_operations.items()
                if self._allowed(request, operation) and operation.applies(obj)
            ]
            extra_context["change_form_base"] = self.change_form_base
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and form.changed_data:
            AuditEntry.record(
                actor=request.user,
                action=AuditEntry.Action.EDIT,
                obj=obj,
                reason="Changed " + ", ".join(form.changed_data),
                details={"fields": form.changed_data},
            )


ESTIMATE_THRESHOLD = 10_000


def rendered_body(obj) -> SafeString:
    """A summary's or comment's stored ``body_html``: the output of shortscience.lib.markdown, already sanitised.

    The one place the admin trusts HTML; everything else it shows is escaped.
    """
    return mark_safe(obj.body_html)


def rendered_preview(obj) -> SafeString:
    return format_html('<div class="moderation-preview">{}</div>', rendered_body(obj))


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
    """For changelists over big tables: estimated counts (no full ``COUNT(*)``), no full-count link."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False


def audit_history(obj):
    return list(
        AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
        .select_related("actor")
        .order_by("-created_at", "-id")[:AUDIT_HISTORY_LIMIT]
    )


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
    title = "writer (username)"
    parameter_name = "writer"
    field = "writer__username"

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.field: self.value().strip()})
        return queryset


class VenueFilter(InputFilter):
    title = "venue (acronym or slug)"
    parameter_name = "venue"
    field = "venue"

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        from django.db.models import Q

        return queryset.filter(
            Q(**{f"{self.field}__slug": value.lower()}) | Q(**{f"{self.field}__acronym__iexact": value})
        )
