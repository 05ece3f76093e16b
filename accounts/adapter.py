"""allauth adapters: how sign-ups (e-mail + password, or GitHub/Google/ORCID) become members.

The e-mail sign-up form (``accounts.forms.SignupForm``) holds the honeypot and counts the per-IP
sign-up rate limit; sign-ups through a provider are counted here, where the account is created.
"""

from __future__ import annotations

import re
from functools import partial

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django import forms
from django.contrib import messages
from django.http import Http404

from accounts import ratelimit
from shortscience.mail import send_or_log

# Usernames appear in URLs (/users/<username>/) and in the interface; keep them unambiguous.
RESERVED_USERNAMES = {"admin", "administrator", "moderator", "moderators", "shortscience", "anonymous", "staff"}


MAIL_FAILED_MESSAGE = (
    "We could not send the e-mail to {email} just now; everything else was saved. It can be sent again in a few "
    "minutes: from your e-mail settings, or by repeating the request."
)


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # Sign-up, verification and password e-mails: the account or change is already saved when this runs.
        send = partial(super().send_mail, template_prefix, email, context)
        if not send_or_log(send, what=f"the {template_prefix} e-mail") and self.request is not None:
            messages.warning(self.request, MAIL_FAILED_MESSAGE.format(email=email), fail_silently=True)

    def clean_username(self, username: str, shallow: bool = False) -> str:
        username = super().clean_username(username, shallow=shallow)
        if username.lower() in RESERVED_USERNAMES:
            raise forms.ValidationError("This username is reserved. Please choose another one.")
        return username


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
        user.display_name = " ".join(name.split())[:100]
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
