import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations


class Migration(migrations.Migration):
    """Admin search over comment text by words (``CommentAdmin.get_search_results``) instead of ``ILIKE '%…%'``
    over every comment (1.3 s at 356,000 comments). Built without locking out new comments."""

    atomic = False

    dependencies = [
        ("comments", "0003_comment_thread_idx"),
        ("summaries", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="comment",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.search.SearchVector("body", config="simple"), name="comment_body_search_idx"
            ),
        ),
    ]
