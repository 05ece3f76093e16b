"""Reading pages about summaries: home, the summary permalink, the writers' leaderboard, random, about."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.models import User
from papers.pagination import paginate
from summaries.listing import card_list, card_page, set_votes_of
from summaries.models import TOP_PERIODS, Summary, site_counts

HOME_PAGE_SIZE = 15
FEATURED_ON_HOME = 3
WRITERS_PAGE_SIZE = 50
# (value of ?top=, tab label, heading)
TOP_TABS = [
    ("week", "Week", "Top summaries of the week"),
    ("month", "Month", "Top summaries of the month"),
    ("all", "All time", "Top summaries of all time"),
]


@require_GET
def home(request):
    top = request.GET.get("top", "")
    top = top if top in TOP_PERIODS else ""
    listed = Summary.objects.listed().for_cards()
    summaries = listed.top(top) if top else listed.latest()
    page = card_page(request, summaries, HOME_PAGE_SIZE, listing=f"home:{top or 'latest'}", votes=False)
    # Editors' picks lead the first page of the default tab only.
    featured = []
    if not top and page.number == 1:
        featured = card_list(request, listed.featured()[:FEATURED_ON_HOME], listing="home:featured", votes=False)
    set_votes_of(request.user, [*featured, *page.object_list])  # one query for both lists
    return render(
        request,
        "summaries/home.html",
        {
            "page": page,
            "top": top,
            "tabs": TOP_TABS,
            "featured": featured,
            "counts": site_counts(),
        },
    )


@require_GET
def writers(request):
    leaders = User.objects.filter(summary_count__gt=0, is_active=True).order_by("-total_score", "id")
    page = paginate(request, leaders, WRITERS_PAGE_SIZE)
    return render(request, "summaries/writers.html", {"page": page})


@never_cache
@require_GET
def random_summary(request):
    summary = Summary.objects.random_listed()
    if summary is None:
        messages.info(request, "There is no summary to show yet.")
        return redirect("home")
    return redirect(summary)


@require_GET
def about(request):
    # CONTACT_EMAIL is optional; without it the page points to the report links only.
    return render(request, "about.html", {"counts": site_counts(), "contact_email": settings.CONTACT_EMAIL})


@require_GET
def legacy_users(request):
    """The old site's ``/users`` leaderboard."""
    return redirect("summaries:writers", permanent=True)
