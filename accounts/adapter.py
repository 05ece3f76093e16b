"""allauth adapters: how sign-ups (e-mail + password, or GitHub/Google/ORCID) become members.

The e-mail sign-up form (``accounts.forms.SignupForm``) holds the honeypot and counts the per-IP
sign-up rate limit; sign-ups through a provider are counted here, where the account is created.
"""

from __future__ import annotations

import re

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django import forms
from django.http import Http404

from accounts import names, ratelimit


class AccountAdapter(DefaultAccountAdapter):
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
