"""Search that forgives accents and typos: the ``unaccent`` and ``pg_trgm`` extensions, two text search
configurations that fold accents, and the vocabulary of titles, trigram-indexed, for "Did you mean".

``english_unaccent`` and ``simple_unaccent`` are copies of ``english`` and ``simple`` whose word mappings run
``unaccent`` before stemming, so "Łukasz" is indexed and searched as "lukasz" and "régularisé" stems like
"regularise". (A configuration, unlike a call to ``unaccent()`` in the vector's expression, needs no
immutable wrapper: ``to_tsvector(regconfig, text)`` is what the stored vectors and the queries already use.)
Creating them is instant and takes no lock on any table.

The stored vectors are *not* recomputed here: at 2.5 M papers and 1 M summaries that takes tens of minutes
(docs/performance.md). Queries switch to the new configurations with this release; for words without accents
they give the same lexemes as the old ones, so existing vectors keep matching as before and only accented
words wait for the backfill, ``manage.py rebuild_search_vectors`` (batched, resumable, run after migrate:
docs/deployment.md).

``papers_titleword`` holds every word of the titles (lower-cased), with a GiST trigram index: "Did you mean"
corrects each misspelt word of a query to the nearest of them (``papers.search.suggest``). Trigrams of
whole titles were measured first: a misspelt common phrase ("reinforcment lerning") is close to every title
holding the phrase (3 % of the bench titles), so that look-up grows with the papers (92 ms at 100,000
papers); the vocabulary grows far slower than the titles and each word is one small index look-up. The
table is new and empty here, so its index is built with it; ``rebuild_search_vectors`` fills it.
"""

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations, models

CONFIGURATIONS = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'english_unaccent') THEN
        CREATE TEXT SEARCH CONFIGURATION english_unaccent (COPY = english);
        ALTER TEXT SEARCH CONFIGURATION english_unaccent
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'simple_unaccent') THEN
        CREATE TEXT SEARCH CONFIGURATION simple_unaccent (COPY = simple);
        ALTER TEXT SEARCH CONFIGURATION simple_unaccent
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
    END IF;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0005_repair_keyword_slugs"),
    ]

    operations = [
        UnaccentExtension(),
        TrigramExtension(),
        migrations.RunSQL(
            CONFIGURATIONS,
            reverse_sql="DROP TEXT SEARCH CONFIGURATION IF EXISTS english_unaccent; "
            "DROP TEXT SEARCH CONFIGURATION IF EXISTS simple_unaccent;",
        ),
        migrations.CreateModel(
            name="TitleWord",
            fields=[("word", models.CharField(max_length=40, primary_key=True, serialize=False))],
            options={
                "indexes": [
                    django.contrib.postgres.indexes.GistIndex(
                        fields=["word"], name="titleword_trgm_idx", opclasses=["gist_trgm_ops"]
                    )
                ],
            },
        ),
    ]
