"""Every permission rule of the site, in one place.

Views, templates (through the ``perms`` helpers passed in context) and the API ask
these functions; nothing else decides who may do what.
"""

from __future__ import annotations


def is_member(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_moderator(user) -> bool:
    return is_member(user) and user.is_moderator


def is_suspended(user) -> bool:
    """A signed-in member under a ban: pages explain it (includes/ban_notice.html) instead of offering actions."""
    return is_member(user) and user.is_banned


def can_contribute(user) -> bool:
    """Write summaries, add papers, vote, comment, report: signed-in members who are not banned."""
    return is_member(user) and not user.is_banned


def can_merge_papers(user) -> bool:
    """Merge duplicate papers and undo merges: moderators who are not banned."""
    return is_moderator(user) and not user.is_banned


def can_view_summary(user, summary) -> bool:
    if summary.is_listed:
        return True
    if is_member(user) and summary.writer_id == user.pk and summary.deleted_at is None:
        return True
    return is_moderator(user) and summary.visibility == summary.Visibility.PUBLIC


def can_edit_summary(user, summary) -> bool:
    return can_contribute(user) and summary.writer_id == user.pk


def can_vote(user, summary) -> bool:
    return can_contribute(user) and summary.is_listed and summary.writer_id != user.pk


def can_comment(user, summary) -> bool:
    return can_contribute(user) and summary.is_listed


def can_edit_comment(user, comment) -> bool:
    return can_contribute(user) and comment.writer_id == user.pk and comment.deleted_at is None


def can_report(user, obj=None) -> bool:
    """Report content to the moderators; never one's own summary or comment (edit or delete it instead)."""
    if not can_contribute(user):
        return False
    return obj is None or getattr(obj, "writer_id", None) != user.pk


# --- Writing (summary editor, uploads, share links, revisions, comments) ---------------------------------


def can_write_summary(user, paper) -> bool:
    """Open the editor for ``paper``: any member who may contribute (one summary per paper, edited over time)."""
    return can_contribute(user) and paper is not None


def can_upload(user) -> bool:
    """Upload images and ask for editor previews (markdownx endpoints)."""
    return can_contribute(user)


def can_delete_summary(user, summary) -> bool:
    return can_edit_summary(user, summary) and summary.deleted_at is None


def can_view_revisions(user, summary) -> bool:
    """The writer (their own history) and moderators (to see what an edit changed)."""
    if is_member(user) and summary.writer_id == user.pk and summary.deleted_at is None:
        return True
    return is_moderator(user) and summary.visibility == summary.Visibility.PUBLIC


def can_share_summary(user, summary) -> bool:
    """Create or revoke the share link of one's own summary."""
    return can_edit_summary(user, summary) and summary.deleted_at is None


def can_view_shared_summary(summary) -> bool:
    """Anyone holding the token, while the link exists and the summary is neither deleted nor taken down."""
    return bool(summary.share_token) and summary.deleted_at is None and summary.state == summary.State.VISIBLE


def can_delete_comment(user, comment) -> bool:
    return can_edit_comment(user, comment)


# --- The daily arXiv digest (curation) ---------------------------------------------------------------------


def can_curate(user) -> bool:
    """Triage the day's papers into a digest, write notes, reorder, publish and schedule: members of the
    Curators group and moderators, not banned. A published digest may still be corrected (notes, stars, order,
    entries) by them: subscribers were mailed once, the page shows the correction."""
    return is_member(user) and not user.is_banned and (user.is_curator or user.is_moderator)


def can_unpublish_digest(user) -> bool:
    """Take a published digest back off the site: moderators only (not banned). Its readers and subscribers
    have seen it, so withdrawing it is a moderation decision, recorded in the audit trail; curators who spot a
    mistake correct the entry instead."""
    return is_moderator(user) and not user.is_banned
