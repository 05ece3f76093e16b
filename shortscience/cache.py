"""The cache when there is no Redis: a table in the site's own PostgreSQL.

Every gunicorn worker (and every machine on the same database) sees the same entries, so rate limits, the
site-wide cap on outbound look-ups and cached pages hold across workers — a per-process cache would let one
member post workers × the limit. Django's ``DatabaseCache.incr`` is a read followed by a write, so two
workers counting the same key at once could both write the same total; here it is one row-locked update.
The table is created by ``migrate`` (``shortscience.apps``). Production with more than one machine, or with
heavy traffic, sets ``REDIS_URL`` instead.
"""

from __future__ import annotations

import base64
import pickle

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router, transaction
from django.utils import timezone


class DatabaseCache(DjangoDatabaseCache):
    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        table = connection.ops.quote_name(self._table)
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(f"SELECT value, expires FROM {table} WHERE cache_key = %s FOR UPDATE", [key])
            row = cursor.fetchone()
            if row is None or row[1] < timezone.now():
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(row[0].encode())) + delta
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(f"UPDATE {table} SET value = %s WHERE cache_key = %s", [encoded, key])
        return value

    def decr(self, key, delta=1, version=None):
        return self.incr(key, -delta, version=version)
