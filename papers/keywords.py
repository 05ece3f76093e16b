"""Keyword slugs: Unicode, in the keyword's own script, valid in every URL that names a keyword.

Keywords are django-taggit tags. Their slugs are **Unicode slugs**, decided once here: taggit already makes
them (``slugify(name, allow_unicode=True)``: ``大模型`` → ``大模型``, ``Großes Modell`` → ``großes-modell``), so
they stay stable for rows that exist; they read as the keyword itself (browsers show the address decoded)
and need no transliteration table (which would read Chinese as ambiguous pinyin and add a dependency).
``reverse()`` percent-encodes them in links, and the ``keyword`` path converter below accepts them.

A name with no letter or digit at all (``+++``, an emoji) slugifies to nothing: ``fix_empty_keyword_slug``
gives it ``keyword``, ``keyword-2``… so such a tag can still be linked.
"""

from __future__ import annotations

import re

from django.utils.text import slugify

# A Unicode slug (what ``slugify(allow_unicode=True)`` makes) with at least one letter or digit; written
# so that matching never backtracks (the URL resolver runs it on whatever path a client sends).
KEYWORD_SLUG_RE = r"[-_]*[^\W_][-\w]*"
_KEYWORD_SLUG = re.compile(KEYWORD_SLUG_RE)
FALLBACK = "keyword"


class KeywordSlugConverter:
    """``<keyword:slug>``: a Unicode keyword slug (Django's ``slug`` converter is ASCII only)."""

    regex = KEYWORD_SLUG_RE

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


def is_valid_keyword_slug(slug: str) -> bool:
    return bool(slug) and _KEYWORD_SLUG.fullmatch(slug) is not None


def unique_keyword_slug(tag_model, name: str, *, exclude_pk=None) -> str:
    """A valid slug for keyword ``name`` that no other tag uses (``-2``, ``-3``… on collision)."""
    base = slugify(name, allow_unicode=True)[:90].strip("-_")
    if not is_valid_keyword_slug(base):
        base = FALLBACK
    taken = set(
        tag_model.objects.filter(slug__startswith=base).exclude(pk=exclude_pk).values_list("slug", flat=True)[:1000]
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def fix_empty_keyword_slug(sender, instance, **kwargs) -> None:
    """``pre_save`` of taggit's Tag: a slug taggit made without a letter or digit ("", "_1") gets a fallback."""
    if not is_valid_keyword_slug(instance.slug):
        instance.slug = unique_keyword_slug(sender, instance.name, exclude_pk=instance.pk)
