"""Writing a summary: the editor and its markdownx endpoints, votes, deletion, revisions and share links.

Every rule about who may do what is asked of ``accounts.permissions``; the saving itself is
``summaries.editing.save_summary`` (optimistic locking, one revision per save).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import permissions
from accounts.ratelimit import (
    Busy,
    OverBudget,
    RateLimited,
    check,
    limited_response,
    one_at_a_time,
    ratelimit,
    time_share,
)
from papers.models import Paper
from summaries import images
from summaries.diffs import revision_diffs
from summaries.editing import EditConflict, save_summary
from summaries.forms import BODY_MAX_LENGTH, ShareForm, SummaryForm
from summaries.markup import markdownify
from summaries.models import CARD_DEFERRED, Summary, Vote

REVISIONS_PER_PAGE = 10
CONFLICT_MESSAGE = (
    "Not saved: this summary was changed in another tab or window after you opened this editor. "
    "Your text is still below, and the version saved meanwhile is shown under it. "
    "Merge what you need, then save again to replace the saved version."
)


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


# --- Access helpers ---------------------------------------------------------------------------------------


def get_summary_for_edit(request, pk: int) -> Summary:
    """The viewer's own live summary ``pk`` (404 for anyone else's), 403 if they may not edit (banned)."""
    summary = get_object_or_404(
        Summary.objects.select_related("paper"), pk=pk, writer=request.user, deleted_at__isnull=True
    )
    if not permissions.can_edit_summary(request.user, summary):
        raise PermissionDenied("You cannot edit summaries at the moment.")
    return summary


# --- Editor -----------------------------------------------------------------------------------------------


@login_required
def write(request, slug: str):
    """Write (or go on editing) the viewer's summary of a paper; a deleted one can be restored or started over."""
    paper = get_object_or_404(Paper.objects.select_related("venue"), slug=slug)
    if paper.merged_into_id:
        # A duplicate merged into another paper has no page of its own: summaries belong to the kept paper. An
        # editor opened before the merge still saves, onto the kept paper, so nothing typed is lost.
        kept = Paper.objects.live().select_related("venue").filter(pk=paper.merged_into_id).first()
        if kept is None:
            raise Http404("No such paper.")
        if request.method != "POST":
            return redirect("summaries:write", slug=kept.slug)
        paper = kept
    if not permissions.can_write_summary(request.user, paper):
        raise PermissionDenied("You cannot write summaries at the moment.")
    summary = Summary.objects.filter(paper=paper, writer=request.user).first()
    if summary is not None and summary.deleted_at is None:
        if request.method == "POST":
            # An editor opened before this summary existed (another tab published first): a conflict, never
            # a silent redirect that would drop the typed text.
            return _editor(request, paper, summary)
        return redirect("summaries:edit", pk=summary.pk)
    if summary is not None and request.method == "POST" and request.POST.get("action") == "restore":
        try:
            check(request, "summary_edit")
        except RateLimited as error:
            return limited_response(request, error)
        summary.restore()
        messages.success(request, "Your summary is back.")
        return redirect("summaries:edit", pk=summary.pk)
    if summary is not None and request.method == "GET" and request.GET.get("start") != "over":
        return render(request, "summaries/edit/deleted.html", {"paper": paper, "summary": summary})
    initial = {"revision_number": summary.revision_number} if summary is not None else None
    return _editor(request, paper, summary, initial=initial)


@login_required
def edit(request, pk: int):
    summary = get_summary_for_edit(request, pk)
    return _editor(request, summary.paper, summary)


def _rate_for(summary) -> str:
    """New summaries and edits of one's own live summary are limited separately (edits far more loosely)."""
    return "summary_edit" if _is_live(summary) else "summary"


def _is_live(summary) -> bool:
    return summary is not None and bool(summary.pk) and summary.deleted_at is None


def _editor(request, paper, summary, *, initial=None):
    conflict = limited = None
    if request.method == "POST":
        form = SummaryForm(request.POST, paper=paper)
        if form.is_valid():
            was_visibility = summary.visibility if _is_live(summary) else None
            try:
                check(request, _rate_for(summary))
                saved = save_summary(
                    paper=paper,
                    writer=request.user,
                    expected_revision=form.cleaned_data["revision_number"],
                    data=form.summary_data(),
                )
            except RateLimited as error:
                # Refused, but the editor comes back with everything the writer typed and when to try again.
                limited = error
                form.add_error(None, str(error))
            except EditConflict as error:
                conflict = error.current
                # The next save (after the writer has seen the other version) replaces it.
                data = request.POST.copy()
                data["revision_number"] = str(conflict.revision_number)
                form = SummaryForm(data, paper=paper)
                form.is_valid()
                form.add_error(None, CONFLICT_MESSAGE)
            else:
                messages.success(request, _saved_message(saved, was_visibility))
                return redirect(saved.get_absolute_url())
    else:
        form = SummaryForm(initial=initial or SummaryForm.initial_for(summary), paper=paper)
    status = 409 if conflict is not None else 429 if limited is not None else 200
    context = {
        "form": form,
        "paper": paper,
        "summary": summary if summary is not None and summary.pk and summary.deleted_at is None else None,
        "conflict": conflict,
        "draft_key": f"shortscience:draft:{paper.pk}:{request.user.pk}",
        "upload_max_mb": max(1, settings.IMAGE_UPLOAD_MAX_BYTES // (1024 * 1024)),
    }
    response = render(request, "summaries/edit/editor.html", context, status=status)
    if limited is not None:
        response["Retry-After"] = str(limited.retry_after)
    return response


def _saved_message(summary: Summary, was_visibility: str | None) -> str:
    """Say what the save did: first publication, changes saved, made private or public, still held or hidden.

    ``was_visibility`` is the summary's visibility before the save, None when it did not exist (or was deleted).
    """
    first = was_visibility is None
    private = summary.visibility == Summary.Visibility.PRIVATE
    if private:
        if first:
            return "Saved privately. Only you can see your summary (and anyone you give a share link)."
        if was_visibility == Summary.Visibility.PUBLIC:
            return "Saved and made private. Readers no longer see your summary; only you (and share links) can."
        return "Changes saved. Your summary is still private."
    if summary.state == Summary.State.PENDING:
        if first:
            return "Saved. Your summary will be published once a moderator has had a look."
        return "Changes saved. Your summary will be published once a moderator has had a look."
    if summary.state != Summary.State.VISIBLE:
        return "Changes saved. Your summary is still hidden from readers until a moderator looks at it again."
    if first or was_visibility == Summary.Visibility.PRIVATE:
        return "Published. Your summary is now public."
    return "Changes saved."


# --- markdownx endpoints ------------------------------------------------------------------------------------


@require_POST
def preview(request):
    """The editor's live preview, rendered by the same renderer as the published summary."""
    if not permissions.can_upload(request.user):
        if permissions.is_suspended(request.user):
            # The one explanation of a ban (what, until when, how to appeal), in the preview pane.
            return render(request, "includes/ban_notice.html", status=403)
        return HttpResponseForbidden("<p>Sign in to see a preview.</p>")
    try:
        check(request, "preview")
    except RateLimited as error:
        return HttpResponse(f'<p class="preview-error">{escape(str(error))}</p>', status=429)
    content = request.POST.get("content", "")
    if len(content) > BODY_MAX_LENGTH:
        message = f"The summary is longer than {BODY_MAX_LENGTH:,} characters; shorten it to see a preview."
        return HttpResponse(f'<p class="preview-error">{escape(message)}</p>', status=400)
    try:
        with one_at_a_time(request, "preview"), time_share(request, "preview"):
            return HttpResponse(markdownify(content))
    except Busy as error:
        return HttpResponse(f'<p class="preview-error">{escape(str(error))}</p>', status=429)
    except OverBudget as error:
        response = HttpResponse(f'<p class="preview-error">{escape(str(error))}</p>', status=429)
        response["Retry-After"] = str(error.retry_after)
        return response


@require_POST
def upload(request):
    """Image upload from the editor: JSON ``{"image_code": "![alt](url)", "alt": …}`` or ``{"error": …}``.

    The alt text starts as the file name made readable; the editor selects it for the writer to replace.
    """
    if not permissions.can_upload(request.user):
        return JsonResponse({"error": "Sign in with an account that may write to upload images."}, status=403)
    try:
        check(request, "upload")
    except RateLimited as error:
        return JsonResponse({"error": str(error)}, status=429)
    upload_file = request.FILES.get("image")
    if upload_file is None:
        return JsonResponse({"error": "No image received."}, status=400)
    try:
        with one_at_a_time(request, "upload"):
            image = images.validate_and_reencode(upload_file)
    except Busy as error:
        return JsonResponse({"error": str(error)}, status=429)
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    url = images.store(image)
    alt = images.alt_text(upload_file.name)
    return JsonResponse({"image_code": f"![{alt}]({url})", "url": url, "alt": alt})


# --- Votes ------------------------------------------------------------------------------------------------


@require_POST
@ratelimit("vote")
def vote(request, pk: int):
    """Up or down (``value`` 1 or -1); the same value again withdraws. JSON for fetch, redirect otherwise."""
    summary = get_object_or_404(Summary.objects.listed(), pk=pk)
    fallback = summary.get_absolute_url()
    if not request.user.is_authenticated:
        if wants_json(request):
            return JsonResponse({"error": "Sign in to vote."}, status=403)
        return redirect_to_login(safe_next(request, fallback))
    if not permissions.can_vote(request.user, summary):
        message = (
            "You cannot vote on your own summary."
            if summary.writer_id == request.user.pk
            else "You cannot vote at the moment."
        )
        if wants_json(request):
            return JsonResponse({"error": message}, status=403)
        raise PermissionDenied(message)
    try:
        value = int(request.POST.get("value", ""))
        if value not in (1, -1):
            raise ValueError
    except ValueError:
        if wants_json(request):
            return JsonResponse({"error": "A vote is up (1) or down (-1)."}, status=400)
        return HttpResponse("A vote is up (1) or down (-1).", status=400, content_type="text/plain")
    score, my_vote = Vote.cast(user=request.user, summary_id=summary.pk, value=value)
    if wants_json(request):
        return JsonResponse({"score": score, "my_vote": my_vote})
    return redirect(safe_next(request, fallback))


# --- Delete, revisions, share -----------------------------------------------------------------------------


@login_required
def delete(request, pk: int):
    summary = get_summary_for_edit(request, pk)
    if not permissions.can_delete_summary(request.user, summary):
        raise PermissionDenied
    if request.method == "POST":
        summary.soft_delete()
        messages.success(request, "Your summary is deleted. You can restore it from the paper's “Write” page.")
        return redirect(summary.paper.get_absolute_url())
    return render(request, "summaries/edit/delete.html", {"summary": summary, "paper": summary.paper})


def get_summary_for_revisions(request, pk: int) -> Summary:
    """Summary ``pk`` if the viewer may read its history: 403 for its writer or a moderator refused, else 404."""
    # History pages show neither the summary nor the paper itself: their biggest columns stay in the database.
    summaries = Summary.objects.select_related("paper", "writer").defer("body_html", *CARD_DEFERRED)
    summary = get_object_or_404(summaries, pk=pk)
    if not permissions.can_view_revisions(request.user, summary):
        if summary.writer_id == request.user.pk or permissions.is_moderator(request.user):
            raise PermissionDenied
        raise Http404("No such summary.")
    return summary


@login_required
def revisions(request, pk: int):
    summary = get_summary_for_revisions(request, pk)
    try:
        with one_at_a_time(request, "revisions"), time_share(request, "revisions"):
            page = Paginator(
                summary.revisions.order_by("-number").select_related("editor").defer("body"), REVISIONS_PER_PAGE
            ).get_page(request.GET.get("page"))
            return render(
                request,
                "summaries/edit/revisions.html",
                {"summary": summary, "paper": summary.paper, "page": page, "entries": revision_diffs(summary, page)},
            )
    except (Busy, OverBudget) as error:
        response = render(request, "429.html", {"message": str(error)}, status=429)
        if isinstance(error, OverBudget):
            response["Retry-After"] = str(error.retry_after)
        return response


@login_required
def revision(request, pk: int, number: int):
    """One revision's full text, as written (Markdown source): where a diff is too large to show."""
    summary = get_summary_for_revisions(request, pk)
    revision = get_object_or_404(summary.revisions.select_related("editor"), number=number)
    position = summary.revisions.filter(number__gt=number).count()
    history_page = position // REVISIONS_PER_PAGE + 1
    return render(
        request,
        "summaries/edit/revision.html",
        {"summary": summary, "paper": summary.paper, "revision": revision, "history_page": history_page},
    )


@login_required
def share(request, pk: int):
    """Show, create (POST action=create) or revoke (POST action=revoke) the share link of a summary."""
    summary = get_summary_for_edit(request, pk)
    if not permissions.can_share_summary(request.user, summary):
        raise PermissionDenied
    if request.method == "POST":
        form = ShareForm(request.POST)
        if form.is_valid():
            if form.cleaned_data["action"] == "create":
                summary.ensure_share_token()
                messages.success(request, "Share link created. Anyone with the link can read this summary.")
            else:
                summary.revoke_share_token()
                messages.success(request, "Share link revoked. The old link no longer works.")
            return redirect("summaries:share", pk=summary.pk)
    share_url = request.build_absolute_uri(_shared_path(summary.share_token)) if summary.share_token else None
    return render(
        request, "summaries/edit/share.html", {"summary": summary, "paper": summary.paper, "share_url": share_url}
    )


def _shared_path(token: str) -> str:
    return reverse("summaries:shared", args=[token])


def shared(request, token: str):
    """A summary opened through its share link; never indexed."""
    summary = get_object_or_404(Summary.objects.with_card_data(), share_token=token)
    if not permissions.can_view_shared_summary(summary):
        raise Http404("This link is no longer valid.")
    response = render(request, "summaries/edit/shared.html", {"summary": summary, "paper": summary.paper})
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
