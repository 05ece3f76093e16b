"""A reader reports a comment; a moderator hides it from the queue; the reader no longer sees it."""

import pytest
from django.apps import apps
from django.db import connection

from moderation.policy import apply_moderator_policy
from tests.browser.conftest import login
from tests.factories import CommentFactory, ModeratorFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def moderators_group(db):
    # Transactional tests empty the database between tests: rebuild what the data migration created.
    with connection.schema_editor() as schema_editor:
        apply_moderator_policy(apps, schema_editor)


def test_reader_reports_a_comment_and_a_moderator_hides_it(page, browser, live_server, moderators_group):
    summary = SummaryFactory(body="A careful summary of the paper.")
    CommentFactory(summary=summary, body="Buy cheap watches at example.com")
    reader = UserFactory(username="reader")
    moderator = ModeratorFactory(username="moderator")

    # The reader reports the comment from the summary page.
    login(page, live_server, reader)
    page.goto(live_server.url + summary.get_absolute_url())
    comment = page.locator(".comment", has_text="Buy cheap watches")
    comment.get_by_role("link", name="Report").click()
    page.get_by_label("Spam or advertising").check()
    page.get_by_label("Details (optional)").fill("Advertising a shop.")
    page.get_by_role("button", name="Send report").click()
    page.wait_for_selector("text=Thank you. A moderator will look at your report.")

    # The moderator works the queue in the admin.
    context = browser.new_context(base_url=live_server.url)
    admin = context.new_page()
    try:
        login(admin, live_server, moderator)
        admin.goto(live_server.url + "/admin/")
        admin.get_by_role("link", name="Open reports").click()
        admin.get_by_role("link", name="#", exact=False).first.click()
        admin.wait_for_selector("text=Buy cheap watches")
        admin.get_by_label("Reason").first.fill("Spam link")
        admin.get_by_role("button", name="Hide the content").click()
        admin.wait_for_selector("text=Hide the content: done.")
        assert admin.locator("#audit-trail").count() == 1
    finally:
        context.close()

    # The reader reloads: the comment is gone.
    page.reload()
    page.wait_for_selector("h1")
    assert page.locator("text=Buy cheap watches").count() == 0
    assert page.locator("text=A careful summary of the paper.").count() == 1
