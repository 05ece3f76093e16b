"""The public profile of a member."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from accounts.models import User
from papers.pagination import paginate
from summaries.models import Summary

PROFILE_PAGE_SIZE = 20


@require_GET
def profile(request, username: str):
    member = get_object_or_404(User, username=username, is_active=True)
    summaries = Summary.objects.filter(writer=member).credited().with_card_data().with_vote_of(request.user)
    page = paginate(request, summaries.latest(), PROFILE_PAGE_SIZE)
    website = member.website if member.website.lower().startswith(("https://", "http://")) else ""
    return render(request, "accounts/profile.html", {"member": member, "page": page, "website": website})


@require_GET
def legacy_profile(request):
    """The old site's ``/user?name=<username>``."""
    member = get_object_or_404(User, username=request.GET.get("name", "").strip(), is_active=True)
    return redirect(member, permanent=True)
