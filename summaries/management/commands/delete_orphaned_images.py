from django.core.management.base import BaseCommand

from summaries import orphans


class Command(BaseCommand):
    help = (
        "Delete uploaded summary images that no summary or revision body refers to and that are older than "
        "ORPHANED_IMAGE_GRACE_DAYS (7). Runs nightly on Celery beat; --dry-run only lists them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List the orphans, delete nothing.")

    def handle(self, *args, **options):
        dry_run = options["dry_run"]
        result = orphans.delete_orphaned_images(dry_run=dry_run)
        for name in result.deleted:
            self.stdout.write(f"{'Orphaned' if dry_run else 'Deleted'}: {name}")
        verb = "would be deleted" if dry_run else "deleted"
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(result.deleted)} orphaned image(s) {verb}; {result.referenced} referenced, "
                f"{result.too_recent} within the grace period, {result.scanned} in all."
            )
        )
