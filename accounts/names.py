"""Member names as others see them: sign-up usernames and display names.

One rule for both (``clean_name``): the name is NFKC-normalised and loses invisible characters (zero-width
spaces and joiners, bidi controls such as U+202E, soft hyphens, fillers), so what is stored is what is shown;
and it may not look like a reserved name or like the username or display name of a member of staff
(``User.objects.staff()``), the names readers trust. "Looks like" compares skeletons (``skeleton``): case,
accents, spacing and punctuation dropped, and common Cyrillic, Greek and digit look-alikes of Latin letters
mapped to them, so ``mоderator`` (Cyrillic о), ``M0D`` and ``Alice Martín`` match ``moderator``, ``mod`` and
``Alice Martin``.
"""

from __future__ import annotations

import re
import unicodedata

from django import forms

from accounts.models import User

# Usernames appear in URLs (/users/<username>/) and in the interface; keep them unambiguous.
RESERVED_NAMES = ("admin", "administrator", "moderator", "moderators", "shortscience", "anonymous", "staff")

# Invisible characters outside Unicode's "format" category (Cf, removed as a whole): fillers and blanks.
_INVISIBLE = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0")

# Look-alikes of Latin letters, after casefolding: Cyrillic, Greek, IPA/Latin variants, digits.
_CONFUSABLES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "г": "r", "е": "e", "ё": "e", "з": "3", "к": "k", "м": "m", "н": "h", "о": "o",
        "п": "n", "р": "p", "с": "c", "т": "t", "у": "y", "ү": "y", "х": "x", "ь": "b", "ѕ": "s", "і": "i",
        "ї": "i", "ј": "j", "ԁ": "d", "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "ѡ": "w", "ɡ": "g",
        # Greek
        "α": "a", "β": "b", "γ": "y", "ε": "e", "η": "n", "ι": "i", "κ": "k", "μ": "u", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c", "ϳ": "j",
        # Latin variants and digits
        "ı": "i", "ȷ": "j", "ɑ": "a", "ɩ": "i", "ɪ": "i", "ʏ": "y", "0": "o", "1": "l", "|": "l",
    }
)  # fmt: skip
_SEPARATORS = re.compile(r"[\s._\-·'’‘`´]+")


def normalise(value: str) -> str:
    """``value`` as it will be stored: NFKC, without invisible characters, single spaces, no spaces at the ends."""
    value = unicodedata.normalize("NFKC", value or "")
    value = "".join(
        " " if char.isspace() else char
        for char in value
        if char not in _INVISIBLE and (char.isspace() or unicodedata.category(char) not in ("Cf", "Cc", "Co", "Cn"))
    )
    return " ".join(unicodedata.normalize("NFKC", value).split())


def skeleton(value: str) -> str:
    """What ``value`` looks like, for comparing names: equal skeletons are names a reader can mistake."""
    value = normalise(value).replace("I", "l")  # a capital i and a small L are the same stroke in most fonts
    value = unicodedata.normalize("NFKD", value.casefold())
    value = "".join(char for char in value if not unicodedata.combining(char)).translate(_CONFUSABLES)
    value = _SEPARATORS.sub("", value)
    return value.replace("rn", "m").replace("vv", "w")


def _staff_skeletons(member) -> set[str]:
    staff = User.objects.staff()
    if member is not None and member.pk is not None:
        staff = staff.exclude(pk=member.pk)
    names = staff.values_list("username", "display_name")
    return {skeleton(name) for pair in names for name in pair if name} - {""}


def clean_name(value: str, *, what: str = "name", member=None, max_length: int | None = None) -> str:
    """``value`` normalised (see ``normalise``); ValidationError if it looks like a reserved or a staff name.

    ``what`` names the field in the message ("name", "username"); ``member`` is the member choosing the name,
    who may keep a name like their own (a moderator their username as display name). ``max_length`` applies
    to the normalised name (NFKC can lengthen it).
    """
    value = normalise(value)
    if max_length is not None and len(value) > max_length:
        raise forms.ValidationError(f"Use at most {max_length} characters.", code="max_length")
    shape = skeleton(value)
    if shape and (shape in {skeleton(name) for name in RESERVED_NAMES} or shape in _staff_skeletons(member)):
        raise forms.ValidationError(
            f"This {what} is reserved or too close to the name of a member of staff. Please choose another one.",
            code="reserved",
        )
    return value
