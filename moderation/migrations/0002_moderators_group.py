"""The audit entry's ``details`` and the ``Moderators`` group with exactly the permissions moderators need.

Moderators may view and edit paper metadata (with the ordered-authors inline), view and moderate summaries,
comments and reports, read the audit trail, view members and ban them. Nothing on groups, permissions,
passwords or site settings: those stay with superusers (the site owners).
"""

from django.db import migrations, models

GROUP = "Moderators"

PERMISSIONS = {
    "papers": [
        "view_paper",
        "change_paper",
        "view_venue",
        "change_venue",
        "view_author",
        "change_author",
        "view_paperauthor",
        "change_paperauthor",
        "add_paperauthor",
        "delete_paperauthor",
    ],
    "summaries": ["view_summary", "change_summary"],
    "comments": ["view_comment", "change_comment"],
    "moderation": ["view_report", "change_report", "view_auditentry"],
    "accounts": ["view_user", "ban_member"],
}


def create_moderators_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Default permissions are normally created after `migrate`; the group needs them now. Every query names
    # the database being migrated (`migrate --database=…`, generate_bench_data's own database).
    db = schema_editor.connection.alias
    for app_config in apps.get_app_configs():
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True
        create_permissions(app_config, apps=apps, verbosity=0, using=db)
        app_config.models_module = original

    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")

    user_type, _ = ContentType.objects.using(db).get_or_create(app_label="accounts", model="user")
    Permission.objects.using(db).get_or_create(
        codename="ban_member", content_type=user_type, defaults={"name": "Can ban and unban members"}
    )
    group, _ = Group.objects.using(db).get_or_create(name=GROUP)
    permissions = [
        Permission.objects.using(db).get(content_type__app_label=app_label, codename=codename)
        for app_label, codenames in PERMISSIONS.items()
        for codename in codenames
    ]
    group.permissions.set(permissions)


def remove_moderators_group(apps, schema_editor):
    db = schema_editor.connection.alias
    apps.get_model("auth", "Group").objects.using(db).filter(name=GROUP).delete()
    apps.get_model("auth", "Permission").objects.using(db).filter(
        codename="ban_member", content_type__app_label="accounts"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0001_initial"),
        ("papers", "0001_initial"),
        ("summaries", "0001_initial"),
        ("comments", "0002_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="details",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(create_moderators_group, remove_moderators_group),
    ]
