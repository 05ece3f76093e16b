"""allauth adapters: how sign-ups (e-mail + password, or GitHub/Google/ORCID) become members.

The e-mail sign-up form (``accounts.forms.SignupForm``) holds the honeypot and counts the per-IP
sign-up rate limit; sign-ups through a provider are counted here, where the account is created.
Account e-mails (address confirmation, password reset…) speak as ``SITE_NAME`` and link to ``SITE_URL``,
never to the host name the request happened to use (the Sites framework is not installed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404

from accounts import names, ratelimit
from shortscience.lib.links import on_site, site_url
from shortscience.lib.mail import send_or_log


@dataclass(frozen=True)
class PublicSite:
    """What allauth's e-mail templates read as ``current_site``: the site's name and public address."""

    name: str
    domain: str


def _on(host: str | None, value) -> bool:
    """Whether ``value`` is an absolute link to ``host`` (the request's host name)."""
    return isinstance(value, str) and value.startswith(("https://", "http://")) and urlsplit(value).netloc == host


def public_site() -> PublicSite:
    return PublicSite(name=settings.SITE_NAME, domain=urlsplit(site_url("/")).netloc)


MAIL_FAILED_MESSAGE = (
    "We could not send the e-mail to {email} just now; everything else was saved. It can be sent again in a few "
    "minutes: from your e-mail settings, or by repeating the request."
)


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request) -> str:
        # allauth's own rate limits (login failures, password resets) count the same address as ours.
        return ratelimit.client_ip(request)

    def format_email_subject(self, subject: str) -> str:
        return f"[{settings.SITE_NAME}] {subject}"

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # allauth puts the request's host in ``current_site`` and in its links (activate_url, signup_url,
        # password_reset_url…); the e-mails name the site and link to its public address instead.
        host = self.request.get_host() if self.request is not None else None
        links = {key: on_site(value) for key, value in context.items() if key.endswith("_url") and _on(host, value)}
        # Sign-up, verification and password e-mails: the account or change is already saved when this runs.
        send = partial(super().send_mail, template_prefix, email, {**context, **links, "current_site": public_site()})
        if not send_or_log(send, what=f"the {template_prefix} e-mail") and self.request is not None:
            messages.warning(self.request, MAIL_FAILED_MESSAGE.format(email=email), fail_silently=True)

    def clean_username(self, username: str, shallow: bool = False) -> str:
        # Invisible characters go first, so that "admin\u200b" is judged (and refused) as "admin".
        username = super().clean_username(names.normalise(username), shallow=shallow)
        return names.clean_name(username, what="username")


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def get_app(self, request, provider, client_id=None):
        # A provider whose keys are not configured has no app: its login and callback URLs are
        # "not found", never a server error.
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise Http404("This sign-in method is not switched on.") from None

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        name = " ".join(filter(None, [data.get("first_name"), data.get("last_name")])) or data.get("name") or ""
        try:
            user.display_name = names.clean_name(name)[:100]
        except forms.ValidationError:
            user.display_name = ""  # shown by username until they choose another name in their settings
        if sociallogin.account.provider == "orcid":
            orcid = str(sociallogin.account.uid or "")
            if re.match(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$", orcid):
                user.orcid = orcid
        return user

    def save_user(self, request, sociallogin, form=None):
        # A provider sign-up creates an account just like the form does: same per-IP limit.
        try:
            ratelimit.check(request, "signup")
        except ratelimit.RateLimited as error:
            raise ImmediateHttpResponse(ratelimit.limited_response(request, error)) from error
        return super().save_user(request, sociallogin, form)
