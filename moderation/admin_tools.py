"""The moderators' admin: audited operations, reason pages, audit history, rendered previews.

Generic admin tools (big-table changelists, text-box filters, ``admin_link``) are in ``shortscience.lib.admin``.

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

from django.contrib import messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from moderation import actions
from moderation.forms import ReasonForm
from moderation.models import AuditEntry

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


def rendered_body(obj) -> SafeString:
    """A summary's or comment's stored ``body_html``: the output of shortscience.lib.markdown, already sanitised.

    The one place the admin trusts HTML; everything else it shows is escaped.
    """
    return mark_safe(obj.body_html)


def rendered_preview(obj) -> SafeString:
    return format_html('<div class="moderation-preview">{}</div>', rendered_body(obj))


def audit_history(obj):
    return list(
        AuditEntry.objects.for_object(obj).select_related("actor").order_by("-created_at", "-id")[:AUDIT_HISTORY_LIMIT]
    )
