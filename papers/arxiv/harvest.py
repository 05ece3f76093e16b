"""The harvest: arXiv's daily listings and OAI-PMH records into papers, through ``ingest.upsert_records``.

- ``harvest_feed(category)``: one category's daily RSS listing (new submissions and cross-lists, with the
  announcement day; replacements update papers announced earlier).
- ``harvest_oai(set_spec, …)``: an OAI-PMH ``ListRecords`` run over a set and datestamp range, page by page.
  Each page's records and the run's ``HarvestState`` (resumption token, latest datestamp, counts) are saved in
  one transaction, so a run stopped anywhere — a crash, Ctrl-C, a network failure, malformed XML — resumes
  from the first page not stored. An expired resumption token restarts the run from its latest datestamp.
- ``harvest_updates(set_spec)``: the daily completion: records of the set changed since the last completion
  (affiliations, licence, DOI, versions, deletions), kept to the configured categories.

Every request goes through ``client.ArxivClient`` (arXiv's terms). Only ``get_arxiv_client`` makes one.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from papers.arxiv.client import ArxivClient, HarvestError, MalformedResponse, get_arxiv_client
from papers.arxiv.ingest import upsert_records
from papers.arxiv.oai import FORMATS, OAI_URL, OaiError, OaiPage, list_records_params, parse_list_records
from papers.arxiv.records import ArxivRecord, ArxivState, UpsertStats
from papers.arxiv.rss import RSS_URL, parse_feed
from papers.models import HarvestState, PaperAuthor

logger = logging.getLogger(__name__)

MAX_FEED_BYTES = 32 * 1024 * 1024  # cs.LG's busiest days are a few megabytes
# arXiv's archives inside the "physics" OAI-PMH set (its sets are archives: cs, math, stat, physics:hep-th, …).
PHYSICS_ARCHIVES = {
    "astro-ph", "cond-mat", "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math-ph", "nucl-ex", "nucl-th",
    "physics", "quant-ph",
}  # fmt: skip

Progress = Callable[[HarvestState, OaiPage], None]


def oai_set(category: str) -> str:
    """The OAI-PMH set a category is harvested through: ``cs.LG`` → ``cs``, ``hep-th`` → ``physics:hep-th``."""
    archive = category.split(".", 1)[0]
    return f"physics:{archive}" if archive in PHYSICS_ARCHIVES else archive


def daily_sets(categories: Iterable[str]) -> list[str]:
    return sorted({oai_set(category) for category in categories})


# ----------------------------------------------------------------------------- RSS


def harvest_feed(category: str, *, client: ArxivClient | None = None) -> UpsertStats:
    """Store one category's daily listing; its day is remembered in the ``rss:<category>`` state."""
    client = client or get_arxiv_client()
    with client.open(RSS_URL.format(category=category), {}, accept="application/rss+xml") as body:
        content = body.read(MAX_FEED_BYTES + 1)
    if len(content) > MAX_FEED_BYTES:
        raise MalformedResponse(f"arXiv's feed for {category} is larger than {MAX_FEED_BYTES} bytes")
    day, records = parse_feed(content, category)
    keep_known_affiliations(records)
    with transaction.atomic():
        stats = upsert_records(records)
        HarvestState.objects.update_or_create(
            key=f"rss:{category}",
            defaults={
                "set_spec": category,
                "last_datestamp": day,
                "records": len(records),
                "pages": 1,
                "status": HarvestState.Status.DONE,
                "last_error": "",
                "finished_at": timezone.now(),
            },
        )
    logger.info("arXiv %s listing of %s: %s records, %s new papers", category, day, len(records), stats.created)
    return stats


def keep_known_affiliations(records: list[ArxivRecord]) -> None:
    """Give feed records the affiliations already stored for the same author at the same place of the byline.

    The feed has no affiliations (OAI-PMH brings them), and an author's empty list in a record replaces the
    stored one; without this, a listing stored after that day's OAI-PMH completion would erase them. One query.
    """
    stored = {
        (arxiv_id, position, name): affiliations
        for arxiv_id, position, name, affiliations in PaperAuthor.objects.filter(
            paper__arxiv_id__in=[r.arxiv_id for r in records]
        )
        .exclude(affiliations=[])
        .values_list("paper__arxiv_id", "position", "author__name", "affiliations")
    }
    if not stored:
        return
    for record in records:
        record.authors = [
            (name, affiliations or stored.get((record.arxiv_id, position, name), []))
            for position, (name, affiliations) in enumerate(record.authors)
        ]


# ------------------------------------------------------------------------- OAI-PMH


def start_run(
    key: str, *, set_spec: str, metadata_prefix: str, from_date: datetime.date | None, until: datetime.date | None
) -> HarvestState:
    """A fresh run under ``key`` (any earlier one's place is forgotten)."""
    if metadata_prefix not in FORMATS:
        raise HarvestError(f"Unknown OAI-PMH format {metadata_prefix!r}; use one of {', '.join(FORMATS)}")
    state, _ = HarvestState.objects.update_or_create(
        key=key,
        defaults={
            "set_spec": set_spec,
            "metadata_prefix": metadata_prefix,
            "from_date": from_date,
            "until_date": until,
            "resumption_token": "",
            "last_datestamp": None,
            "records": 0,
            "pages": 0,
            "complete_list_size": None,
            "status": HarvestState.Status.RUNNING,
            "last_error": "",
            "finished_at": None,
        },
    )
    return state


def run_key(set_spec: str, metadata_prefix: str) -> str:
    return f"oai:{set_spec or 'all'}:{metadata_prefix}"


def harvest_oai(
    state: HarvestState,
    *,
    client: ArxivClient | None = None,
    keep: Callable[[ArxivRecord], bool] | None = None,
    progress: Progress | None = None,
    max_pages: int | None = None,
) -> UpsertStats:
    """Run (or go on with) the OAI-PMH harvest ``state`` describes until the list ends (or ``max_pages``)."""
    client = client or get_arxiv_client()
    total = UpsertStats()
    pages = 0
    while state.status != HarvestState.Status.DONE and (max_pages is None or pages < max_pages):
        params = list_records_params(
            metadata_prefix=state.metadata_prefix,
            set_spec=state.set_spec,
            from_date=state.from_date,
            until=state.until_date,
            resumption_token=state.resumption_token,
        )
        try:
            with client.open(OAI_URL, params) as body:
                page = parse_list_records(body)
        except OaiError as error:
            if error.code == "badResumptionToken" and state.resumption_token:
                # Tokens expire; start over from the latest datestamp stored (records are listed in datestamp
                # order, and storing one twice is harmless).
                logger.warning("arXiv refused the resumption token of %s; restarting from %s", state.key, error)
                state.resumption_token = ""
                state.from_date = state.last_datestamp or state.from_date
                state.save(update_fields=["resumption_token", "from_date", "updated_at"])
                continue
            _failed(state, error)
            raise
        except HarvestError as error:
            _failed(state, error)
            raise
        records = [r for r in page.records if keep is None or keep(r)]
        with transaction.atomic():
            total += upsert_records(records)
            state.records += len(records)
            state.pages += 1
            state.resumption_token = page.resumption_token
            if page.last_datestamp and (state.last_datestamp is None or page.last_datestamp > state.last_datestamp):
                state.last_datestamp = page.last_datestamp
            if page.complete_list_size is not None:
                state.complete_list_size = page.complete_list_size
            state.last_error = ""
            if not page.resumption_token:
                state.status = HarvestState.Status.DONE
                state.finished_at = timezone.now()
            state.save()
        pages += 1
        if progress:
            progress(state, page)
    return total


def _failed(state: HarvestState, error: Exception) -> None:
    """Note the failure; the token and datestamp stay, so ``--resume`` asks again for the page that failed."""
    state.last_error = str(error)[:2000]
    state.save(update_fields=["last_error", "updated_at"])
    logger.warning("arXiv harvest %s stopped: %s", state.key, error)


def configured_categories() -> list[str]:
    return list(settings.ARXIV_CATEGORIES)


def keep_categories(categories: Iterable[str]) -> Callable[[ArxivRecord], bool]:
    """Records listed in one of ``categories``, and every deletion (which lists none; the upsert ignores unknown
    papers' deletions)."""
    wanted = set(categories)

    def keep(record: ArxivRecord) -> bool:
        return record.state == ArxivState.DELETED or not wanted.isdisjoint(record.categories)

    return keep


def harvest_updates(
    set_spec: str, *, today: datetime.date | None = None, client: ArxivClient | None = None
) -> UpsertStats:
    """The daily completion of one set: every record changed since the previous completion's latest datestamp
    (the first time: since yesterday), in the ``arXiv`` format (affiliations), kept to the configured categories."""
    today = today or timezone.now().date()
    previous = HarvestState.objects.filter(key=f"daily:{set_spec}").first()
    since = previous.last_datestamp if previous and previous.last_datestamp else today - datetime.timedelta(days=1)
    if previous and previous.status != HarvestState.Status.DONE and previous.resumption_token:
        state = previous  # yesterday's run broke off: finish it first, it covers everything since
    else:
        state = start_run(f"daily:{set_spec}", set_spec=set_spec, metadata_prefix="arXiv", from_date=since, until=None)
        state.last_datestamp = since  # an empty answer leaves the next run starting here, not a day later
        state.save(update_fields=["last_datestamp"])
    return harvest_oai(state, client=client, keep=keep_categories(configured_categories()))
