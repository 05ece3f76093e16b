"""The per-item Moderate panel on an admin change page: every action and reason field is usable at desktop widths."""

import pytest
from django.apps import apps
from django.db import connection

from moderation.models import Report
from moderation.policy import apply_moderator_policy
from summaries.models import Summary
from tests.browser.conftest import login
from tests.factories import ModeratorFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

MIN_FIELD_WIDTH = 200  # px: room to type a sentence


@pytest.fixture
def moderators_group(db):
    # Transactional tests empty the database between tests: rebuild what the data migration created.
    with connection.schema_editor() as schema_editor:
        apply_moderator_policy(apps, schema_editor)


def _set_sidebar(page, open_: bool):
    page.evaluate("open => localStorage.setItem('django.admin.navSidebarIsOpen', open ? 'true' : 'false')", open_)
    page.reload()


def _assert_panel_usable(page, width):
    panel = page.locator("#moderation fieldset")
    panel.wait_for()
    controls = panel.locator("input[name=reason], button[type=submit]")
    assert controls.count() >= 2
    for i in range(controls.count()):
        control = controls.nth(i)
        control.scroll_into_view_if_needed()
        box = control.bounding_box()
        label = control.get_attribute("name") or control.inner_text()
        assert box is not None, label
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (label, box, width)
        if control.get_attribute("name") == "reason":
            assert box["width"] >= MIN_FIELD_WIDTH, (label, box)
        else:
            assert box["width"] >= 48 and box["height"] >= 30, (label, box)
    # Nothing makes the page scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [1280, 1600])
@pytest.mark.parametrize("sidebar_open", [True, False])
def test_moderate_panel_fits_on_report_and_summary_pages(page, live_server, moderators_group, width, sidebar_open):
    summary = SummaryFactory(body="A careful summary of the paper.")
    report = Report.objects.create(
        reporter=UserFactory(), content_object=summary, reason=Report.Reason.SPAM, details="Looks like spam."
    )
    moderator = ModeratorFactory(username="moderator")
    page.set_viewport_size({"width": width, "height": 900})
    login(page, live_server, moderator)
    for url in (f"/admin/moderation/report/{report.pk}/change/", f"/admin/summaries/summary/{summary.pk}/change/"):
        page.goto(live_server.url + url)
        _set_sidebar(page, sidebar_open)
        _assert_panel_usable(page, width)


def test_moderator_hides_a_summary_from_its_change_page(page, live_server, moderators_group):
    summary = SummaryFactory(body="A careful summary of the paper.")
    moderator = ModeratorFactory(username="moderator")
    login(page, live_server, moderator)
    page.goto(f"{live_server.url}/admin/summaries/summary/{summary.pk}/change/")
    page.locator("#reason-hide").fill("Off-topic advertising")
    page.get_by_role("button", name="Hide", exact=True).click()
    page.wait_for_selector("text=Hide: done.")
    summary.refresh_from_db()
    assert summary.state == Summary.State.HIDDEN
    assert page.locator("#audit-trail", has_text="Off-topic advertising").count() == 1
