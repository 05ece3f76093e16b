from django.db import migrations


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction; it keeps papers writable while it builds.
    atomic = False

    dependencies = [
        ("papers", "0002_tuner_listing_indexes"),
    ]

    operations = [
        # Serves the papers section of the sitemap (papers.sitemaps.PaperSitemap), paged by id windows:
        # ``WHERE merged_into_id IS NULL AND summary_count > 0 AND id BETWEEN %s AND %s ORDER BY id`` reads
        # only the papers of the window that have summaries, and the index's list of non-empty windows
        # (``… AND id > %s ORDER BY id LIMIT 1``, once per window) is one index probe each. Without it both
        # walk the primary key and read every paper of the window from the table to test the filter.
        # Plain SQL rather than a Meta index: the condition is the sitemap's own filter, owned here.
        migrations.RunSQL(
            sql=(
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS paper_sitemap_idx ON papers_paper (id) "
                "WHERE summary_count > 0 AND merged_into_id IS NULL"
            ),
            reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS paper_sitemap_idx",
        ),
    ]
