"""The site's authentication backends: Django's and allauth's, loading the signed-in member in one statement.

``django.contrib.auth.get_user`` asks the backend that signed the member in (its path is kept in the session) for the
member on every signed-in request. Both backends here load them with ``User.objects.signed_in``: the row and the
member's roles together, the statement built once per process (docs/performance.md). Authentication itself
(passwords, e-mail log-in) is the parents' own.

Sessions started before these classes name Django's and allauth's own backends; ``accounts.middleware`` moves them
over on their next request.
"""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend


class _SignedInMember:
    def get_user(self, user_id):
        member = get_user_model()._default_manager.signed_in(user_id)
        return member if member is not None and self.user_can_authenticate(member) else None


class ModelBackend(_SignedInMember, DjangoModelBackend):
    """Django's ``ModelBackend`` (username and password, the admin's log-in, permissions)."""


class AuthenticationBackend(_SignedInMember, AllauthBackend):
    """allauth's backend (log-in by e-mail address or username)."""


# Backends sessions may name from before these classes, and what replaces each.
REPLACED = {
    "django.contrib.auth.backends.ModelBackend": "accounts.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": "accounts.backends.AuthenticationBackend",
}
