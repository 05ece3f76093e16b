"""The digest in the admin (site owners): digests with their entries in order, subscriptions read-only.

Curators work on the triage pages (/digest/curate/), not here. Publication goes through the model's methods
(audited), never by editing ``state``: it is read-only, with actions to publish and unpublish.
"""

from django.contrib import admin, messages

from accounts import permissions
from digest.models import Digest, DigestEntry, DigestFigure, DigestStateError, Subscription
from shortscience.lib.admin import BigTableAdminMixin


class DigestEntryInline(admin.TabularInline):
    model = DigestEntry
    fields = ["position", "category", "paper", "starred", "language", "note", "source_url", "curator"]
    readonly_fields = ["curator"]
    raw_id_fields = ["paper"]  # millions of papers: no drop-down
    ordering = ["position", "id"]
    extra = 0


class DigestFigureInline(admin.TabularInline):
    model = DigestFigure
    fields = ["position", "image", "caption"]
    ordering = ["position"]
    extra = 0


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ["date", "__str__", "state", "entry_count", "publish_at", "published_at", "mailed_at"]
    list_filter = ["state"]
    date_hierarchy = "date"
    fields = ["date", "title", "intro", "state", "publish_at", "published_at", "mailed_at", "entry_count", "curators"]
    readonly_fields = ["state", "publish_at", "published_at", "mailed_at", "entry_count"]
    filter_horizontal = ["curators"]
    inlines = [DigestEntryInline]
    actions = ["publish_selected", "unpublish_selected"]

    def save_formset(self, request, form, formset, change):
        # Entries render their notes on save (DigestEntry.save); entries added or deleted here change the count.
        super().save_formset(request, form, formset, change)
        form.instance.recount()

    @admin.action(description="Publish the selected digests now")
    def publish_selected(self, request, queryset):
        if not permissions.can_curate(request.user):
            self.message_user(request, "Only curators and moderators publish digests.", messages.ERROR)
            return
        for digest in queryset:
            try:
                digest.publish(request.user)
            except DigestStateError as error:
                self.message_user(request, f"{digest}: {error}", messages.WARNING)

    @admin.action(description="Unpublish the selected digests")
    def unpublish_selected(self, request, queryset):
        if not permissions.can_unpublish_digest(request.user):
            self.message_user(request, "Only moderators unpublish digests.", messages.ERROR)
            return
        for digest in queryset:
            try:
                digest.unpublish(request.user)
            except DigestStateError as error:
                self.message_user(request, f"{digest}: {error}", messages.WARNING)


@admin.register(DigestEntry)
class DigestEntryAdmin(admin.ModelAdmin):
    """Reached from a digest's page for an entry's figures."""

    list_display = ["__str__", "position", "category", "starred", "language"]
    list_select_related = ["digest", "paper", "category"]
    raw_id_fields = ["paper", "digest"]
    readonly_fields = ["curator", "note_html"]
    fields = ["digest", "paper", "category", "position", "starred", "language", "note", "source_url", "curator"]
    inlines = [DigestFigureInline]

    def has_module_permission(self, request):
        return False  # listed through the digests, not on the admin index


@admin.register(Subscription)
class SubscriptionAdmin(BigTableAdminMixin, admin.ModelAdmin):
    """Read-only: subscribers manage their subscription themselves (double opt-in, one-click unsubscribe)."""

    list_display = ["email", "user", "starred_only", "confirmed_at", "unsubscribed_at", "created_at"]
    list_filter = ["starred_only"]
    search_fields = ["email"]
    list_select_related = ["user"]
    ordering = ["-created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
