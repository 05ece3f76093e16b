"""Django's ``AuthenticationMiddleware``, which also moves sessions from a replaced backend (``accounts.backends``)."""

from __future__ import annotations

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware

from accounts.backends import REPLACED


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """A session signed in through a backend the site no longer lists (``REPLACED``) names its replacement from now
    on, so that nobody is signed out when the backends change; ``django.contrib.auth.get_user`` then checks it as
    usual (backend listed, session hash)."""

    def process_request(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.session_key is not None:
            replacement = REPLACED.get(session.get(BACKEND_SESSION_KEY))
            if replacement is not None:
                session[BACKEND_SESSION_KEY] = replacement
        return super().process_request(request)
