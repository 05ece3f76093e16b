"""The one way code puts work on the queue: ``enqueue(task, *args, **kwargs)``.

The task is sent when the surrounding transaction commits (never before: no task sees rows that may still roll
back; a rolled-back request sends nothing). With a broker configured it goes to the workers; without one
(``CELERY_TASK_ALWAYS_EAGER``, the ``make run`` default) it runs right there, in-process, after the commit. If the
broker cannot be reached the task runs in-process too, with the failure logged: work is never silently dropped.
"""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task, *args, **kwargs) -> None:
    """Send ``task(*args, **kwargs)`` to the queue once the current transaction (if any) commits."""
    transaction.on_commit(partial(_send, task, args, kwargs), robust=True)


def _send(task, args: tuple, kwargs: dict) -> None:
    try:
        task.apply_async(args=args, kwargs=kwargs)
    except Exception:
        # What the task lets logs show of its arguments (an account e-mail's body holds a sign-in link).
        shown = task.arguments_for_report(args, kwargs) if hasattr(task, "arguments_for_report") else (args, kwargs)
        logger.exception("The broker refused %s%r; running it in this process instead", task.name, shown)
        task.apply(args=args, kwargs=kwargs)
