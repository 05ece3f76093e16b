"""Absolute links to the site for e-mails (moderation notices, account e-mails): never the request's host.

A request may reach the site under another name (127.0.0.1:8101 behind a proxy, a preview host); links
that leave the site in an e-mail must point at its public address, ``SITE_URL``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


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
