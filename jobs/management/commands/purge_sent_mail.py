from django.core.management.base import BaseCommand, CommandError

from jobs.tasks import SENT_MAIL_KEEP_DAYS, purge_sent_mail_rows


class Command(BaseCommand):
    help = (
        f"Delete the records of e-mails sent more than {SENT_MAIL_KEEP_DAYS} days ago (they only stop a retried "
        "task from sending twice). Runs nightly on Celery beat."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=SENT_MAIL_KEEP_DAYS, help="Keep this many days.")

    def handle(self, *args, **options):
        if options["days"] < 1:
            raise CommandError("--days must be 1 or more: a record younger than a day may still stop a resend.")
        deleted = purge_sent_mail_rows(options["days"])
        self.stdout.write(self.style.SUCCESS(f"{deleted} sent-mail record(s) deleted."))
