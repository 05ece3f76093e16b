"""``/health/``: is this site able to serve, and is its background work running? (django-health-check)

Checks: the database (``SELECT 1``), the cache (a write and a read), unapplied migrations, and — only when a
broker is configured — the broker (a connection) and the workers (the heartbeat a beat task writes every minute,
``jobs.heartbeat``, no older than ``HEARTBEAT_MAX_AGE_MINUTES``). ``/health/web/`` runs only the checks a web
process needs (database, cache, migrations): the probe of a load balancer, which must not take every web process
out of rotation because the workers stopped.

200 when every check passes, 503 otherwise. The body is JSON naming each check ``ok`` or ``failing`` and nothing
else — no exception text, host names or versions, whoever asks; the reasons go to the log (``health-check`` and
``shortscience.health`` loggers). Never cached, and exempt from the HTTPS redirect (``SECURE_REDIRECT_EXEMPT``)
because probes inside the network speak plain HTTP.
"""

from __future__ import annotations

import dataclasses
import logging

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from health_check import Cache, Database
from health_check.backends import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

from jobs import heartbeat
from shortscience.celery import app as celery_app

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class Migrations(HealthCheck):
    """Every migration of this code is applied (a process started before ``migrate`` finished fails it)."""

    def check_status(self):
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise ServiceUnavailable("migrations are waiting to be applied")


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker accepts a connection within ``timeout`` seconds."""

    timeout: float = 3.0

    def check_status(self):
        try:
            with celery_app.connection_for_write(settings.CELERY_BROKER_URL) as connection:
                connection.ensure_connection(max_retries=1, timeout=self.timeout)
        except Exception as error:
            raise ServiceUnavailable("the broker cannot be reached") from error


@dataclasses.dataclass
class WorkerHeartbeat(HealthCheck):
    """A worker ran the every-minute ``jobs.heartbeat`` task recently: beat sends, workers run."""

    def check_status(self):
        age = heartbeat.age_seconds()
        if age is None:
            raise ServiceUnavailable("no worker heartbeat yet")
        if age > settings.HEARTBEAT_MAX_AGE_MINUTES * 60:
            raise ServiceUnavailable(f"the last worker heartbeat is {age:.0f} s old")


def broker_configured() -> bool:
    return bool(settings.CELERY_BROKER_URL) and not settings.CELERY_TASK_ALWAYS_EAGER


class HealthView(HealthCheckView):
    """Runs the checks one after the other (on the request's own database connection) and answers JSON."""

    web_only = False
    use_threading = False

    def get_plugins(self):
        checks = [("database", Database()), ("cache", Cache(cache_key=None)), ("migrations", Migrations())]
        if broker_configured() and not self.web_only:
            checks += [("broker", Broker()), ("worker", WorkerHeartbeat())]
        yield from checks

    @method_decorator(never_cache)
    def get(self, request, *args, **kwargs):
        results = {}
        for label, check in self.plugins.items():
            try:
                check.run_check()
                healthy = not check.errors
            except Exception:  # an unexpected error is a failing check, never a 500 with a traceback
                logger.exception("Health check %s raised", label)
                healthy = False
            else:
                if not healthy:
                    logger.warning("Health check %s failing: %s", label, check.pretty_status())
            results[label] = "ok" if healthy else "failing"
        status = "ok" if all(value == "ok" for value in results.values()) else "failing"
        return JsonResponse({"status": status, "checks": results}, status=200 if status == "ok" else 503)
