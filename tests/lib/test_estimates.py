"""PostgreSQL's row estimates (shortscience.lib.estimates): the table, a partial index, a filtered queryset."""

import pytest
from django.db import connection
from django.utils import timezone

from papers.models import Paper
from shortscience.lib.estimates import estimated_rows, planner_estimate
from summaries.models import Summary
from tests.factories import PaperFactory, SummaryFactory


@pytest.mark.django_db(transaction=True)
def test_estimated_rows_follow_the_table_and_the_partial_index():
    # Committed rows and an ANALYZE outside any transaction, as autovacuum does it: inside the test
    # transaction ANALYZE counts row versions by the savepoints that wrote them, which is not what a
    # live site sees, and made this test depend on the state of a fresh database.
    for _ in range(3):
        SummaryFactory()
    SummaryFactory(deleted_at=timezone.now())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE papers_paper")
        cursor.execute("ANALYZE summaries_summary")
    assert estimated_rows("papers_paper") == Paper.objects.count()
    assert estimated_rows("summary_latest_idx") == Summary.objects.listed().count() == 3
    assert estimated_rows("no_such_relation") is None


@pytest.mark.django_db(transaction=True)
def test_planner_estimate_reads_the_table_unfiltered_and_explain_when_filtered():
    PaperFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE papers_paper")
    assert planner_estimate(Paper.objects.all()) == estimated_rows("papers_paper") == 3
    assert planner_estimate(Paper.objects.filter(year=2020)) >= 1  # EXPLAIN's row estimate
    assert planner_estimate(Paper.objects.none()) == 0
