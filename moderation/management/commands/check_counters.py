from django.core.management.base import BaseCommand
from django.utils import timezone

from moderation import recompute


class Command(BaseCommand):
    help = (
        "The nightly drift check: compare every stored counter and score with its recomputed value (in batches "
        "of ids), change nothing, and mail ADMIN_EMAILS the drift found (one mail a day at most). "
        "repair_counters --fix corrects it."
    )

    def handle(self, *args, **options):
        drifts = recompute.check_all()
        if not drifts:
            self.stdout.write(self.style.SUCCESS("All scores and counters are right."))
            return
        self.stdout.write(self.style.WARNING(recompute.drift_report(drifts)))
        if recompute.mail_drift_report(drifts, timezone.now().date()):
            self.stdout.write("Reported to ADMIN_EMAILS.")
        else:
            self.stdout.write("ADMIN_EMAILS is empty: nobody was mailed.")
