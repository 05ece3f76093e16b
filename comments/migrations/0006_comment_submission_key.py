"""``Comment.submission_key`` and the unique index that stores a posted comment form once (``Comment.post``).

The column is nullable without a default, so adding it rewrites nothing; it still needs a short exclusive lock
on comments_comment, taken with a 5 s ``lock_timeout`` (``papers.migration_tools``). The unique index is partial
(existing comments have no key, so it starts empty) and built ``CONCURRENTLY``, so comments can be posted
while it builds; every step can run again, hence ``atomic = False``.
"""

from django.conf import settings
from django.db import migrations, models

from papers.migration_tools import DropIndexIfInvalid, execute_with_lock_timeout


def add_column(apps, schema_editor):
    execute_with_lock_timeout(
        schema_editor.connection, "ALTER TABLE comments_comment ADD COLUMN IF NOT EXISTS submission_key uuid NULL"
    )


def drop_column(apps, schema_editor):
    execute_with_lock_timeout(
        schema_editor.connection, "ALTER TABLE comments_comment DROP COLUMN IF EXISTS submission_key"
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("comments", "0005_comment_edited_at"),
        ("summaries", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(add_column, drop_column),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="comment",
                    name="submission_key",
                    field=models.UUIDField(blank=True, editable=False, null=True),
                ),
            ],
        ),
        DropIndexIfInvalid("comment_submission_uniq"),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS comment_submission_uniq ON comments_comment "
                    "(writer_id, submission_key) WHERE submission_key IS NOT NULL",
                    reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS comment_submission_uniq",
                ),
            ],
            state_operations=[
                migrations.AddConstraint(
                    model_name="comment",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("submission_key__isnull", False)),
                        fields=("writer", "submission_key"),
                        name="comment_submission_uniq",
                    ),
                ),
            ],
        ),
    ]
