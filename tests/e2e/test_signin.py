"""Signing in and out through the real browser flow."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import tap

pytestmark = pytest.mark.e2e


def test_sign_in_with_webwork_lands_on_the_inbox(page, dashboard, webwork, form_factor):
    page.goto(dashboard + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("WebWork Leave Dashboard")

    tap(page.get_by_role("button", name="Sign in with WebWork"), form_factor)
    # WebWork's consent page (the sandbox) asks who is signing in.
    expect(page).to_have_url(re.compile(re.escape(webwork.oauth_url) + r"/authorize"))
    tap(page.get_by_text("Mateo García", exact=True), form_factor)
    expect(page.get_by_role("radio", name=re.compile("Mateo García"))).to_be_checked()
    tap(page.get_by_role("button", name="Authorize"), form_factor)

    expect(page).to_have_url(dashboard + "/w/1/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbox")
    expect(page.get_by_text("Northwind Studio")).to_be_visible()
    expect(page.locator("#toasts")).to_contain_text("Signed in as Mateo García.")
    nav = page.get_by_role("navigation", name="Sections")
    expect(nav.get_by_role("link", name=re.compile("Inbox"))).to_have_attribute(
        "aria-current", "page"
    )
    assert webwork.state.calls.count(method="POST", path="^/oauth/token$") == 1

    tap(page.get_by_role("button", name="Sign out"), form_factor)
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.goto(dashboard + "/w/1/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_denying_access_on_webwork_leaves_you_signed_out(page, dashboard, webwork, form_factor):
    page.goto(dashboard + "/accounts/login/")
    tap(page.get_by_role("button", name="Sign in with WebWork"), form_factor)
    tap(page.get_by_role("button", name="Deny"), form_factor)

    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in cancelled")
    try_again = page.get_by_role("link", name="Try again")
    expect(try_again).to_have_attribute("href", "/accounts/login/")
    assert webwork.state.calls.count(method="POST", path="^/oauth/token$") == 0
    page.goto(dashboard + "/w/1/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
