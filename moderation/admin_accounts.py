"""The admin of members: profile fields, counters, and bans (registered by moderation/admin.py)."""

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from accounts.models import User
from moderation import actions as moderation
from moderation.admin_tools import ModerationAdminMixin, Operation
from moderation.forms import BanForm
from shortscience.lib.admin import BigTableAdminMixin

# Only site owners (superusers) grant rights: these stay read-only for everyone else.
OWNER_ONLY_FIELDS = ["is_superuser", "is_staff", "groups", "user_permissions"]
BAN_FIELDS = ["banned_at", "banned_until", "ban_reason"]


class BannedFilter(admin.SimpleListFilter):
    title = "ban"
    parameter_name = "banned"

    def lookups(self, request, model_admin):
        return [("yes", "Banned now"), ("expired", "Ban expired"), ("no", "Never banned")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "yes":
            return queryset.filter(banned_at__isnull=False).filter(
                Q(banned_until__isnull=True) | Q(banned_until__gt=now)
            )
        if self.value() == "expired":
            return queryset.filter(banned_at__isnull=False, banned_until__lte=now)
        if self.value() == "no":
            return queryset.filter(banned_at__isnull=True)
        return queryset


@admin.register(User)
class UserAdmin(BigTableAdminMixin, ModerationAdminMixin, DjangoUserAdmin):
    list_display = [
        "username",
        "email",
        "display_name",
        "affiliation",
        "summary_count",
        "total_score",
        "date_joined",
        "is_staff",
        "banned",
    ]
    list_filter = [BannedFilter, "is_staff", "is_superuser", "is_active", "groups", "date_joined"]
    search_fields = ["username", "email", "display_name", "affiliation", "orcid"]
    readonly_fields = ["summary_count", "total_score", "last_login", "date_joined", *BAN_FIELDS]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Profile", {"fields": ["display_name", "affiliation", "bio", "website", "orcid"]}),
        ("E-mail preferences", {"fields": ["email_on_comment", "email_on_reply", "email_on_discussion"]}),
        ("Ban", {"fields": BAN_FIELDS}),
        ("Counters", {"fields": ["summary_count", "total_score"]}),
    )
    list_per_page = 50
    actions = ["ban_members"]

    moderation_operations = {
        "unban": Operation("Unban", moderation.unban, lambda user: user.banned_at is not None, permission="ban"),
    }

    @admin.display(description="banned", boolean=True, ordering="banned_at")
    def banned(self, obj):
        return obj.is_banned

    def has_ban_permission(self, request, obj=None):
        return request.user.has_perm("accounts.ban_member")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += OWNER_ONLY_FIELDS
        return fields

    def user_change_password(self, request, id, form_url=""):
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def get_urls(self):
        return [
            path("<path:object_id>/ban/", self.admin_site.admin_view(self.ban_view), name="accounts_user_ban"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        extra_context["can_ban"] = self.has_ban_permission(request)
        return super().change_view(request, object_id, form_url, extra_context)

    # --- bans ---------------------------------------------------------------------------------------
    def _ban(self, request, users, form) -> int:
        banned = 0
        for user in users:
            try:
                moderation.ban(
                    user,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    until=form.cleaned_data["until"],
                    hide_content=form.cleaned_data["hide_content"],
                )
            except moderation.ModerationError as error:
                self.message_user(request, f"{user.username}: {error}", messages.ERROR)
            else:
                banned += 1
        return banned

    def ban_view(self, request, object_id):
        if not self.has_ban_permission(request):
            raise PermissionDenied
        user = get_object_or_404(User, pk=object_id)
        form = BanForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            if self._ban(request, [user], form):
                self.message_user(request, f"{user.username} is banned.", messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:accounts_user_change", args=[user.pk]))
        return self._ban_page(request, [user], form, single=True)

    @admin.action(description="Ban selected members …", permissions=["ban"])
    def ban_members(self, request, queryset):
        form = BanForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            banned = self._ban(request, queryset, form)
            self.message_user(request, f"{banned} member{'s' if banned != 1 else ''} banned.", messages.SUCCESS)
            return None
        return self._ban_page(request, queryset, form, single=False)

    def _ban_page(self, request, users, form, *, single):
        context = {
            **self.admin_site.each_context(request),
            "title": "Ban " + (users[0].username if single else "members"),
            "opts": self.model._meta,
            "users": users,
            "form": form,
            "single": single,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/accounts/user/ban.html", context, status=400 if form.errors else 200)
