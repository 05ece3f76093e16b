"""The Celery application: slow or outbound work (e-mail, harvests, periodic jobs) runs here, not in requests.

With ``REDIS_URL`` (or ``CELERY_BROKER_URL``) set, tasks go to the broker and ``celery -A shortscience worker``
runs them; ``celery -A shortscience beat`` sends the periodic ones (``CELERY_BEAT_SCHEDULE`` in the settings).
Without a broker (``make run`` on the embedded database, nothing else installed) every task runs in-process, after
the transaction that enqueued it commits (``jobs.queue.enqueue``). Settings are the ``CELERY_*`` Django settings.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shortscience.settings")

app = Celery("shortscience")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
