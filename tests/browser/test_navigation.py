"""The header's navigation on a phone and on a desktop: every section is reachable by keyboard and by tap."""

import pytest

from tests.browser.conftest import login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def tab_to(page, name, limit=20):
    """Press Tab until the focused element's accessible text is `name`; return how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == name:
            return presses
    raise AssertionError(f"{name!r} not reached by keyboard in {limit} presses")


@pytest.mark.parametrize("target", [("Venues", "/venues/"), ("Writers", "/writers/")])
def test_phone_menu_opens_and_reaches_the_section_by_keyboard(page, live_server, target):
    name, path = target
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/")
    menu = page.locator(".site-header details.nav-menu")
    assert menu.locator("summary").is_visible()
    assert not page.locator(".site-header").get_by_role("link", name=name).is_visible()  # folded away
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    tab_to(page, "Menu")
    page.keyboard.press("Enter")
    assert menu.evaluate("el => el.open")
    tab_to(page, name, limit=4)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == live_server.url + path


@pytest.mark.parametrize("name", ["Venues", "Writers"])
def test_phone_menu_opens_and_reaches_the_section_by_tap(browser, live_server, name):
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        summary = page.locator(".site-header details.nav-menu > summary")
        box = summary.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44  # a tap target
        summary.tap()
        link = page.locator(".site-header details.nav-menu").get_by_role("link", name=name)
        assert link.is_visible()
        assert link.bounding_box()["height"] >= 44
        with page.expect_navigation():
            link.tap()
        assert page.locator("h1").inner_text() == name
    finally:
        context.close()


def test_phone_menu_closes_with_escape_and_works_for_a_signed_in_member(page, live_server):
    login(page, live_server, UserFactory(username="navmember"))
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    menu = page.locator(".site-header details.nav-menu")
    menu.locator("summary").click()
    assert menu.get_by_role("link", name="Writers").is_visible()
    page.keyboard.press("Escape")
    assert not menu.evaluate("el => el.open")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Menu"


def test_menu_opens_without_javascript_on_a_phone(browser, live_server):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        page.locator(".site-header details.nav-menu > summary").click()
        assert page.locator(".site-header details.nav-menu").get_by_role("link", name="Venues").is_visible()
    finally:
        context.close()


@pytest.mark.parametrize("name", ["Venues", "Writers"])
def test_desktop_header_links_reach_the_section_by_keyboard_without_a_menu(page, live_server, name):
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/")
    assert not page.locator(".site-header details.nav-menu > summary").is_visible()
    tab_to(page, name)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == name
