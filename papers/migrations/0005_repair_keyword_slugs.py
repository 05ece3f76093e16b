"""Repair keyword (taggit tag) slugs that no URL can name, so every keyword page and link works.

Keyword slugs are Unicode slugs (``papers.keywords``): most existing rows, made by taggit, already are one and
are kept as they are (their URLs stay stable). Rows whose slug is empty, has no letter or digit, or holds
characters a slug cannot (rows written by hand or by raw SQL, or before this rule) get a new slug from their
name, ``-2``, ``-3``… on collision, ``keyword`` when the name has no letter or digit.

Safe at scale: it reads ``(id, slug)`` of the tag table in id batches (the tag table is small next to the
tagged items, which are not touched) and updates only the broken rows, one by one, each committed on its own
(``atomic = False``), so a re-run resumes and nothing is locked for long. The rule below is a frozen copy of
``papers.keywords`` as of this migration.
"""

import re

from django.db import migrations
from django.utils.text import slugify

BATCH = 10_000
_VALID = re.compile(r"[-_]*[^\W_][-\w]*")


def _valid(slug: str) -> bool:
    return bool(slug) and _VALID.fullmatch(slug) is not None


def _unique_slug(tags, name: str, pk: int) -> str:
    base = slugify(name, allow_unicode=True)[:90].strip("-_")
    if not _valid(base):
        base = "keyword"
    taken = set(tags.filter(slug__startswith=base).exclude(pk=pk).values_list("slug", flat=True)[:1000])
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def repair_keyword_slugs(apps, schema_editor):
    # The database being migrated, which need not be the default one (generate_bench_data migrates its own).
    tags = apps.get_model("taggit", "Tag").objects.using(schema_editor.connection.alias)
    last_id = 0
    while True:
        rows = list(tags.filter(pk__gt=last_id).order_by("pk").values_list("pk", "name", "slug")[:BATCH])
        if not rows:
            return
        last_id = rows[-1][0]
        for pk, name, slug in rows:
            if not _valid(slug):
                tags.filter(pk=pk).update(slug=_unique_slug(tags, name, pk))


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("papers", "0004_paper_title_vector"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(repair_keyword_slugs, migrations.RunPython.noop, elidable=True)]
