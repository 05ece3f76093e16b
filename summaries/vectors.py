"""The summary's full-text search vector (``Summary.search_vector``), built like a paper's (``papers.vectors``).

Kept by SQL rather than a stored ``GeneratedField``: adding a generated column rewrites summaries_summary,
a million rows, under an exclusive lock.
"""

from django.db import connection

from papers.vectors import CJK_SQL_PATTERN, search_results_changed, weighted_vector

SUMMARY_VECTOR_SQL = "UPDATE summaries_summary s SET search_vector = " + weighted_vector("s.body", "A")


def update_summary_search_vector(summary_id=None) -> None:
    """Recompute the search vector of this summary (of every summary when ``summary_id`` is None)."""
    with connection.cursor() as cursor:
        if summary_id is None:
            cursor.execute(SUMMARY_VECTOR_SQL, {"cjk": CJK_SQL_PATTERN})
        else:
            cursor.execute(SUMMARY_VECTOR_SQL + " WHERE s.id = %(id)s", {"cjk": CJK_SQL_PATTERN, "id": summary_id})
    search_results_changed()
