"""The digest's public side: the day's page, the latest, the monthly archive, and e-mail subscriptions.

Drafts and scheduled digests are 404 for readers (``get_digest_for_view``).
"""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from accounts.ratelimit import ratelimit
from digest.models import Digest, Subscription
from digest.subscribing import PreferencesForm, SubscribeForm, request_subscription, subscription_of
from papers.pagination import paginate
from shortscience.lib import versions

# Entries on one page of a digest (a day's digest rarely has more).
ENTRIES_PAGE_SIZE = 100


def parse_day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise Http404("No such day.") from None


def get_digest_for_view(request, day: datetime.date) -> Digest:
    """The published digest of ``day``, else 404 (a draft or scheduled digest is not shown to readers)."""
    return get_object_or_404(Digest.objects.published(), date=day)


class FilterForm(forms.Form):
    """The day page's GET filters: one category of the digest, starred entries only."""

    category = forms.ChoiceField(label="Category", required=False)
    starred = forms.BooleanField(label="Starred only", required=False)

    def __init__(self, data, *, sections):
        super().__init__(data)
        self.fields["category"].choices = [("", "All categories")] + [
            (category.code, f"{category.code} — {category.name}") for category in sections
        ]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {"category": self.cleaned_data["category"], "starred": self.cleaned_data["starred"]}


def _render_digest(request, digest: Digest, *, latest: bool = False):
    sections = digest.sections()
    form = FilterForm(request.GET, sections=sections)
    filters = form.filters()
    context = {
        "digest": digest,
        "sections": sections,
        "form": form,
        "filtered": bool(filters.get("category") or filters.get("starred")),
        "category": next((c for c in sections if c.code == filters.get("category")), None),
        "latest": latest,
        "canonical_url": request.build_absolute_uri(digest.get_absolute_url()),
        "month_url": reverse("digest:month", args=[digest.date.year, digest.date.month]),
    }
    context.update(_digest_body(request, digest, filters, context))
    return render(request, "digest/day.html", context)


def _digest_body(request, digest: Digest, filters: dict, context: dict) -> dict:
    """The day page's article (``digest/_day_body.html``: legend, filters, the page of entries with their notes,
    authors, affiliations, abstracts and figures) as ``body``, and its page number as ``page_number``.

    The same for every reader: kept in the cache under the listing stamp and the address
    (``versions.remember_for_address``), which every saved digest, entry, paper or author bumps
    (``shortscience.invalidation``), as the anonymous page cache is. Members' pages never get the page cache, and
    the day's entries were most of their page: 35 of a member's 36 ms at 2.5 M papers (docs/performance.md)."""

    def render_body() -> dict:
        entries = digest.entries.with_number().for_display().filtered(**filters).in_order()
        page = paginate(request, entries, ENTRIES_PAGE_SIZE)
        for entry in page.object_list:
            entry.digest = digest
        body = render_to_string("digest/_day_body.html", {**context, "page": page}, request=request)
        return {"body": body, "page_number": page.number}

    return versions.remember_for_address(
        request, f"digest-body:1:{digest.pk}", render_body, settings.PAGE_CACHE_SECONDS
    )


@require_safe
def latest(request):
    """The latest published digest (its canonical address is its day's page)."""
    digest = Digest.objects.published().order_by("-date").first()
    if digest is None:
        return render(request, "digest/none.html")
    return _render_digest(request, digest, latest=True)


@require_safe
def day(request, day: str):
    return _render_digest(request, get_digest_for_view(request, parse_day(day)))


@require_safe
def month(request, year: int, month: int):
    try:
        first = datetime.date(year, month, 1)
    except (ValueError, OverflowError):
        raise Http404("No such month.") from None
    following = (first + datetime.timedelta(days=31)).replace(day=1)
    published = Digest.objects.published()
    digests = list(published.in_month(year, month).only("date", "title", "entry_count", "state"))
    earlier = published.filter(date__lt=first).order_by("-date").values_list("date", flat=True).first()
    later = published.filter(date__gte=following).order_by("date").values_list("date", flat=True).first()
    if not digests and earlier is None and later is None:
        raise Http404("No digest yet.")
    return render(
        request,
        "digest/month.html",
        {
            "month": first,
            "og_title": f"Digests of {first:%B %Y}",
            "digests": digests,
            "earlier": earlier,
            "later": later,
            "canonical_url": request.build_absolute_uri(reverse("digest:month", args=[year, month])),
        },
    )


# --- Subscriptions -----------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit("digest_subscribe")
def subscribe(request):
    """Subscribe an address: the same answer whatever its state (see ``digest.subscribing``)."""
    own = subscription_of(request.user)
    if request.method == "POST":
        form = SubscribeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            request_subscription(data["email"], data["categories"], data["starred_only"], user=request.user)
            return render(request, "digest/subscribe_sent.html", {"email": data["email"]})
    else:
        initial = {"email": request.user.email if request.user.is_authenticated else ""}
        if own is not None:
            initial |= {"categories": list(own.categories.all()), "starred_only": own.starred_only}
        form = SubscribeForm(initial=initial)
    return render(request, "digest/subscribe.html", {"form": form, "own": own})


def get_subscription(token) -> Subscription:
    """The subscription holding ``token`` (the key the e-mails carry), else 404."""
    return get_object_or_404(Subscription, token=token)


@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token):
    """Double opt-in: a GET shows a button (mail scanners follow links), the POST confirms."""
    subscription = get_subscription(token)
    if request.method == "POST":
        if subscription.confirm():
            messages.success(request, "Your subscription is confirmed: the next digest comes to your inbox.")
        return redirect(subscription)
    return render(request, "digest/confirm.html", {"subscription": subscription})


@require_http_methods(["GET", "HEAD", "POST"])
def manage(request, token):
    subscription = get_subscription(token)
    chosen = list(subscription.categories.all())
    if request.method == "POST":
        form = PreferencesForm(request.POST, chosen=[category.pk for category in chosen])
        if form.is_valid():
            subscription.set_choices(form.cleaned_data["categories"], form.cleaned_data["starred_only"])
            messages.success(request, "Your choices are saved.")
            return redirect(subscription)
    else:
        form = PreferencesForm(
            initial={"categories": chosen, "starred_only": subscription.starred_only},
            chosen=[category.pk for category in chosen],
        )
    return render(request, "digest/manage.html", {"subscription": subscription, "form": form})


@csrf_exempt  # RFC 8058 one-click: the mail client POSTs "List-Unsubscribe=One-Click" with no cookie or token
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    """GET: a page with one button; POST (that button, or a mail client's one-click): unsubscribed at once."""
    subscription = get_subscription(token)
    if request.method == "POST":
        subscription.unsubscribe()
        return render(request, "digest/unsubscribed.html", {"subscription": subscription})
    return render(request, "digest/unsubscribe.html", {"subscription": subscription})
