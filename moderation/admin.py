from django.contrib import admin
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db.models import Case, IntegerField, Value, When
from django.utils.html import format_html
from django.utils.text import Truncator

# The admins of members (bans), papers (merge, unmerge), summaries and comments (hide, spam, feature…) carry
# moderation actions, so they are registered here, above the apps whose models they show; those apps import
# no moderation code.
import moderation.admin_accounts  # registers UserAdmin
import moderation.admin_comments  # registers CommentAdmin
import moderation.admin_papers  # registers VenueAdmin, AuthorAdmin, PaperAdmin
import moderation.admin_summaries  # noqa: F401  (registers SummaryAdmin, VoteAdmin, RevisionAdmin)
from comments.models import Comment
from moderation import actions, privacy
from moderation.admin_tools import ModerationAdminMixin, Operation, rendered_body
from moderation.models import AuditEntry, Report
from papers.models import Paper
from shortscience.lib.admin import BigTableAdminMixin, ViewerAwareAdminMixin, admin_link
from summaries.models import Summary

admin.site.site_header = "ShortScience administration"
admin.site.site_title = "ShortScience admin"
admin.site.index_title = "Moderation and site administration"


def _open(report):
    return report.status == Report.Status.OPEN


def _hideable(report):
    obj = report.content_object
    return _open(report) and isinstance(obj, (Summary, Comment)) and obj.state not in (obj.State.HIDDEN, obj.State.SPAM)


def _spammable(report):
    obj = report.content_object
    return _open(report) and isinstance(obj, (Summary, Comment)) and obj.state != obj.State.SPAM


def _on_content(action):
    def run(report, *, actor, reason):
        # Hiding or marking spam resolves every open report on the item, this one included. The reason is the
        # moderator's own words (the writer is e-mailed it); the report goes into the audit entry's details.
        return action(report.content_object, actor=actor, reason=reason, report=report)

    return run


@admin.register(Report)
class ReportAdmin(ViewerAwareAdminMixin, BigTableAdminMixin, ModerationAdminMixin, admin.ModelAdmin):
    list_display = ["report", "reported_content", "reason", "reporter", "status", "created_at", "resolved_by"]
    list_display_links = ["report"]
    list_filter = ["status", "reason", "content_type", "created_at"]
    list_select_related = ["reporter", "content_type", "resolved_by"]
    search_fields = ["details", "reporter__username"]
    readonly_fields = [
        "reported_content_full",
        "reporter",
        "reason",
        "details",
        "status",
        "created_at",
        "resolved_by",
        "resolved_at",
    ]
    fields = readonly_fields
    list_per_page = 50

    moderation_operations = {
        "hide": Operation("Hide the content", _on_content(actions.hide), _hideable),
        "spam": Operation("Mark the content as spam", _on_content(actions.mark_spam), _spammable),
        "resolve": Operation("Resolve (handled)", actions.resolve_report, _open),
        "dismiss": Operation("Dismiss (unfounded)", actions.dismiss_report, _open, default_reason="Not a problem."),
    }

    def get_queryset(self, request):
        # Open reports first, then the newest.
        return (
            super()
            .get_queryset(request)
            .annotate(
                queue_order=Case(
                    When(status=Report.Status.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
                )
            )
            .order_by("queue_order", "-created_at", "-id")
            .prefetch_related(
                GenericPrefetch(
                    "content_object",
                    [
                        Summary.objects.select_related("paper", "writer"),
                        Comment.objects.select_related("summary__paper", "writer"),
                        Paper.objects.all(),
                    ],
                )
            )
        )

    def has_add_permission(self, request):
        return False  # Reports come from readers, through the site.

    @admin.display(description="report", ordering="created_at")
    def report(self, obj):
        return f"#{obj.pk} {obj.get_reason_display()}"

    @admin.display(description="reported content")
    def reported_content(self, obj):
        content = obj.content_object
        if content is None:
            return "— (deleted)"
        if isinstance(content, Summary):
            text = f"Summary of “{Truncator(content.paper.title).chars(60)}” by {content.writer or 'deleted member'}"
        elif isinstance(content, Comment):
            text = f"Comment “{Truncator(content.body).chars(60)}” by {content.writer or 'deleted member'}"
        else:
            text = f"Paper “{Truncator(content.title).chars(70)}”"
        state = getattr(content, "state", "")
        badge = (
            format_html(" <strong>[{}]</strong>", content.get_state_display()) if state and state != "visible" else ""
        )
        return format_html("{}{}", admin_link(content, text), badge)

    @admin.display(description="reported content")
    def reported_content_full(self, obj):
        content = obj.content_object
        if content is None:
            return "The reported item no longer exists."
        links = format_html(
            '{} · <a href="{}" target="_blank" rel="noopener">public page</a>',
            admin_link(content, "admin page"),
            content.get_absolute_url(),
        )
        if isinstance(content, (Summary, Comment)):
            # body_html is stored, sanitised output of shortscience.lib.markdown: the one thing marked safe. A private
            # summary shows only the revision reported through its share link (moderation.privacy).
            body = (
                privacy.body_for_moderators(content, getattr(obj, "admin_viewer", None))
                if isinstance(content, Summary)
                else rendered_body(content)
            )
            return format_html(
                '<p>{} by {} — state: <strong>{}</strong> — {}</p><div class="moderation-preview">{}</div>',
                "Summary" if isinstance(content, Summary) else "Comment",
                content.writer or "deleted member",
                content.get_state_display(),
                links,
                body,
            )
        return format_html("<p>Paper: <strong>{}</strong> — {}</p>", content.title, links)


@admin.register(AuditEntry)
class AuditEntryAdmin(BigTableAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "actor_name", "action", "object_link", "reason"]
    list_filter = ["action", "content_type", "created_at"]
    list_select_related = ["actor", "content_type"]
    search_fields = ["object_repr", "reason", "actor__username"]
    list_per_page = 100

    @admin.display(description="who", ordering="actor__username")
    def actor_name(self, obj):
        return obj.actor.username if obj.actor_id else "system"

    @admin.display(description="object")
    def object_link(self, obj):
        if obj.content_type_id and obj.object_id:
            from django.urls import NoReverseMatch, reverse

            try:
                url = reverse(
                    f"admin:{obj.content_type.app_label}_{obj.content_type.model}_change", args=[obj.object_id]
                )
            except NoReverseMatch:
                return obj.object_repr
            return format_html('<a href="{}">{}</a>', url, obj.object_repr)
        return obj.object_repr

    # The trail is append-only: nobody edits or deletes it from the admin, not even site owners.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
