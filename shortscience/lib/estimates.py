"""PostgreSQL's own row estimates, for pages that must not ``COUNT(*)`` millions of rows.

One copy for the admin's changelist paginator and the site counts on the home page.
"""

from __future__ import annotations

import json

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections


def estimated_rows(relation: str, using: str = DEFAULT_DB_ALIAS) -> int | None:
    """The planner's row count of a table or index, None if it was never analysed (or does not exist).

    Like the planner: rows per page from the last VACUUM/ANALYZE (``pg_class.reltuples / relpages``)
    times the relation's current number of pages. For a partial index this counts the rows matching
    its condition, e.g. listed summaries for ``summary_latest_idx``.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples, relpages, pg_relation_size(oid) / current_setting('block_size')::int"
            " FROM pg_class WHERE oid = to_regclass(%s)",
            [relation],
        )
        row = cursor.fetchone()
    # reltuples is -1 for a table that was never analysed.
    if row is None or row[0] is None or row[0] < 0:
        return None
    reltuples, relpages, pages = row
    if relpages > 0:
        return int(reltuples / relpages * pages)
    return int(reltuples)


def planner_estimate(queryset) -> int | None:
    """PostgreSQL's own guess of how many rows ``queryset`` returns, without counting them.

    Unfiltered: the table's ``estimated_rows`` (kept up to date by ANALYZE / autovacuum). Filtered:
    the row estimate of ``EXPLAIN (FORMAT JSON)``. None when there is no usable estimate (never analysed,
    or not PostgreSQL); 0 for a query that matches nothing by construction.
    """
    query = queryset.query
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    if not query.where and not query.distinct and not query.combinator and query.low_mark == 0:
        return estimated_rows(connection.ops.quote_name(queryset.model._meta.db_table), using=queryset.db)
    try:
        sql, params = query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:
        return 0
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])
