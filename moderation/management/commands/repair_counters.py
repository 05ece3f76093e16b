from django.core.management.base import BaseCommand

from moderation.recompute import CHECKS, fix


class Command(BaseCommand):
    help = (
        "Recompute summary scores from votes (banned members' votes do not count) and every stored counter "
        "(comment, paper, venue and member counts), and find papers without a title vector; report the drift, "
        "and fix it with --fix."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Write the recomputed values.")

    def handle(self, *args, fix_drift=False, **options):
        fix_drift = options["fix"]
        total = 0
        for kind, check in CHECKS:
            drift = check()
            total += len(drift.ids)
            if not drift.ids:
                self.stdout.write(f"{drift.label}: no drift")
                continue
            self.stdout.write(self.style.WARNING(f"{drift.label}: {len(drift.ids)} drifted"))
            for example in drift.examples:
                self.stdout.write(f"  {example}")
            if fix_drift:
                fix(kind, drift.ids)
                self.stdout.write(self.style.SUCCESS(f"  fixed {len(drift.ids)}"))
        if total and not fix_drift:
            self.stdout.write("Run again with --fix to correct these values.")
        elif not total:
            self.stdout.write(self.style.SUCCESS("All scores and counters are right."))
