"""What moderators may do in the admin: the ``Moderators`` group and its permissions.

Moderators may view and edit paper metadata (with the ordered-authors inline), view and moderate summaries,
comments and reports, read the audit trail, view members and ban them. Nothing on groups, permissions,
passwords or site settings: those stay with superusers (the site owners).

Migrations call ``apply_moderator_policy`` with their historical ``apps`` and their own frozen copy of the
permissions (moderation/0002 first); a change of this policy ships with a migration that calls it again with the
new list, so every database ends with the same group.
"""

from __future__ import annotations

from accounts.models import MODERATORS_GROUP

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
# Not a default model permission: created here.
BAN_MEMBER = {"codename": "ban_member", "app_label": "accounts", "model": "user", "name": "Can ban and unban members"}


def apply_moderator_policy(apps, schema_editor, permissions: dict | None = None) -> None:
    """Create (or reset) the Moderators group with exactly ``permissions`` (default ``PERMISSIONS``).

    A migration passes the policy as it was when the migration was written: on a fresh database it runs
    against the models of its time, which may lack permissions a later policy names."""
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

    user_type, _ = ContentType.objects.using(db).get_or_create(
        app_label=BAN_MEMBER["app_label"], model=BAN_MEMBER["model"]
    )
    Permission.objects.using(db).get_or_create(
        codename=BAN_MEMBER["codename"], content_type=user_type, defaults={"name": BAN_MEMBER["name"]}
    )
    group, _ = Group.objects.using(db).get_or_create(name=MODERATORS_GROUP)
    permissions = [
        Permission.objects.using(db).get(content_type__app_label=app_label, codename=codename)
        for app_label, codenames in (PERMISSIONS if permissions is None else permissions).items()
        for codename in codenames
    ]
    group.permissions.set(permissions)


def remove_moderator_policy(apps, schema_editor) -> None:
    """Undo ``apply_moderator_policy``: the group and the ban permission go."""
    db = schema_editor.connection.alias
    apps.get_model("auth", "Group").objects.using(db).filter(name=MODERATORS_GROUP).delete()
    apps.get_model("auth", "Permission").objects.using(db).filter(
        codename=BAN_MEMBER["codename"], content_type__app_label=BAN_MEMBER["app_label"]
    ).delete()
