from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0001_initial"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        # Serves the keyword page (papers.views.keyword_detail): a tag's papers newest first,
        # ``WHERE tag_id = %s ORDER BY object_id DESC LIMIT 25``, read in index order and stopped
        # after one page instead of joining and sorting all of a tag's papers (1.6-1.9 s for a
        # tag on 92,000 papers). taggit owns the table, so the index is plain SQL, not a model Meta index.
        # The key is ``object_id::bigint`` because that is what the join compares with the bigint
        # paper id (taggit's object_id is an integer); on plain ``object_id`` the planner cannot use
        # the index order for ``ORDER BY papers_paper.id DESC``.
        migrations.RunSQL(
            sql=(
                "CREATE INDEX IF NOT EXISTS taggeditem_tag_object_idx "
                "ON taggit_taggeditem (tag_id, (object_id::bigint) DESC)"
            ),
            reverse_sql="DROP INDEX IF EXISTS taggeditem_tag_object_idx",
        ),
    ]
