"""A member's public profile, and their own pages: settings (profile), data export and account deletion.

Banned members keep their own pages: they may still edit their profile, take their data and leave.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.forms import DeleteAccountForm, ProfileForm
from accounts.models import User
from comments.models import Comment
from members.deletion import delete_account
from members.export import build_export
from summaries.listing import card_page
from summaries.models import Summary

PROFILE_PAGE_SIZE = 20


@require_GET
def profile(request, username: str):
    member = get_object_or_404(User, username=username, is_active=True)
    summaries = Summary.objects.filter(writer=member).credited().for_cards()
    page = card_page(request, summaries.latest(), PROFILE_PAGE_SIZE, listing=f"profile:{member.pk}")
    website = member.website if member.website.lower().startswith(("https://", "http://")) else ""
    return render(request, "accounts/profile.html", {"member": member, "page": page, "website": website})


@require_GET
def legacy_profile(request):
    """The old site's ``/user?name=<username>``."""
    member = get_object_or_404(User, username=request.GET.get("name", "").strip(), is_active=True)
    return redirect(member, permanent=True)


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile is saved.")
        return redirect("members:settings")
    return render(
        request,
        "accounts/settings.html",
        {"form": form, "social_enabled": bool(settings.SOCIALACCOUNT_PROVIDERS)},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def export(request):
    if request.method == "POST":
        data = build_export(request.user, base_url=request.build_absolute_uri("/").rstrip("/"))
        stamp = timezone.now().strftime("%Y-%m-%d")
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="shortscience-{request.user.username}-{stamp}.zip"'
        response["Cache-Control"] = "private, no-store"
        return response
    counts = {
        "summaries": Summary.objects.filter(writer=request.user).count(),
        "comments": Comment.objects.filter(writer=request.user).count(),
    }
    return render(request, "accounts/settings_export.html", {"counts": counts})


@login_required
@require_http_methods(["GET", "POST"])
def delete(request):
    user = request.user
    form = DeleteAccountForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = user.username
        logout(request)
        delete_account(user)
        messages.success(request, f"The account “{username}” is deleted. Your public summaries stay, as anonymous.")
        return redirect("home")
    summaries = Summary.objects.filter(writer=user)
    counts = {
        "public": summaries.filter(visibility=Summary.Visibility.PUBLIC).count(),
        "private": summaries.filter(visibility=Summary.Visibility.PRIVATE).count(),
        "comments": Comment.objects.filter(writer=user).count(),
    }
    return render(request, "accounts/delete.html", {"form": form, "counts": counts}, status=400 if form.errors else 200)
