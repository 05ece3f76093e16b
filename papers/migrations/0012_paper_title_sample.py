"""``paper_title_sample_idx`` and ``paper_title_summ_sample_idx``: the title indexes of the search's sample of papers
(``papers.models.TITLE_SAMPLE``), all of them and those with summaries.

Built ``CONCURRENTLY`` (papers stay writable; 7 s and 2 s at 2.5 M papers); an index left invalid by a failed build is
dropped first (``papers.migration_tools.DropIndexIfInvalid``), hence ``atomic = False``. The condition is the
SQL Django writes for ``papers.models.in_title_sample()``, word for word: PostgreSQL uses a partial index only
for a query whose condition it can prove implies the index's, and it compares them as written.
"""

import django.contrib.postgres.indexes
import django.db.models.functions.math
import django.db.models.lookups
from django.db import migrations, models

from papers.migration_tools import add_index_concurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("papers", "0011_fewer_indexes"),
    ]

    operations = [
        # Every paper in the sample, and those of them with summaries.
        *add_index_concurrently(
            "paper",
            "papers_paper",
            django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(django.db.models.lookups.Exact(django.db.models.functions.math.Mod("id", 8), 0)),
                fields=["title_vector"],
                name="paper_title_sample_idx",
            ),
            'USING gin (title_vector) WHERE MOD("id", 8) = 0',
        ),
        *add_index_concurrently(
            "paper",
            "papers_paper",
            django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(
                    ("summary_count__gt", 0),
                    django.db.models.lookups.Exact(django.db.models.functions.math.Mod("id", 8), 0),
                ),
                fields=["title_vector"],
                name="paper_title_summ_sample_idx",
            ),
            'USING gin (title_vector) WHERE ("summary_count" > 0 AND MOD("id", 8) = 0)',
        ),
    ]
