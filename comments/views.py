"""Comments on summaries: add (or reply), edit and delete one's own. Plain POST forms, no JavaScript needed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts import permissions
from accounts.ratelimit import ratelimit
from comments.forms import CommentEditForm, CommentForm
from comments.models import REPLIES_PER_PAGE, Comment
from comments.tasks import notify_about_comment
from comments.threads import set_actions
from jobs.queue import enqueue
from summaries.models import Summary


def get_summary_for_comment(request, pk: int) -> Summary:
    summary = get_object_or_404(Summary.objects.select_related("paper", "writer"), pk=pk)
    if not permissions.can_view_summary(request.user, summary):
        raise Http404("No such summary.")
    if not permissions.can_comment(request.user, summary):
        raise PermissionDenied("You cannot comment on this summary.")
    return summary


def get_comment_for_edit(request, pk: int) -> Comment:
    """The viewer's own, not deleted comment ``pk`` (404 for anyone else's); 403 when they may not edit."""
    comment = get_object_or_404(
        Comment.objects.select_related("summary__paper", "parent"), pk=pk, writer=request.user, deleted_at__isnull=True
    )
    if not permissions.can_edit_comment(request.user, comment):
        raise PermissionDenied("You cannot change comments at the moment.")
    return comment


@require_GET
def permalink(request, pk: int):
    """``/comments/<pk>/``: to the page of its summary that shows the comment; 404 when the viewer may not read the
    summary. A comment no longer shown leads to the summary's comments."""
    comment = get_object_or_404(Comment.objects.select_related("summary"), pk=pk)
    if not permissions.can_view_summary(request.user, comment.summary):
        raise Http404("No such comment.")
    if not comment.is_shown:
        return redirect(comment.summary.get_absolute_url() + "#comments")
    return redirect(comment.get_page_url())


@require_GET
def replies(request, pk: int):
    """``/comments/<pk>/replies/?page=N``: the top-level comment ``pk`` and its visible replies, ``REPLIES_PER_PAGE``
    at a time, oldest first. Where a thread's replies past the first ``REPLIES_SHOWN`` are read (the summary page
    links here); 404 when the viewer may not read the summary or ``pk`` is a reply."""
    thread = get_object_or_404(Comment.objects.select_related("summary__paper", "writer"), pk=pk, parent__isnull=True)
    summary = thread.summary
    if not permissions.can_view_summary(request.user, summary):
        raise Http404("No such comment.")
    shown = Comment.objects.shown().filter(parent=thread).for_display().order_by("created_at", "id")
    # An exact count: one thread's replies (parent_id's index).
    paginator = Paginator(shown, REPLIES_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    page.elided_range = list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    thread.shown_replies, thread.more_replies = list(page), 0
    if not thread.is_shown and not thread.shown_replies:
        return redirect(summary.get_absolute_url() + "#comments")  # no longer a thread, as the permalink
    set_actions(request.user, [thread], can_comment=permissions.can_comment(request.user, summary))
    context = {"thread": thread, "page": page, "summary": summary, "paper": summary.paper}
    return render(request, "comments/replies.html", {**context, "thread_url": thread.get_page_url()})


@require_POST
@ratelimit("comment")
def add(request, pk: int):
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("discovery:summary", args=[pk]) + "#comments")
    summary = get_summary_for_comment(request, pk)
    form = CommentForm(request.POST, summary=summary)
    if not form.is_valid():
        context = {"form": form, "summary": summary, "paper": summary.paper, "parent": form.data.get("parent")}
        return render(request, "comments/form.html", context, status=400)
    comment, created = form.save(writer=request.user)
    if not created:
        messages.info(request, "Your comment was already posted: here it is.")
        return redirect(comment.get_page_url() if comment.is_shown else summary.get_absolute_url() + "#comments")
    # The e-mails about it are worked out and sent by the workers, after the commit.
    enqueue(notify_about_comment, comment.pk)
    messages.success(request, "Your reply is posted." if comment.parent_id else "Your comment is posted.")
    # Where the new comment is shown: the last page for a comment, its parent's page for a reply.
    return redirect(comment.get_page_url())


@login_required
@ratelimit("comment")
def edit(request, pk: int):
    comment = get_comment_for_edit(request, pk)
    form = CommentEditForm(request.POST or None, instance=comment)
    comment_url = comment.get_page_url()
    if request.method == "POST" and form.is_valid():
        if form.has_changed():  # saving the same text is not an edit
            comment.edit(form.cleaned_data["body"])
        messages.success(request, "Your comment is updated.")
        return redirect(comment_url)
    status = 400 if form.errors else 200
    return render(
        request,
        "comments/edit.html",
        {
            "form": form,
            "comment": comment,
            "comment_url": comment_url,
            "summary": comment.summary,
            "paper": comment.summary.paper,
        },
        status=status,
    )


@login_required
def delete(request, pk: int):
    comment = get_comment_for_edit(request, pk)
    if not permissions.can_delete_comment(request.user, comment):
        raise PermissionDenied
    if request.method == "POST":
        # Back to the page the comment was on (its thread's place stays, as a placeholder or as its neighbours).
        page_url = comment.get_page_url(anchor="comments")
        comment.soft_delete()
        messages.success(request, "Your comment is deleted.")
        return redirect(page_url)
    return render(
        request,
        "comments/delete.html",
        {
            "comment": comment,
            "comment_url": comment.get_page_url(),
            "summary": comment.summary,
            "paper": comment.summary.paper,
        },
    )
