"""The audit entry's ``details`` and the ``Moderators`` group with exactly the permissions moderators need
(the policy is ``moderation.policy``).
"""

from django.db import migrations, models

from moderation.policy import apply_moderator_policy, remove_moderator_policy


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
        migrations.RunPython(apply_moderator_policy, remove_moderator_policy),
    ]
