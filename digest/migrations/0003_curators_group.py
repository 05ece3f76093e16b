"""The Curators group: members who triage the day's arXiv papers into the digest (``accounts.permissions.can_curate``).

It carries no admin permissions: curators work on the triage pages (/digest/curate/), not in the admin.
"""

from django.db import migrations

CURATORS_GROUP = "Curators"  # accounts.models.CURATORS_GROUP, frozen here


def create_group(apps, schema_editor):
    db = schema_editor.connection.alias
    apps.get_model("auth", "Group").objects.using(db).get_or_create(name=CURATORS_GROUP)


def remove_group(apps, schema_editor):
    db = schema_editor.connection.alias
    apps.get_model("auth", "Group").objects.using(db).filter(name=CURATORS_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("digest", "0002_skippedpaper"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
