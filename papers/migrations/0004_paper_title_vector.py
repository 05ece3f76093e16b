"""``Paper.title_vector``: title (A), authors and keywords (B), the small vector that ranks search candidates.

Kept in step with ``search_vector`` by ``papers.search.PAPER_VECTOR_SQL`` (one statement sets both). Here the
column is added, filled for existing papers in batches of ``BATCH`` ids (each committed on its own, so papers
stay writable and an interrupted run resumes where it stopped: only rows still NULL are filled) and indexed
``CONCURRENTLY``. Every step can run again (``IF NOT EXISTS``; an index left invalid by a failed concurrent
build is dropped first, ``papers.migration_tools.DropIndexIfInvalid``), hence ``atomic = False``.

Adding the column needs a short exclusive lock on papers_paper, taken with a 5 s ``lock_timeout``: behind a
long query the migration stops with a clear error instead of queueing every reader of papers behind it. That
step has changed nothing: run migrate again once the query is gone (``pg_stat_activity`` shows it).

The fill covers the ids that exist when it starts. When this runs while the previous release still serves,
papers that release adds meanwhile get no title vector (it does not know the column) and the search's title
scans miss them: ``manage.py recompute_scores --fix`` fills every paper still without one (docs/deployment.md).

The SQL below is a frozen copy of ``papers.search.TITLE_VECTOR_SQL`` as of this migration, so later changes
there cannot break this migration; at 2.5 M papers the fill takes ~15 min (see docs/performance.md).
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models

from papers.migration_tools import DropIndexIfInvalid, execute_with_lock_timeout

BATCH = 20_000

CJK = "([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff])"


def _weighted(expr: str, weight: str) -> str:
    return (
        f"setweight(to_tsvector('english', coalesce({expr}, '')), '{weight}') || "
        f"setweight(to_tsvector('simple', regexp_replace(coalesce({expr}, ''), %(cjk)s, ' \\1 ', 'g')), '{weight}')"
    )


AUTHORS = (
    "(SELECT string_agg(a.name, ' ') FROM papers_paperauthor pa "
    "JOIN papers_author a ON a.id = pa.author_id WHERE pa.paper_id = p.id)"
)
KEYWORDS = (
    "(SELECT string_agg(t.name, ' ') FROM taggit_taggeditem ti JOIN taggit_tag t ON t.id = ti.tag_id "
    "JOIN django_content_type ct ON ct.id = ti.content_type_id "
    "WHERE ct.app_label = 'papers' AND ct.model = 'paper' AND ti.object_id = p.id)"
)
TITLE_VECTOR = " || ".join([_weighted("p.title", "A"), _weighted(AUTHORS, "B"), _weighted(KEYWORDS, "B")])


def fill_title_vectors(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM papers_paper WHERE title_vector IS NULL")
        low, high = cursor.fetchone()
        if low is None:
            return
        for start in range(low, high + 1, BATCH):
            cursor.execute(
                f"UPDATE papers_paper p SET title_vector = {TITLE_VECTOR} "
                "WHERE p.id BETWEEN %(start)s AND %(stop)s AND p.title_vector IS NULL",
                {"cjk": CJK, "start": start, "stop": start + BATCH - 1},
            )


def add_column(apps, schema_editor):
    execute_with_lock_timeout(
        schema_editor.connection, "ALTER TABLE papers_paper ADD COLUMN IF NOT EXISTS title_vector tsvector NULL"
    )


def drop_column(apps, schema_editor):
    execute_with_lock_timeout(schema_editor.connection, "ALTER TABLE papers_paper DROP COLUMN IF EXISTS title_vector")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("papers", "0003_paper_sitemap_idx"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    # Operations that are not SQL (RunPython, DropIndexIfInvalid) stay outside SeparateDatabaseAndState, which
    # would run them for real under ``sqlmigrate`` instead of printing that they cannot be written as SQL.
    operations = [
        migrations.RunPython(add_column, drop_column),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="paper",
                    name="title_vector",
                    field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
                ),
            ],
        ),
        migrations.RunPython(fill_title_vectors, migrations.RunPython.noop, elidable=True),
        # Serves the search page's candidates matched by title, authors or keywords (papers.search).
        DropIndexIfInvalid("paper_title_search_idx"),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "CREATE INDEX CONCURRENTLY IF NOT EXISTS paper_title_search_idx ON papers_paper "
                    "USING gin (title_vector)",
                    reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS paper_title_search_idx",
                ),
            ],
            state_operations=[
                migrations.AddIndex(
                    model_name="paper",
                    index=django.contrib.postgres.indexes.GinIndex(
                        fields=["title_vector"], name="paper_title_search_idx"
                    ),
                ),
            ],
        ),
        # The same among papers with summaries, without reading the others.
        DropIndexIfInvalid("paper_title_summarised_idx"),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "CREATE INDEX CONCURRENTLY IF NOT EXISTS paper_title_summarised_idx ON papers_paper "
                    "USING gin (title_vector) WHERE summary_count > 0",
                    reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS paper_title_summarised_idx",
                ),
            ],
            state_operations=[
                migrations.AddIndex(
                    model_name="paper",
                    index=django.contrib.postgres.indexes.GinIndex(
                        condition=models.Q(("summary_count__gt", 0)),
                        fields=["title_vector"],
                        name="paper_title_summarised_idx",
                    ),
                ),
            ],
        ),
    ]
