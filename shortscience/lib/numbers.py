"""Numbers typed into URLs, forms and imported text.

``str.isdigit()`` is true for "²" and other digits ``int()`` refuses, so every such check goes through here:
ASCII digits only.
"""

from __future__ import annotations

import re

_ASCII_DIGITS = re.compile(r"[0-9]+")


def ascii_int(value: str | None) -> int | None:
    """``value`` as an int when it is ASCII digits only (no sign, no spaces), else None."""
    if value is None or not _ASCII_DIGITS.fullmatch(value):
        return None
    return int(value)
