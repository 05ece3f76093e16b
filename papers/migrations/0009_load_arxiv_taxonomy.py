from django.db import migrations


def load_taxonomy(apps, schema_editor):
    from papers import taxonomy

    taxonomy.load(apps.get_model("papers", "Category"), using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("papers", "0008_arxiv_metadata")]

    operations = [migrations.RunPython(load_taxonomy, migrations.RunPython.noop)]
