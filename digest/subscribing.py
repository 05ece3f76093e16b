"""E-mail subscriptions to the digest: the forms, double opt-in and its confirmation mail.

Whatever state an address is in (unknown, pending, subscribed, unsubscribed), asking to subscribe it gets the
same answer on the page ("check your inbox"): nobody learns from the site who is subscribed. The address's owner
learns it from the mail: a confirmation link for a new or lapsed subscription, the manage link for an active one
(whose choices only its owner may change). At most one such mail per address every CONFIRM_MAIL_INTERVAL
seconds, and the form is rate-limited per visitor (``accounts.ratelimit``, "digest_subscribe").
"""

from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string

from digest.models import DigestEntry, Subscription
from jobs.queue import enqueue
from jobs.tasks import send_email
from papers.models import Category
from shortscience.lib.links import site_url

CONFIRM_MAIL_INTERVAL = 15 * 60


def category_choices(chosen=()):
    """The categories one can subscribe to: those the digest has had entries in (one probe of the entries'
    category index per category), plus any already chosen."""
    return Category.objects.filter(
        Q(Exists(DigestEntry.objects.filter(category=OuterRef("pk")))) | Q(pk__in=list(chosen))
    ).order_by("code")


class CategoryField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, category):
        return f"{category.code} — {category.name}" + (f" ({category.name_zh})" if category.name_zh else "")


class PreferencesForm(forms.Form):
    """What a subscriber receives: categories (none: all) and starred entries only."""

    categories = CategoryField(
        queryset=Category.objects.none(),
        required=False,
        label="Categories",
        help_text="Only entries in these categories. Choose none to get every entry.",
    )
    starred_only = forms.BooleanField(
        required=False, label="Starred entries only", help_text="Only the papers the curators marked ★."
    )

    def __init__(self, *args, chosen=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = category_choices(chosen)


class SubscribeForm(PreferencesForm):
    email = forms.EmailField(label="E-mail address", max_length=254)

    field_order = ["email", "categories", "starred_only"]

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


def request_subscription(email: str, categories, starred_only: bool, user=None) -> None:
    """Start double opt-in for ``email`` with these choices, or remind an active subscriber of their manage link.

    A subscription that is not active (new, pending, unsubscribed) takes the new choices and waits for
    confirmation; an active one is left alone. The mail is sent after the commit, keyed uniquely, at most once per
    CONFIRM_MAIL_INTERVAL per address."""
    with transaction.atomic():
        subscription, _ = Subscription.objects.select_for_update().get_or_create(email=email)
        active = subscription.is_active
        if not active:
            subscription.confirmed_at = None
            subscription.unsubscribed_at = None
            subscription.starred_only = starred_only
            if user is not None and user.is_authenticated and (user.email or "").lower() == email:
                subscription.user = user
            subscription.save()
            subscription.categories.set(categories)
        if not cache.add(f"digest:confirm-mail:{subscription.pk}", 1, CONFIRM_MAIL_INTERVAL):
            return
        template = "digest/mail/already_subscribed.txt" if active else "digest/mail/confirm.txt"
        subject = "Your digest subscription" if active else "Confirm your subscription to the digest"
        body = render_to_string(
            template,
            {
                "subscription": subscription,
                "SITE_NAME": settings.SITE_NAME,
                "confirm_url": site_url(subscription.get_confirm_url()),
                "manage_url": site_url(subscription.get_absolute_url()),
            },
        )
        enqueue(send_email, f"digest:confirm:{subscription.pk}:{uuid.uuid4().hex}", subject, body, [email])


def subscription_of(user) -> Subscription | None:
    """A member's own subscription (linked to them, or to their account's address), for the form's prefill."""
    if not (user and user.is_authenticated):
        return None
    query = Q(user=user)
    if user.email:
        query |= Q(email=user.email.lower())
    return Subscription.objects.filter(query).order_by("-pk").first()
