"""Browser: sign up with e-mail and password, sign out, sign in again; the honeypot stays invisible."""

import os
import re
from pathlib import Path

import pytest
from django.core import mail

from accounts.models import User

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a long and unusual passphrase 42"
SHOTS = os.environ.get("SCREENSHOTS_DIR")


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_sign_up_with_e_mail_and_password_then_sign_in_again(page, live_server):
    page.goto(f"{live_server.url}/accounts/signup/")
    assert page.locator("h1").count() == 1
    # The honeypot is in the form for bots but never visible to people.
    assert page.locator("input[name=homepage]").count() == 1
    assert (
        not page.locator("input[name=homepage]").is_visible()
        or page.locator("input[name=homepage]").bounding_box()["x"] < 0
    )
    page.get_by_label("Email").fill("ada@example.org")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    shot(page, "signup")
    page.get_by_role("button", name="Create your account").click()
    # New members confirm their address first: the link in the mail signs them in.
    page.wait_for_url(f"{live_server.url}/accounts/confirm-email/")
    assert User.objects.filter(username="ada", email="ada@example.org").exists()
    link = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", mail.outbox[-1].body).group(0)
    page.goto(live_server.url + "/" + link.split("://", 1)[1].split("/", 1)[1])
    page.locator("main form").get_by_role("button").click()
    page.wait_for_load_state("load")
    assert "ada" in page.locator(".site-nav").inner_text()

    # Sign out through the header's form, then sign in with the e-mail address.
    page.goto(f"{live_server.url}/accounts/logout/")
    page.locator("main").get_by_role("button", name="Sign Out").click()
    page.wait_for_url(f"{live_server.url}/")
    assert "Sign in" in page.locator(".site-nav").inner_text()

    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=login]").fill("ada@example.org")
    page.locator("input[name=password]").fill(PASSWORD)
    shot(page, "login")
    page.locator("main").get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{live_server.url}/")
    assert "ada" in page.locator(".site-nav").inner_text()


def test_sign_up_errors_appear_next_to_the_fields_and_keep_the_input(page, live_server):
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Email").fill("grace@example.org")
    page.get_by_label("Username").fill("grace")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill("something else entirely")
    page.get_by_role("button", name="Create your account").click()
    page.wait_for_selector("#id_password2_error")
    assert "same password" in page.locator("#id_password2_error").inner_text()
    assert page.get_by_label("Email").input_value() == "grace@example.org"
    assert not User.objects.filter(username="grace").exists()
    shot(page, "signup-errors")
