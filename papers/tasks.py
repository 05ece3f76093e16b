"""The papers app's background tasks: the daily arXiv harvest (``CELERY_BEAT_SCHEDULE["papers.harvest_daily"]``).

``harvest_daily`` only enqueues: one ``harvest_category`` per configured category (its RSS listing) and one
``harvest_oai_updates`` per OAI-PMH set those categories belong to (affiliations, licences, versions,
deletions). They may run in any order or at once: the upsert merges what each source knows, and the client's
gate keeps every request of every worker one at a time, three seconds apart. A network failure is retried with
backoff (``ReliableTask``: ``ArxivUnavailable`` is an ``OSError``); an interrupted OAI-PMH run resumes from its
stored state the next time.
"""

from __future__ import annotations

import dataclasses

from celery import shared_task

from jobs.queue import enqueue
from jobs.tasks import ReliableTask
from papers.arxiv import harvest

# A set's daily changes are a few pages, each waited for (three seconds at least) and stored; a category's
# listing is one request. Both get far more than ReliableTask's two minutes.
HARVEST_SOFT_TIME_LIMIT = 30 * 60


@shared_task(base=ReliableTask, name="papers.harvest_daily")
def harvest_daily() -> list[str]:
    """Put the day's harvest on the queue; returns the categories and sets enqueued."""
    categories = harvest.configured_categories()
    for category in categories:
        enqueue(harvest_category, category)
    sets = harvest.daily_sets(categories)
    for set_spec in sets:
        enqueue(harvest_oai_updates, set_spec)
    return categories + sets


@shared_task(
    base=ReliableTask,
    name="papers.harvest_category",
    soft_time_limit=HARVEST_SOFT_TIME_LIMIT,
    time_limit=HARVEST_SOFT_TIME_LIMIT + 60,
)
def harvest_category(category: str) -> dict:
    """One category's daily listing (new submissions, cross-lists, replacements)."""
    return dataclasses.asdict(harvest.harvest_feed(category))


@shared_task(
    base=ReliableTask,
    name="papers.harvest_oai_updates",
    soft_time_limit=HARVEST_SOFT_TIME_LIMIT,
    time_limit=HARVEST_SOFT_TIME_LIMIT + 60,
)
def harvest_oai_updates(set_spec: str) -> dict:
    """One OAI-PMH set's records changed since the last run, kept to the configured categories."""
    return dataclasses.asdict(harvest.harvest_updates(set_spec))
