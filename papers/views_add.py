"""Add a paper: from an arXiv id or link, a DOI, a BibTeX entry, or by hand.

Flow: look up (or parse) → confirmation page with the metadata → "Create paper" (POST) → the paper's page.
The metadata travels to the confirmation in a signed token, so nothing is fetched twice and nothing the
browser sends back is trusted. Never a duplicate: known identifiers and titles lead to the existing paper.
"""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import permissions, ratelimit
from papers import importing
from papers.forms import LookupForm, ManualPaperForm
from papers.models import Venue
from papers.sources import SourceError

VENUE_SUGGESTIONS = 50


def contributor_required(view):
    """Signed-in members who may contribute; banned members get the 403 page, which says why (403.html)."""

    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not permissions.can_contribute(request.user):
            raise PermissionDenied("You cannot add papers at the moment.")
        return view(request, *args, **kwargs)

    return wrapped


def _already_there(request, paper):
    messages.info(request, f"Already on ShortScience: “{paper.title}”. Here it is.")
    return redirect(paper)


def _render_form(request, lookup_form=None, manual_form=None, status=200, error="", lookup_failed=False):
    return render(
        request,
        "papers/add/form.html",
        {
            "lookup_form": lookup_form or LookupForm(initial={"identifier": request.GET.get("identifier", "")}),
            "manual_form": manual_form or ManualPaperForm(),
            "venues": Venue.objects.order_by("-paper_count", "name").values_list("name", "acronym")[:VENUE_SUGGESTIONS],
            "error": error,
            # The look-up service failed: offer the BibTeX box and an open manual form instead.
            "lookup_failed": lookup_failed,
        },
        status=status,
    )


def _render_confirm(request, meta, status=200, error=""):
    return render(
        request,
        "papers/add/confirm.html",
        {"meta": meta, "token": importing.sign_metadata(meta), "error": error},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@contributor_required
def add(request):
    if request.method != "POST":
        return _render_form(request)
    form = LookupForm(request.POST)
    if not form.is_valid():
        return _render_form(request, lookup_form=form)
    if form.is_bibtex:
        try:
            meta = form.parse_bibtex()
        except SourceError:
            return _render_form(request, lookup_form=form)
    else:
        identifier = form.cleaned_data["identifier"]
        existing = importing.existing_for_identifier(identifier)
        if existing:
            return _already_there(request, existing)
        try:
            meta = importing.lookup(identifier, on_fetch=lambda: ratelimit.check(request, "lookup"))
        except ratelimit.RateLimited as error:
            form.add_error("identifier", str(error))
            return _render_form(request, lookup_form=form, status=429)
        except SourceError as error:
            form.add_error("identifier", str(error))
            # The manual form opens with the identifier the member typed already filled in.
            manual_form = ManualPaperForm(initial=ManualPaperForm.initial_for_identifier(identifier))
            return _render_form(request, lookup_form=form, manual_form=manual_form, lookup_failed=True)
    existing = importing.find_duplicate(meta)
    if existing:
        return _already_there(request, existing)
    return _render_confirm(request, meta)


def _create(request, meta, *, on_limit):
    try:
        ratelimit.check(request, "paper_add")
    except ratelimit.RateLimited as error:
        return on_limit(str(error))
    try:
        paper = importing.create_paper(meta, added_by=request.user)
    except importing.DuplicatePaper as duplicate:
        return _already_there(request, duplicate.paper)
    messages.success(request, f"Added “{paper.title}”. Be the first to summarise it!")
    return redirect(paper)


@require_POST
@contributor_required
def confirm(request):
    try:
        meta = importing.unsign_metadata(request.POST.get("token", ""))
    except signing.BadSignature:
        messages.error(request, "That confirmation has expired or was altered. Please look the paper up again.")
        return redirect("papers:add")
    return _create(request, meta, on_limit=lambda message: _render_confirm(request, meta, status=429, error=message))


@require_POST
@contributor_required
def manual(request):
    form = ManualPaperForm(request.POST)
    if not form.is_valid():
        return _render_form(request, manual_form=form)
    meta = form.to_metadata()
    return _create(
        request, meta, on_limit=lambda message: _render_form(request, manual_form=form, status=429, error=message)
    )
