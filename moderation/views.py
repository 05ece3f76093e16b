from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from accounts.permissions import can_report, can_view_shared_summary
from accounts.ratelimit import ratelimit
from comments.models import Comment
from moderation import actions
from moderation.forms import ReportForm
from papers.models import Paper
from summaries.models import Summary

REPORTABLE = {
    "summary": lambda: Summary.objects.listed().select_related("paper"),
    "comment": lambda: Comment.objects.listed().select_related("summary__paper"),
    "paper": lambda: Paper.objects.live(),
}


def get_reportable(kind: str, pk: int):
    """The summary, comment or paper a reader may report (what readers can see), else 404."""
    if kind not in REPORTABLE:
        raise Http404("Nothing to report here.")
    return get_object_or_404(REPORTABLE[kind](), pk=pk)


def _describe(kind: str, obj) -> str:
    if kind == "paper":
        return f"the paper “{obj.title}”"
    if kind == "summary":
        return f"a summary of “{obj.paper.title}”"
    return f"a comment on a summary of “{obj.summary.paper.title}”"


def _report_page(request, obj, *, description: str, back_url: str, revision_number: int | None = None):
    if not can_report(request.user, obj):
        if can_report(request.user):
            raise PermissionDenied("You cannot report your own work: edit or delete it instead.")
        raise PermissionDenied("Your account cannot report content at the moment.")
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.create_report(
                reporter=request.user,
                obj=obj,
                reason=form.cleaned_data["reason"],
                details=form.cleaned_data["details"],
                revision_number=revision_number,
            )
        except actions.AlreadyReported as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Thank you. A moderator will look at your report.")
            return redirect(back_url)
    context = {"form": form, "object": obj, "description": description, "back_url": back_url}
    return render(request, "moderation/report.html", context, status=400 if form.errors else 200)


@login_required
@ratelimit("report")
def report(request, kind: str, pk: int):
    obj = get_reportable(kind, pk)
    return _report_page(request, obj, description=_describe(kind, obj), back_url=obj.get_absolute_url())


@login_required
@ratelimit("report")
def report_shared(request, token: str):
    """Report a private summary opened through its share link: moderators may then read the revision shown."""
    summary = get_object_or_404(Summary.objects.select_related("paper"), share_token=token)
    if not can_view_shared_summary(summary):
        raise Http404("This link is no longer valid.")
    return _report_page(
        request,
        summary,
        description=f"a summary of “{summary.paper.title}” shared with you",
        back_url=reverse("summaries:shared", args=[token]),
        revision_number=summary.revision_number,
    )
