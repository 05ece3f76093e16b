"""``manage.py harvest_arxiv``: backfill papers from arXiv's OAI-PMH interface, or run the daily harvest now.

    harvest_arxiv --set cs --from 2024-01-01 [--until 2024-06-30] [--format arXivRaw]
    harvest_arxiv --set cs --resume          # go on after an interruption (Ctrl-C, crash, network, bad XML)
    harvest_arxiv --daily [--category cs.LG] # the beat task's work, in this process

A backfill stores each page with its resumption token, so ``--resume`` continues from the first page not stored.
"""

from __future__ import annotations

import datetime
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from papers.arxiv import harvest
from papers.arxiv.client import HarvestError
from papers.arxiv.oai import FORMATS, OaiPage
from papers.models import HarvestState

BAR_WIDTH = 24


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date like 2024-01-31") from None


class ProgressBar:
    """One line, redrawn per page on a terminal (a line per page otherwise): how far, how fast."""

    def __init__(self, stream, label: str, *, clock=time.monotonic):
        self.stream, self.label, self.clock = stream, label, clock
        self.started = clock()
        self.start_records: int | None = None
        self.tty = hasattr(stream, "isatty") and stream.isatty()

    def __call__(self, state: HarvestState, page: OaiPage) -> None:
        if self.start_records is None:  # count only this invocation's records in the rate
            self.start_records = state.records - len(page.records)
        done = (page.cursor or 0) + len(page.records) if page.cursor is not None else state.records
        total = state.complete_list_size
        if total:
            filled = min(BAR_WIDTH, BAR_WIDTH * done // max(total, 1))
            bar = f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {done:,}/{total:,} {100 * done // total}%"
        else:
            bar = f"{state.records:,} records"
        elapsed = max(self.clock() - self.started, 1e-6)
        rate = (state.records - self.start_records) / elapsed
        line = f"{self.label} {bar}  page {state.pages}  {rate:,.1f} records/s"
        self.stream.write(f"\r{line}" if self.tty else f"{line}\n", ending="")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n", ending="")


class Command(BaseCommand):
    help = "Harvest arXiv: a backfill of an OAI-PMH set (resumable), or the daily listings and updates."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--set", dest="set_spec", default="", help="OAI-PMH set: cs, math, stat, physics:hep-th…")
        parser.add_argument("--from", dest="from_date", type=_date, help="first datestamp (YYYY-MM-DD)")
        parser.add_argument("--until", type=_date, help="last datestamp (YYYY-MM-DD)")
        parser.add_argument("--format", dest="metadata_prefix", default="arXiv", choices=FORMATS)
        parser.add_argument("--resume", action="store_true", help="go on with the interrupted run of this set")
        parser.add_argument("--max-pages", type=int, help="stop after this many pages (resume later)")
        parser.add_argument("--daily", action="store_true", help="harvest the daily listings and updates now")
        parser.add_argument("--category", action="append", help="with --daily: only this category (repeatable)")

    def handle(self, *args, **options) -> None:
        try:
            if options["daily"]:
                self.daily(options["category"] or harvest.configured_categories())
            else:
                self.backfill(options)
        except HarvestError as error:
            raise CommandError(f"{error}") from error

    def daily(self, categories: list[str]) -> None:
        for category in categories:
            stats = harvest.harvest_feed(category)
            self.stdout.write(f"{category}: {stats.received} listed, {stats.created} new, {stats.updated} updated")
        for set_spec in harvest.daily_sets(categories):
            stats = harvest.harvest_updates(set_spec)
            self.stdout.write(
                f"{set_spec} updates: {stats.received} kept, {stats.created} new, {stats.updated} updated"
            )

    def backfill(self, options: dict) -> None:
        set_spec, prefix = options["set_spec"], options["metadata_prefix"]
        if not set_spec and not options["resume"]:
            raise CommandError("Give --set (cs, math, stat, physics:hep-th…) or --daily.")
        key = harvest.run_key(set_spec, prefix)
        if options["resume"]:
            if options["from_date"] or options["until"]:
                raise CommandError("--resume goes on with the stored run; it takes no --from or --until.")
            state = HarvestState.objects.filter(key=key).first()
            if state is None or state.status == HarvestState.Status.DONE:
                raise CommandError(f"No interrupted harvest of {set_spec or 'all'} ({prefix}) to resume.")
            self.stdout.write(
                f"Resuming {key} after page {state.pages} ({state.records:,} records, "
                f"latest datestamp {state.last_datestamp or '—'})."
            )
        else:
            if options["from_date"] is None:
                raise CommandError("Give --from YYYY-MM-DD (or --resume).")
            state = harvest.start_run(
                key, set_spec=set_spec, metadata_prefix=prefix, from_date=options["from_date"], until=options["until"]
            )
        progress = ProgressBar(self.stdout, f"{set_spec or 'all'} {prefix}")
        try:
            stats = harvest.harvest_oai(state, progress=progress, max_pages=options["max_pages"])
        except KeyboardInterrupt:
            progress.close()
            raise CommandError(
                f"Interrupted after page {state.pages}; run again with --set {set_spec} --resume to go on."
            ) from None
        except HarvestError as error:
            progress.close()
            raise CommandError(
                f"{error}\nStopped after page {state.pages}; run again with --set {set_spec} --resume to go on."
            ) from error
        progress.close()
        state.refresh_from_db()
        verdict = "done" if state.status == HarvestState.Status.DONE else "paused (run again with --resume)"
        self.stdout.write(
            f"{key}: {verdict}. This run: {stats.received:,} records, {stats.created:,} new papers, "
            f"{stats.updated:,} updated; {state.records:,} records in {state.pages} pages in all."
        )
