"""Declare the two sitemap indexes of summaries_summary in Summary.Meta, where they belong.

papers/migrations/0003 builds them (CREATE INDEX CONCURRENTLY, on a fresh database too, before this migration):
this one only records them in the migration state, under the same names and definitions, so Django knows them.
No SQL runs: nothing is rebuilt or locked, safe on a table of any size.
"""

from django.db import migrations, models

LISTED = models.Q(deleted_at__isnull=True, state="visible", visibility="public")


class Migration(migrations.Migration):
    dependencies = [
        ("summaries", "0001_initial"),
        ("papers", "0003_paper_sitemap_idx"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="summary",
                    index=models.Index(
                        condition=LISTED, fields=["id"], include=["updated_at"], name="summary_sitemap_idx"
                    ),
                ),
                migrations.AddIndex(
                    model_name="summary",
                    index=models.Index(condition=LISTED, fields=["-updated_at"], name="summary_sitemap_lastmod_idx"),
                ),
            ],
            database_operations=[],
        ),
    ]
