"""The comments section of a summary page: one page of threads, and what the viewer may do with each comment.

The rules stay in ``accounts.permissions``; they are evaluated here, once per comment and request, in Python. The
templates read the answers (``comment.can_edit``…) instead of calling a permission filter for every comment.
"""

from __future__ import annotations

from accounts import permissions
from comments.models import THREADS_PER_PAGE, Comment, attach_replies
from papers.pagination import paginate


def comment_section(request, summary) -> dict:
    """Context for ``includes/comment_thread.html``: the requested page (``?page=``) of the summary's threads.

    ``comments`` holds up to ``THREADS_PER_PAGE`` top-level comments, oldest first, each with all its visible
    replies (``shown_replies``); ``comment_page`` is the page (``None`` when every thread fits on one page).
    """
    threads = Comment.objects.thread_of(summary)
    if summary.comment_count <= THREADS_PER_PAGE:
        # Every thread holds at least one visible comment and comment_count counts them all, so there are at most
        # comment_count threads: one page, and no count query for the many summaries with few comments.
        page, comments = None, list(threads)
    else:
        page = paginate(request, threads, THREADS_PER_PAGE)
        comments = list(page)
    attach_replies(comments)
    can_comment = permissions.can_comment(request.user, summary)
    set_actions(request.user, comments, can_comment=can_comment)
    return {"comments": comments, "comment_page": page, "can_comment_here": can_comment}


def set_actions(user, comments, *, can_comment: bool) -> None:
    """Set ``can_edit``, ``can_delete``, ``can_report`` and ``can_reply`` on each comment and its ``shown_replies``.

    ``can_comment`` is ``permissions.can_comment(user, summary)``: replies go to top-level comments only.
    """
    can_report = permissions.can_report(user)
    for comment in comments:
        _set(user, comment, can_report=can_report, can_reply=can_comment and comment.is_listed)
        for reply in comment.shown_replies:
            _set(user, reply, can_report=can_report, can_reply=False)


def _set(user, comment: Comment, *, can_report: bool, can_reply: bool) -> None:
    comment.can_edit = permissions.can_edit_comment(user, comment)
    comment.can_delete = permissions.can_delete_comment(user, comment)
    comment.can_report = can_report
    comment.can_reply = can_reply
