"""Links to a paper elsewhere (landing page, PDF): web addresses only, whatever the source.

Every path a paper's links come in by (arXiv, Crossref, BibTeX, the manual form, the admin) uses this one
check: ``http``/``https`` with a host, nothing else. A BibTeX ``url = {javascript:…}`` or ``data:`` link must
never become a "Publisher" link; the paper block checks again when it renders.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

WEB_SCHEMES = ["http", "https"]
URL_MAX_LENGTH = 500  # Paper.url and Paper.pdf_url

# Its own code: a URL field's "invalid" message would replace this one.
validate_web_url = URLValidator(
    schemes=WEB_SCHEMES, message="Enter a web address that starts with http:// or https://.", code="not_web_url"
)


def is_web_url(value: str | None) -> bool:
    if not value or len(value) > URL_MAX_LENGTH:
        return False
    try:
        validate_web_url(value)
    except ValidationError:
        return False
    return True


def web_url_or_empty(value: str | None) -> str:
    """``value`` (stripped) when it is an http(s) address short enough to store, else ""."""
    value = (value or "").strip()
    return value if is_web_url(value) else ""
