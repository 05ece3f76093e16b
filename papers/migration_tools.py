"""Helpers for migrations that build indexes ``CONCURRENTLY`` or lock a big table.

A ``CREATE INDEX CONCURRENTLY`` that fails part way (deadlock, cancelled statement, killed process) leaves an
INVALID index behind: never used by a query, still maintained on every write, and skipped by the next run's
``IF NOT EXISTS``, so it would stay unusable for good. ``DropIndexIfInvalid`` placed before each such create
drops that leftover (and only that: a valid index is kept, so a re-run does not rebuild it).

``execute_with_lock_timeout`` runs a statement that needs a strong lock (``ALTER TABLE``) with a lock timeout:
waiting behind a long query on the table would otherwise queue every later reader behind the migration.
"""

from __future__ import annotations

from django.db import OperationalError, migrations, transaction
from django.db.migrations.operations.base import Operation

LOCK_TIMEOUT = "5s"
LOCK_NOT_AVAILABLE = "55P03"


def index_is_invalid(connection, name: str) -> bool:
    """True when index ``name`` (looked up through the search path) exists and is marked invalid."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", [name])
        row = cursor.fetchone()
    return bool(row and row[0])


def drop_index_if_invalid(connection, name: str) -> bool:
    """Drop index ``name`` concurrently if a failed concurrent build left it invalid; True if it was dropped.

    Must run outside a transaction (``DROP INDEX CONCURRENTLY``). An index that another session is building
    right now is invalid too until the build ends: that one is not dropped, the migration stops instead.
    """
    if connection.in_atomic_block:
        raise RuntimeError(
            f"Checking index {name} must run outside a transaction: set atomic = False on the migration."
        )
    if not index_is_invalid(connection, name):
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_progress_create_index WHERE index_relid = to_regclass(%s)", [name])
        building = cursor.fetchone()
        if building:
            raise RuntimeError(
                f"Index {name} is being built by another session (pid {building[0]}); wait for it to finish "
                "and run migrate again."
            )
        cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {connection.ops.quote_name(name)}")
    return True


class DropIndexIfInvalid(Operation):
    """Migration operation: drop index ``name`` if it exists and is invalid (see the module docstring).

    Put it right before the ``CREATE INDEX CONCURRENTLY IF NOT EXISTS`` of the same index, in a migration
    with ``atomic = False`` (the operation refuses to run inside a transaction, even when there is nothing to
    drop, so a wrong migration fails on every run, in tests too), and not inside ``SeparateDatabaseAndState``
    (which would run it under ``sqlmigrate`` too). Changes no model state; reversing does nothing.
    """

    reversible = True
    reduces_to_sql = False

    def __init__(self, name: str):
        self.name = name

    def deconstruct(self):
        return self.__class__.__qualname__, [self.name], {}

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        drop_index_if_invalid(schema_editor.connection, self.name)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass

    def describe(self):
        return f"Drop index {self.name} if a failed concurrent build left it invalid"

    @property
    def migration_name_fragment(self):
        return f"drop_invalid_{self.name}"


def execute_with_lock_timeout(connection, sql: str, timeout: str = LOCK_TIMEOUT) -> None:
    """Run ``sql`` in its own transaction with ``SET LOCAL lock_timeout = timeout``.

    If the lock is not granted in time (a long query or transaction holds the table), raise an
    ``OperationalError`` that says so; nothing was changed, and running migrate again later is safe.
    """
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{timeout}'")
            cursor.execute(sql)
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        raise OperationalError(
            f"Gave up after waiting {timeout} for a lock: another session holds the table (see pg_stat_activity "
            f"for a long query or an idle transaction). Nothing was changed; run migrate again. Statement: {sql}"
        ) from exc


def add_index_concurrently(model_name: str, table: str, index, definition: str) -> list[Operation]:
    """Operations adding ``index`` to ``model_name``, built ``CONCURRENTLY``: ``DropIndexIfInvalid``, then the
    ``CREATE INDEX CONCURRENTLY IF NOT EXISTS <name> ON <table> <definition>`` (``definition``, frozen SQL: its
    method, columns and condition) for the database and ``AddIndex`` for the migration state. For a migration with
    ``atomic = False``."""
    return [
        DropIndexIfInvalid(index.name),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {index.name} ON {table} {definition}",
                    reverse_sql=f"DROP INDEX CONCURRENTLY IF EXISTS {index.name}",
                ),
            ],
            state_operations=[migrations.AddIndex(model_name=model_name, index=index)],
        ),
    ]
