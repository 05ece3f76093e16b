"""The summaries changelist fits a 1280 px screen and tells deleted summaries apart."""

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from moderation.policy import apply_moderator_policy
from summaries.models import Summary
from tests.browser.conftest import login
from tests.factories import ModeratorFactory, PaperFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def moderators_group(db):
    # Transactional tests empty the database between tests: rebuild what the data migration created.
    with connection.schema_editor() as schema_editor:
        apply_moderator_policy(apps, schema_editor)


@pytest.mark.parametrize("sidebar_open", [True, False])
def test_summaries_changelist_fits_at_1280_px_and_shows_deleted(page, live_server, moderators_group, sidebar_open):
    long_title = "Scaling Laws for Neural Language Models Trained on Very Large and Diverse Corpora of Web Text " * 2
    for i in range(3):
        SummaryFactory(
            paper=PaperFactory(title=f"{long_title} {i}"),
            writer=UserFactory(username=f"a_rather_long_username_{i}_of_a_writer"),
        )
    deleted = SummaryFactory(paper=PaperFactory(title="A deleted one"))
    Summary.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())
    login(page, live_server, ModeratorFactory(username="moderator"))
    page.goto(f"{live_server.url}/admin/summaries/summary/")
    page.evaluate(
        "open => localStorage.setItem('django.admin.navSidebarIsOpen', open ? 'true' : 'false')", sidebar_open
    )
    page.reload()

    table = page.locator("#result_list")
    table.wait_for()
    widths = page.evaluate(
        """() => {
            const table = document.querySelector('#result_list');
            const container = document.querySelector('#changelist .results');
            return {table: table.getBoundingClientRect().right, container: container.getBoundingClientRect().right,
                    scroll: container.scrollWidth, client: container.clientWidth,
                    page: document.documentElement.scrollWidth};
        }"""
    )
    assert widths["table"] <= widths["container"] + 1, widths
    assert widths["scroll"] <= widths["client"], widths
    assert widths["page"] <= 1280, widths
    row = page.locator("#result_list tr", has_text="A deleted one")
    assert "Deleted" in row.inner_text()
    assert "Public" not in row.inner_text()
