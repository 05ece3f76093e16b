from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from shortscience.demo import CURATOR, DEMO_PASSWORD, MODERATOR, OWNER, load_demo


class Command(BaseCommand):
    help = "Load the demo papers, members, summaries, votes, comments and digest (safe to run repeatedly)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Load even with DEBUG off (never in production).")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("The demo creates accounts with known passwords: it runs only with DEBUG=1.")
        counts = load_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {counts['papers']} papers, {counts['summaries']} summaries, "
                f"{counts['users']} members."
            )
        )
        self.stdout.write(f"  Moderator:  {MODERATOR[0]} / {MODERATOR[1]}   (sign in at /admin/ or /accounts/login/)")
        self.stdout.write(f"  Curator:    {CURATOR[0]} / {CURATOR[1]}   (the digest's triage: /digest/curate/)")
        self.stdout.write(f"  Site owner: {OWNER[0]} / {OWNER[1]}")
        self.stdout.write(f"  Members:    alice, bob, carol, dave / {DEMO_PASSWORD}")
