"""allauth adapters: how sign-ups (e-mail + password, or GitHub/Google/ORCID) become members.

The e-mail sign-up form (``accounts.forms.SignupForm``) holds the honeypot and counts the per-IP
sign-up rate limit; sign-ups through a provider are counted here, where the account is created.
Account e-mails (address confirmation, password reset…) speak as ``SITE_NAME`` and link to ``SITE_URL``,
never to the host name the request happened to use (the Sites framework is not installed). They are rendered in
the request (allauth's templates read it) and sent by the queue (``jobs.tasks.send_email``), after the commit.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django import forms
from django.conf import settings
from django.http import Http404

from accounts import names, ratelimit
from jobs.queue import enqueue
from jobs.tasks import send_email
from shortscience.lib.links import on_site, site_url


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
        context = {"request": self.request, "email": email, **context, **links, "current_site": public_site()}
        message = self.render_mail(template_prefix, email, context)
        # allauth renders a text body, plus an HTML one when a ``…_message.html`` template exists.
        html = next((content for content, kind in getattr(message, "alternatives", []) if kind == "text/html"), "")
        # A fresh key per e-mail: the member may ask for another one (each is sent), a retried task may not.
        key = f"account:{uuid.uuid4()}"
        enqueue(send_email, key, message.subject, message.body, message.to, html, message.extra_headers)

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
