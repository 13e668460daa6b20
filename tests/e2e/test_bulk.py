"""Bulk decisions and the undo window in a real browser, at desktop and phone sizes."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import horizontal_overflow, open_page, sign_in, small_tap_targets, tap
from tests.e2e.test_accessibility import axe_violations, screenshots  # noqa: F401 (a fixture)
from tests.e2e.test_responsive import TAP_TARGETS

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("rules_let_every_leave_through")]


def _puts(webwork) -> int:
    return webwork.state.calls.count(method="PUT", path="/(approve|reject)$")


def test_select_two_and_approve_them_with_a_report(signed_in_page, webwork, form_factor):
    page = signed_in_page
    approve = page.get_by_role("button", name="Approve selected")
    expect(approve).to_be_hidden()  # shown once something is selected
    boxes = page.locator("[data-bulk-pick]")
    if form_factor == "phone":
        boxes.nth(0).tap()
        boxes.nth(1).tap()
    else:  # from the keyboard alone
        boxes.nth(0).focus()
        page.keyboard.press("Space")
        boxes.nth(1).focus()
        page.keyboard.press("Space")
    expect(page.locator("[data-bulk-count]")).to_have_text("2 selected")
    tap(page.get_by_role("button", name="Approve selected"), form_factor)
    panel = page.locator(".bulk-run")
    expect(panel).to_contain_text("2 of 2 handled")
    expect(panel.locator(".bulk-report__row--decided")).to_have_count(2)
    assert _puts(webwork) == 2


def test_approve_all_pending_shows_progress_until_the_last(signed_in_page, webwork, form_factor):
    page = signed_in_page
    pending = len(webwork.state.leaves_for(1, status="pending"))
    tap(page.get_by_label("Select all on this page"), form_factor)
    expect(page.locator("[data-bulk-count]")).to_have_text(re.compile(r"^\d+ selected$"))
    tap(page.get_by_role("button", name="Approve selected"), form_factor)
    panel = page.locator(".bulk-run")
    expect(panel.locator("progress")).to_be_visible()
    expect(panel).to_contain_text(f"{pending} of {pending} handled", timeout=30_000)
    expect(panel.get_by_role("link", name="Reload the inbox")).to_be_visible()
    assert _puts(webwork) == pending


def test_undo_a_tap_within_the_window_sends_nothing(signed_in_page, webwork, form_factor, settings):
    settings.DECISION_UNDO_SECONDS = 30
    page = signed_in_page
    open_page(page, page.url.split("/w/")[0], "/w/1/")
    row = page.locator("li.request").first
    tap(row.get_by_role("button", name=re.compile("^Approve")), form_factor)
    expect(row).to_contain_text(re.compile(r"Approved · sending in \d+ s"))
    tap(row.get_by_role("button", name=re.compile("^Undo")), form_factor)
    expect(row.get_by_role("button", name=re.compile("^Approve"))).to_be_visible()
    assert _puts(webwork) == 0


def test_bulk_report_and_all_inboxes_fit_and_are_accessible(
    page,
    dashboard,
    webwork,
    form_factor,
    screenshots,  # noqa: F811 (the fixture imported)
):
    """The bulk bar with a report, and the owner's inbox of two workspaces: no sideways
    scrolling, taps of 44 px, no serious axe-core violations. Saves their screenshots."""
    problems = []
    sign_in(page, dashboard, "Mateo García")
    boxes = page.locator("[data-bulk-pick]")
    for n in range(3):
        tap(boxes.nth(n), form_factor)
    tap(page.get_by_role("button", name="Approve selected"), form_factor)
    expect(page.locator(".bulk-run")).to_contain_text("3 of 3 handled")
    expect(page.get_by_role("button", name="Approve selected")).to_be_enabled()
    problems += _fits(page, "bulk") + axe_violations(page, "bulk")
    page.locator(".bulk-bar").scroll_into_view_if_needed()
    screenshots(page, "bulk")

    page.context.clear_cookies()
    page.goto(dashboard + "/")
    page.get_by_role("button", name="Sign in with WebWork").click()
    page.locator("label").filter(has_text="Amara Okafor").click()
    page.get_by_role("button", name="Authorize").click()
    expect(page).to_have_url(re.compile(r"/inbox/$"))
    expect(
        page.get_by_role("heading", level=2, name=re.compile("Blue Harbor Labs"))
    ).to_be_visible()
    problems += _fits(page, "all-inboxes") + axe_violations(page, "all-inboxes")
    screenshots(page, "all-inboxes")
    assert not problems, "\n".join(problems)


def _fits(page, name: str) -> list[str]:
    found = []
    if overflow := horizontal_overflow(page):
        found.append(f"{name} scrolls sideways: {overflow}")
    found += [f"{name}: {t}" for t in small_tap_targets(page, TAP_TARGETS)]
    return found


def test_undo_from_the_toast(signed_in_page, webwork, form_factor, settings):
    settings.DECISION_UNDO_SECONDS = 30
    page = signed_in_page
    row = page.locator("li.request").first
    tap(row.get_by_role("button", name=re.compile("^Approve")), form_factor)
    toast = page.locator(".toast").filter(has_text="sending in")
    tap(toast.get_by_role("button", name="Undo"), form_factor)
    expect(row.get_by_role("button", name=re.compile("^Approve"))).to_be_visible()
    expect(page.locator(".toast").filter(has_text="Undone")).to_be_visible()
    assert _puts(webwork) == 0
