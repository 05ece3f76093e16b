from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from accounts.permissions import can_report
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


@login_required
@ratelimit("report")
def report(request, kind: str, pk: int):
    obj = get_reportable(kind, pk)
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
            )
        except actions.AlreadyReported as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Thank you. A moderator will look at your report.")
            return redirect(obj.get_absolute_url())
    context = {"form": form, "object": obj, "kind": kind, "description": _describe(kind, obj)}
    return render(request, "moderation/report.html", context, status=400 if form.errors else 200)
