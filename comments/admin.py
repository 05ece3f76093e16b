from django.contrib import admin
from django.utils.text import Truncator

from comments.models import Comment
from moderation import actions
from moderation.admin_tools import (
    BigTableAdminMixin,
    ModerationAdminMixin,
    Operation,
    VenueFilter,
    WriterFilter,
    admin_link,
    rendered_preview,
)


class CommentVenueFilter(VenueFilter):
    field = "summary__paper__venue"


def _is(*states):
    return lambda obj: obj.state in states


@admin.register(Comment)
class CommentAdmin(BigTableAdminMixin, ModerationAdminMixin, admin.ModelAdmin):
    list_display = ["excerpt", "writer", "on_summary", "state", "created_at", "deleted_at"]
    list_filter = ["state", "created_at", ("deleted_at", admin.EmptyFieldListFilter), WriterFilter, CommentVenueFilter]
    list_select_related = ["writer", "summary", "summary__paper"]
    search_fields = ["body", "writer__username"]
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

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["summary", "writer", "parent", "body", "deleted_at"]
        return fields
