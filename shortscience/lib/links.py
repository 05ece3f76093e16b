"""Links to the site: absolute ones for e-mails (moderation notices, account e-mails), never the request's host;
and the addresses of many rows of one page at the cost of one ``reverse`` (``url_with_id``).

A request may reach the site under another name (127.0.0.1:8101 behind a proxy, a preview host); links
that leave the site in an e-mail must point at its public address, ``SITE_URL``.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse


def site_url(path: str) -> str:
    """An absolute link for e-mails: ``SITE_URL`` or https:// and the first host name, then ``path``."""
    base = settings.SITE_URL
    if not base:
        hosts = [host.lstrip(".") for host in settings.ALLOWED_HOSTS if host not in ("*", "")]
        base = f"https://{hosts[0]}" if hosts else ""
    return base + path


def on_site(url: str) -> str:
    """``url`` (absolute or not) moved onto the site's public address: same path, query and fragment."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    if parts.fragment:
        path += f"#{parts.fragment}"
    return site_url(path)


# An id no row has, to find where an object's id sits in its address.
_ANY_PK = 918273645


def url_with_id(viewname: str, *args) -> Callable[[int], str]:
    """``lambda pk: reverse(viewname, args=[*args, pk])`` for the many rows of one page at the cost of one
    ``reverse``: the address is reversed once with an id no row has and split around it. A list page with a vote
    column or comment actions per row spent more on ``reverse`` than on the rest of the row (issue 14)."""
    before, after = reverse(viewname, args=[*args, _ANY_PK]).split(str(_ANY_PK))
    return lambda pk: f"{before}{int(pk)}{after}"
