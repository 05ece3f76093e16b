# A nullable column with no default: no table rewrite, instant on a large reports table. The choices change is
# state only (no SQL).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('moderation', '0003_auditentry_unmerge'),
    ]

    operations = [
        migrations.AddField(
            model_name='report',
            name='revision_number',
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='action',
            field=models.CharField(choices=[('hide', 'Hid'), ('unhide', 'Unhid'), ('spam', 'Marked as spam'), ('restore', 'Restored'), ('ban', 'Banned'), ('unban', 'Unbanned'), ('merge', 'Merged papers'), ('unmerge', 'Unmerged papers'), ('feature', 'Featured'), ('unfeature', 'Unfeatured'), ('resolve', 'Resolved a report'), ('dismiss', 'Dismissed a report'), ('auto_hide', 'Hidden automatically after reports'), ('approve', 'Approved'), ('edit', 'Edited'), ('view_private', 'Read a reported private summary')], max_length=20),
        ),
    ]
