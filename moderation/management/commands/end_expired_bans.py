from django.core.management.base import BaseCommand

from moderation.actions import end_expired_bans


class Command(BaseCommand):
    help = (
        "Lift bans whose end date has passed, as an unban does: what the ban hid is shown again and the "
        "member's votes count again. Audited with the system as actor. Run it hourly."
    )

    def handle(self, *args, **options):
        entries = end_expired_bans()
        for entry in entries:
            self.stdout.write(f"Ban ended: {entry.content_object}")
        self.stdout.write(self.style.SUCCESS(f"{len(entries)} expired ban(s) lifted."))
