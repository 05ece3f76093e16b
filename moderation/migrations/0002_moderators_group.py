"""The audit entry's ``details`` and the ``Moderators`` group with exactly the permissions moderators need
(the policy is ``moderation.policy``).
"""

from django.db import migrations, models

from moderation.policy import apply_moderator_policy, remove_moderator_policy

# The policy as it was when this migration was written. moderation.policy.PERMISSIONS may later name models
# that do not exist yet at this point of a fresh database's history; a new policy ships with its own migration.
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


def apply_policy_of_0002(apps, schema_editor):
    apply_moderator_policy(apps, schema_editor, permissions=PERMISSIONS)


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
        migrations.RunPython(apply_policy_of_0002, remove_moderator_policy),
    ]
