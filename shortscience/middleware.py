"""Requests refused at the edge, before any view, form or query sees them.

Two kinds: bodies larger than anything the site accepts (413, checked on the declared Content-Length so the
body is never read), and control characters in the path or query string (400). PostgreSQL cannot store a NUL
in a text value and refuses it with a DataError, and no URL of the site has a use for any other C0 control
character; checking here, once, keeps every lookup, filter and search behind it from having to.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from django.conf import settings

from shortscience.views import error_response

# C0 controls and DEL. Bodies may carry tab, CR and LF (a textarea's line breaks); forms refuse NUL themselves.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_BYTES = re.compile(rb"[\x00-\x1f\x7f]")

TOO_LARGE_MESSAGE = (
    "The request is larger than this site accepts ({limit}). Nothing was saved. If you were writing, go back with "
    "your browser: your text is still in the form."
)
CONTROL_MESSAGE = "The address contains control characters (such as a NUL byte), which no page of this site uses."


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def has_control_characters(path: str, query_string: str) -> bool:
    """True when the (decoded) path or the percent-decoded query string holds a C0 control character or DEL."""
    return bool(_CONTROL_CHARACTERS.search(path) or _CONTROL_BYTES.search(unquote_to_bytes(query_string)))


class RejectMalformedRequestsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body without a valid length either
        limit = settings.REQUEST_BODY_MAX_BYTES
        if length > limit:
            return error_response(request, 413, "Request too large", TOO_LARGE_MESSAGE.format(limit=_megabytes(limit)))
        if has_control_characters(request.path_info, request.META.get("QUERY_STRING", "")):
            return error_response(request, 400, "Bad request", CONTROL_MESSAGE)
        return self.get_response(request)
