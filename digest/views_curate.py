"""Curating the daily digest: triage of the day's papers, the entries (order, notes, figures), the preview and
publication. For curators and moderators (``accounts.permissions.can_curate``); unpublishing is for moderators.

Every action is a plain POST form that works without JavaScript; ``static/js/curate.js`` sends the same forms
with fetch() (``Accept: application/json``) and drives them from the keyboard.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db.models import Count, Max, Q
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import permissions
from accounts.ratelimit import Busy, RateLimited, check, one_at_a_time
from digest import curation
from digest.forms import DigestTextForm, FigureForm, NoteForm, ScheduleForm
from digest.models import Digest, DigestEntry, DigestFigure, DigestStateError, SkippedPaper
from papers.models import Category, Paper
from summaries import images


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _next(request, fallback: str) -> str:
    """The form's ``next``: a path on this site only (``redirect`` would take a bare word for a URL name)."""
    target = request.POST.get("next") or ""
    local = target.startswith("/") and not target.startswith("//")
    if local and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


# --- Access helpers ---------------------------------------------------------------------------------------


def require_curator(request) -> None:
    if not permissions.can_curate(request.user):
        raise PermissionDenied("Only curators and moderators curate the digest.")


def get_entry_for_curation(request, day: date, pk: int) -> DigestEntry:
    """Entry ``pk`` of the digest of ``day`` (404 otherwise), for a curator (403 otherwise)."""
    require_curator(request)
    return get_object_or_404(DigestEntry.objects.select_related("digest", "paper", "category"), pk=pk, digest__date=day)


def get_digest_for_curation(request, day: date) -> Digest | None:
    """The digest of ``day`` (None before the first decision), for a curator (403 otherwise)."""
    require_curator(request)
    return Digest.objects.filter(date=day).first()


# --- Triage -----------------------------------------------------------------------------------------------


@login_required
def curate_latest(request):
    """The latest announcement day's triage page."""
    require_curator(request)
    day = curation.latest_announcement_day()
    if day is None:
        return render(request, "digest/curate/no_papers.html")
    return redirect("digest:triage", day.isoformat())


@login_required
def triage(request, day: date):
    require_curator(request)
    data = curation.triage_page(
        day,
        category=request.GET.get("category", ""),
        query=request.GET.get("q", ""),
        page_number=request.GET.get("page") or 1,
    )
    days = Paper.objects.filter(announced_on__isnull=False)
    context = {
        "triage": data,
        "day": day,
        "note_form": NoteForm(),
        "previous_day": days.filter(announced_on__lt=day).aggregate(day=Max("announced_on"))["day"],
        "next_day": days.filter(announced_on__gt=day)
        .order_by("announced_on")
        .values_list("announced_on", flat=True)
        .first(),
        "autosave": data.digest is None or data.digest.state != Digest.State.PUBLISHED,
        "here": request.get_full_path(),
    }
    return render(request, "digest/curate/triage.html", context)


def _counts(digest: Digest) -> dict:
    entries = DigestEntry.objects.filter(digest=digest).aggregate(
        added=Count("id"), starred=Count("id", filter=Q(starred=True))
    )
    return {**entries, "skipped": SkippedPaper.objects.filter(digest=digest).count()}


def _entry_json(entry: DigestEntry | None) -> dict | None:
    if entry is None:
        return None
    return {
        "id": entry.pk,
        "url": reverse("digest:entry", args=[entry.digest.date.isoformat(), entry.pk]),
        "note": entry.note,
        "language": entry.language,
        "starred": entry.starred,
    }


@login_required
@require_POST
def triage_action(request, day: date, paper_id: int):
    """Add, remove, star, unstar, skip or unskip one of the day's papers; ``note`` adds it and opens its note."""
    require_curator(request)
    paper = curation.day_paper(day, paper_id)
    if paper is None:
        raise Http404("No such paper on this day.")
    action = request.POST.get("action", "")
    if action not in (*curation.ACTIONS, "note"):
        return HttpResponseBadRequest("Unknown action.")
    digest = curation.digest_for(day, request.user)
    fallback = reverse("digest:triage", args=[day.isoformat()]) + f"#paper-{paper.pk}"
    try:
        state, entry = curation.decide(
            digest,
            paper,
            "add" if action == "note" else action,
            request.user,
            category=request.POST.get("category", ""),
        )
    except curation.CurationError as error:
        if wants_json(request):
            return JsonResponse({"error": str(error)}, status=409)
        messages.error(request, str(error))
        return redirect(_next(request, fallback))
    if wants_json(request):
        return JsonResponse({"state": state, "entry": _entry_json(entry), "counts": _counts(digest)})
    if action == "note" and entry is not None:
        return redirect("digest:entry", day.isoformat(), entry.pk)
    return redirect(_next(request, fallback))


# --- Entries: order, notes, figures -------------------------------------------------------------------------


@login_required
def entries(request, day: date):
    """The digest's entries in order (move up and down), its title and introduction."""
    digest = get_digest_for_curation(request, day)
    if request.method == "POST":
        if digest is None:
            digest = curation.digest_for(day, request.user)
        form = DigestTextForm(request.POST)
        if form.is_valid():
            digest.title = form.cleaned_data["title"]
            digest.intro = form.cleaned_data["intro"]
            digest.save(update_fields=["title", "intro", "updated_at"])  # Digest.save renders the introduction
            messages.success(request, "Title and introduction saved.")
            return redirect("digest:entries", day.isoformat())
    else:
        form = DigestTextForm(initial={"title": digest.title, "intro": digest.intro} if digest else None)
    rows = curation.digest_entries(digest) if digest else []
    return render(request, "digest/curate/entries.html", {"day": day, "digest": digest, "entries": rows, "form": form})


@login_required
def entry(request, day: date, pk: int):
    """One entry: its note (with live preview), language, section and figures."""
    item = get_entry_for_curation(request, day, pk)
    categories = list(Category.objects.filter(paper_links__paper=item.paper).order_by("paper_links__position"))
    if request.method == "POST":
        form = NoteForm(request.POST, categories=categories)
        if form.is_valid():
            item.set_note(form.cleaned_data["note"], form.cleaned_data["language"])
            section = form.cleaned_data.get("category")
            if section and section != item.category_id:
                item.category_id = section
                item.save(update_fields=["category", "updated_at"])
            if wants_json(request):
                return JsonResponse({"saved": True, "entry": _entry_json(item)})
            messages.success(request, "Note saved.")
            return redirect(_next(request, reverse("digest:entry", args=[day.isoformat(), item.pk])))
        if wants_json(request):
            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        status = 400
    else:
        form = NoteForm(
            initial={"note": item.note, "language": item.language, "category": item.category_id}, categories=categories
        )
        status = 200
    context = {
        "day": day,
        "entry": item,
        "form": form,
        "figure_form": FigureForm(),
        "figures": list(item.figures.all()),
        "autosave": item.digest.state != Digest.State.PUBLISHED,
    }
    return render(request, "digest/curate/entry.html", context, status=status)


@login_required
@require_POST
def entry_move(request, day: date, pk: int):
    item = get_entry_for_curation(request, day, pk)
    offset = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    if offset is None:
        return HttpResponseBadRequest("Move up or down.")
    moved = curation.move(item, offset)
    if wants_json(request):
        order = list(curation.entry_order(item.digest_id).values_list("id", flat=True))
        return JsonResponse({"moved": moved, "order": order})
    return redirect(_next(request, reverse("digest:entries", args=[day.isoformat()]) + f"#entry-{item.pk}"))


@login_required
@require_POST
def figure_add(request, day: date, pk: int):
    """A figure for the entry, through the summaries' validated image upload (decoded, bounded, re-encoded)."""
    item = get_entry_for_curation(request, day, pk)
    here = reverse("digest:entry", args=[day.isoformat(), item.pk])
    form = FigureForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
        return redirect(here)
    try:
        check(request, "upload")
        with one_at_a_time(request, "upload"):
            image = images.validate_and_reencode(form.cleaned_data["image"])
    except (RateLimited, Busy) as error:
        messages.error(request, str(error))
        return redirect(here)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(here)
    position = (item.figures.aggregate(last=Max("position"))["last"] or 0) + 1
    figure = DigestFigure(entry=item, caption=form.cleaned_data["caption"], position=position)
    figure.image.save(f"figure.{image.extension}", ContentFile(image.content), save=True)
    messages.success(request, "Figure added.")
    return redirect(here)


@login_required
@require_POST
def figure_delete(request, day: date, pk: int, figure_pk: int):
    item = get_entry_for_curation(request, day, pk)
    figure = get_object_or_404(DigestFigure, pk=figure_pk, entry=item)
    figure.image.delete(save=False)
    figure.delete()
    messages.success(request, "Figure removed.")
    return redirect("digest:entry", day.isoformat(), item.pk)


@login_required
@require_POST
def entry_summary(request, day: date, pk: int):
    """Turn the note into the curator's own summary of the paper (private, to finish in the editor)."""
    item = get_entry_for_curation(request, day, pk)
    if not permissions.can_write_summary(request.user, item.paper):
        raise PermissionDenied("You cannot write summaries at the moment.")
    if not item.note.strip():
        messages.error(request, "Write a note first: it becomes the summary's first draft.")
        return redirect("digest:entry", day.isoformat(), item.pk)
    summary, created = curation.note_to_summary(item, request.user)
    if created:
        messages.success(request, "Your note is now a private summary of this paper: finish it and publish it here.")
    else:
        messages.info(request, "You have a summary of this paper already; the note was not copied into it.")
    return redirect("summaries:edit", pk=summary.pk)


# --- Preview and publication -----------------------------------------------------------------------------------


@login_required
def preview(request, day: date):
    """The whole digest as readers will see it, with the publication controls."""
    digest = get_digest_for_curation(request, day)
    rows = curation.digest_entries(digest) if digest else []
    context = {
        "day": day,
        "digest": digest,
        "entries": rows,
        "sections": curation.sections(rows),
        "schedule_form": ScheduleForm(
            initial={"publish_at": digest.publish_at} if digest and digest.publish_at else None
        ),
        "may_unpublish": permissions.can_unpublish_digest(request.user),
    }
    return render(request, "digest/curate/preview.html", context)


@login_required
@require_POST
def publication(request, day: date):
    """Publish now, schedule, cancel the schedule, or (moderators) unpublish."""
    digest = get_digest_for_curation(request, day)
    if digest is None:
        raise Http404("Nothing to publish: no paper was added to this day's digest.")
    action = request.POST.get("action", "")
    here = reverse("digest:curate-preview", args=[day.isoformat()])
    try:
        if action == "publish":
            digest.publish(request.user)
            messages.success(request, "Published.")
        elif action == "schedule":
            form = ScheduleForm(request.POST)
            if not form.is_valid():
                messages.error(request, " ".join(form.errors["publish_at"]))
                return redirect(here)
            digest.schedule(form.cleaned_data["publish_at"], request.user)
            messages.success(request, f"Scheduled for {digest.publish_at:%-d %B %Y, %H:%M}.")
        elif action == "unschedule":
            digest.unschedule(request.user)
            messages.success(request, "The schedule is cancelled; the digest is a draft again.")
        elif action == "unpublish":
            if not permissions.can_unpublish_digest(request.user):
                raise PermissionDenied("Only moderators unpublish a digest.")
            digest.unpublish(request.user)
            messages.success(request, "Unpublished: the digest is a draft again.")
        else:
            return HttpResponseBadRequest("Unknown action.")
    except DigestStateError as error:
        messages.error(request, str(error))
    return redirect(here)
