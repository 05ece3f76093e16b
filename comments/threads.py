"""The comments section of a summary page: one page of threads, and what the viewer may do with each comment.

The threads are the same for every reader and kept in the cache. The rules stay in ``accounts.permissions``; they
are evaluated here, once per comment and request, in Python. The templates read the answers (``comment.can_edit``…)
instead of calling a permission filter for every comment.
"""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Page, Paginator

from accounts import permissions
from comments.models import THREADS_PER_PAGE, Comment, attach_replies
from papers.pagination import with_elided_range
from shortscience.lib import versions


def comment_section(request, summary) -> dict:
    """Context for ``includes/comment_thread.html``: the requested page (``?page=``) of the summary's threads.

    ``comments`` holds up to ``THREADS_PER_PAGE`` top-level comments, oldest first, each with its first visible
    replies (``shown_replies``, ``more_replies``: ``attach_replies``); ``comment_page`` is the page (``None`` when
    every thread fits on one page). The threads are the same for every reader: they are kept in the cache under
    the listing stamp (``versions.LISTING``, bumped by every new, edited, hidden or deleted comment), as the
    summary cards are (``summaries.listing``), for ``PAGE_CACHE_SECONDS`` (0: never). Only what the viewer may do
    with each comment is worked out per request, in Python.
    """
    requested = request.GET.get("page")

    def threads():
        comments, page = threads_page(summary, requested)
        return comments, None if page is None else (page.number, page.paginator.count)

    key = f"comment-threads:{summary.pk}:{str(requested or '')[:12]}"
    comments, paging = versions.remember(versions.LISTING, key, threads, settings.PAGE_CACHE_SECONDS)
    page = None
    if paging is not None:
        paginator = Paginator(Comment.objects.thread_of(summary), THREADS_PER_PAGE)
        paginator.count = paging[1]  # a cached_property: set, it is never counted again
        page = with_elided_range(Page(comments, paging[0], paginator))
    can_comment = permissions.can_comment(request.user, summary)
    set_actions(request.user, comments, can_comment=can_comment)
    return {"comments": comments, "comment_page": page, "can_comment_here": can_comment}


def threads_page(summary, requested) -> tuple[list[Comment], Page | None]:
    """Page ``requested`` of the summary's threads with their replies attached, and the page (``None`` when every
    thread fits on one). Three queries at most: the page's threads, their count when there is more than one page,
    their replies."""
    threads = Comment.objects.thread_of(summary)
    # Exact counts: one summary's threads are an index-only range of comment_thread_idx (hundreds at most in
    # practice), and a capped count would leave the threads past the cap on no page (CommentQuerySet.page_of).
    paginator = Paginator(threads, THREADS_PER_PAGE)
    if requested in (None, "", "1"):
        # Page 1, the usual request: one thread more than a page says whether there are other pages, so the many
        # summaries with few comments pay no count. (Summary.comment_count cannot say: it may lag behind.)
        first = list(threads[: THREADS_PER_PAGE + 1])
        if len(first) <= THREADS_PER_PAGE:
            page, comments = None, first
        else:
            page = Page(first[:THREADS_PER_PAGE], 1, paginator)
            comments = list(page)
    else:
        page = paginator.get_page(requested)  # bad or too-large numbers give the nearest page
        comments = list(page)
    if page is not None:
        with_elided_range(page)
    attach_replies(comments)
    return comments, page


def set_actions(user, comments, *, can_comment: bool) -> None:
    """Set ``can_edit``, ``can_delete``, ``can_report`` and ``can_reply`` on each comment and its ``shown_replies``.

    ``can_comment`` is ``permissions.can_comment(user, summary)``: replies go to top-level comments only.
    """
    for comment in comments:
        _set(user, comment, can_reply=can_comment and comment.is_shown)
        for reply in comment.shown_replies:
            _set(user, reply, can_reply=False)


def _set(user, comment: Comment, *, can_reply: bool) -> None:
    comment.can_edit = permissions.can_edit_comment(user, comment)
    comment.can_delete = permissions.can_delete_comment(user, comment)
    comment.can_report = permissions.can_report(user, comment)
    comment.can_reply = can_reply
