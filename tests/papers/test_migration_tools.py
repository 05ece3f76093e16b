"""papers.migration_tools: what the concurrent-index migrations (papers/0003, 0004) rely on when re-run."""

import pytest
from django.db import OperationalError, connection, connections, transaction

from papers.migration_tools import drop_index_if_invalid, execute_with_lock_timeout, index_is_invalid

pytestmark = pytest.mark.django_db


@pytest.fixture
def autocommit():
    """A second connection to the test database, outside the test's transaction (as a non-atomic migration
    runs), with a committed scratch table ``probe`` that is dropped afterwards."""
    other = connection.copy(alias="migration_tools")
    connections["migration_tools"] = other
    with other.cursor() as cursor:
        cursor.execute("CREATE TABLE probe (n integer)")
    try:
        yield other
    finally:
        with other.cursor() as cursor:
            cursor.execute("SET lock_timeout = '10s'")  # fail rather than hang if a test left a lock behind
            cursor.execute("DROP TABLE probe")
        other.close()
        del connections["migration_tools"]


def index_exists(conn, name):
    with conn.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        return cursor.fetchone()[0]


def test_an_index_left_invalid_by_a_failed_concurrent_build_is_dropped(autocommit):
    with autocommit.cursor() as cursor:
        cursor.execute("INSERT INTO probe VALUES (1), (1)")
        with pytest.raises(Exception, match="duplicate"):
            cursor.execute("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS probe_idx ON probe (n)")
    assert index_is_invalid(autocommit, "probe_idx")

    assert drop_index_if_invalid(autocommit, "probe_idx") is True
    assert not index_exists(autocommit, "probe_idx")


def test_a_valid_or_missing_index_is_kept_as_it_is(autocommit):
    assert drop_index_if_invalid(autocommit, "probe_idx") is False
    with autocommit.cursor() as cursor:
        cursor.execute("CREATE INDEX CONCURRENTLY probe_idx ON probe (n)")
    assert not index_is_invalid(autocommit, "probe_idx")
    assert drop_index_if_invalid(autocommit, "probe_idx") is False
    assert index_exists(autocommit, "probe_idx")


def test_refuses_to_run_inside_a_transaction():
    """An atomic migration would fail only on the day an invalid index exists; it fails on every run instead."""
    assert connection.in_atomic_block  # the test's own transaction
    with pytest.raises(RuntimeError, match="atomic = False"):
        drop_index_if_invalid(connection, "paper_sitemap_idx")


def test_alter_table_gives_up_behind_a_long_query_and_leaves_no_timeout_set(autocommit):
    savepoint = transaction.savepoint()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM probe")  # a query still open on probe: it holds a lock on it
        with pytest.raises(OperationalError, match="Gave up after waiting 100ms for a lock"):
            execute_with_lock_timeout(autocommit, "ALTER TABLE probe ADD COLUMN m integer", timeout="100ms")
    finally:
        transaction.savepoint_rollback(savepoint)  # releases the lock
    with autocommit.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('lock_timeout'), count(*) FROM information_schema.columns "
            "WHERE table_name = 'probe' AND column_name = 'm'"
        )
        assert cursor.fetchone() == ("0", 0)

    execute_with_lock_timeout(autocommit, "ALTER TABLE probe ADD COLUMN m integer", timeout="100ms")
    with autocommit.cursor() as cursor:
        cursor.execute("SELECT m FROM probe")
