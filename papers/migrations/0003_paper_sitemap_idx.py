"""Indexes of the sitemap's papers and summaries sections (papers.sitemaps), paged by id windows.

Plain SQL rather than Meta indexes: each condition is the sitemap's own filter, kept beside it, and the
summaries indexes live here, next to the sitemap they serve, outside the Summary model's state. All are built
``CONCURRENTLY`` (tables stay writable), which cannot run inside a transaction, hence ``atomic = False``. Each
build is preceded by ``DropIndexIfInvalid``: a build that failed part way (deadlock, cancel) leaves an invalid
index that ``IF NOT EXISTS`` would otherwise keep for good; a re-run drops it and builds it again.
"""

from django.db import migrations

from papers.migration_tools import DropIndexIfInvalid

# summaries.models.LISTED as SQL: the condition of the listed-summary partial indexes in Summary.Meta.
LISTED = "visibility = 'public' AND state = 'visible' AND deleted_at IS NULL"


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("papers", "0002_tuner_listing_indexes"),
        ("summaries", "0001_initial"),
    ]

    operations = [
        # PaperSitemap pages: ``SELECT slug, updated_at, last_summary_at … WHERE merged_into_id IS NULL AND
        # summary_count > 0 AND id BETWEEN %s AND %s ORDER BY id`` is an index-only range scan of the window's
        # papers with summaries (2 ms and 150 buffers for 9,800 papers, against 45 ms and 4,800 buffers of
        # table pages through a plain index), and the sitemap index's list of non-empty windows
        # (``… AND id > %s ORDER BY id LIMIT 1``, once per window) is one probe each. Without it both walk
        # the primary key and read every paper of the window to test the filter. The INCLUDEd columns change
        # only when a paper is saved (which also rewrites its indexed search vector) or its summary counters
        # change (with summary_count, indexed already): no update loses HOT that did not lose it before.
        DropIndexIfInvalid("paper_sitemap_idx"),
        migrations.RunSQL(
            sql=(
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS paper_sitemap_idx ON papers_paper (id) "
                "INCLUDE (slug, updated_at, last_summary_at) "
                "WHERE summary_count > 0 AND merged_into_id IS NULL"
            ),
            reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS paper_sitemap_idx",
        ),
        # SummarySitemap pages, the same way: ``SELECT id, updated_at … WHERE <listed> AND id BETWEEN %s AND %s
        # ORDER BY id`` is an index-only range scan (9 ms and 220 buffers for 46,700 summaries, against 125 ms
        # and 21,400 buffers of table pages read by a sequential or primary-key scan). updated_at changes
        # only when a summary is saved, which rewrites indexed columns anyway; score and comment counters are
        # updated without touching it.
        DropIndexIfInvalid("summary_sitemap_idx"),
        migrations.RunSQL(
            sql=(
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS summary_sitemap_idx "
                f"ON summaries_summary (id) INCLUDE (updated_at) WHERE {LISTED}"
            ),
            reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS summary_sitemap_idx",
        ),
        # The summaries section's <lastmod> in the sitemap index: ``SELECT MAX(updated_at) … WHERE <listed>``
        # reads the first entry instead of every summary (130 ms at 100,000 summaries, ~1.3 s at a million,
        # on every expiry of the index's hour-long cache).
        DropIndexIfInvalid("summary_sitemap_lastmod_idx"),
        migrations.RunSQL(
            sql=(
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS summary_sitemap_lastmod_idx "
                f"ON summaries_summary (updated_at DESC) WHERE {LISTED}"
            ),
            reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS summary_sitemap_lastmod_idx",
        ),
    ]
