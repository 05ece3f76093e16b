"""Re-render every summary's stored ``body_html`` after the renderer changed (``rerender_summaries [--dry-run]``).

Reads summaries in primary-key batches and writes only the rows whose HTML changes, with a plain UPDATE of
``body_html``: no revision, no listing or counter change, no search-vector work. Safe to run on a live site and
to interrupt (``--after`` resumes from a primary key).
"""

from django.core.management.base import BaseCommand

from summaries.models import Summary


class Command(BaseCommand):
    help = "Re-render the stored HTML of every summary; only changed rows are written."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500, help="summaries read per query")
        parser.add_argument("--after", type=int, default=0, help="start after this primary key")
        parser.add_argument("--dry-run", action="store_true", help="count what would change, write nothing")

    def handle(self, *args, batch: int, after: int, dry_run: bool, **options):
        seen = changed = 0
        last = after
        while True:
            summaries = list(Summary.objects.filter(pk__gt=last).order_by("pk").only("pk", "body", "body_html")[:batch])
            if not summaries:
                break
            for summary in summaries:
                html = summary.render_body()
                if html != summary.body_html:
                    changed += 1
                    if not dry_run:
                        Summary.objects.filter(pk=summary.pk).update(body_html=html)
            seen += len(summaries)
            last = summaries[-1].pk
            self.stdout.write(f"… up to summary {last}: {changed} of {seen} changed")
        verb = "would change" if dry_run else "re-rendered"
        self.stdout.write(self.style.SUCCESS(f"{changed} of {seen} summaries {verb}."))
