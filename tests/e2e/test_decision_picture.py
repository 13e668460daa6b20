"""Deciding with the full picture, in Chromium at desktop and phone sizes: the balance
projection in the inbox, the second tap a negative balance needs, and the request detail."""

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import horizontal_overflow, open_page, sign_in, tap
from tests.e2e.test_accessibility import axe_violations, screenshots  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e

SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _shoot_viewport(page, name: str, form_factor: str, tmp_path: Path) -> None:
    """What the person sees (a dialog over the page): to docs/screenshots with
    UPDATE_SCREENSHOTS=1, else to a temporary directory."""
    target = SCREENSHOT_DIR if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    path = target / f"{name}-{form_factor}.png"
    page.screenshot(path=path, animations="disabled", caret="hide")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


WS = 1
FIRST = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)  # filed before any other: the inbox's first row


def _member(webwork) -> dict:
    return next(
        m
        for m in webwork.state.members_for(WS)
        if m["status"] == "active" and m["current_role"] == "Regular User"
    )


def _annual_leave(webwork, start: dt.date, end: dt.date) -> dict:
    annual = next(p for p in webwork.state.policies_for(WS) if p["name"] == "Annual leave")
    return webwork.state.add_leave(
        WS, _member(webwork)["id"], start, end, policy_id=annual["id"], created_at=FIRST
    )


@pytest.mark.clock("2027-05-15T10:00Z")
def test_a_negative_balance_is_said_in_words_and_approve_takes_a_second_tap(
    page,
    dashboard,
    webwork,
    form_factor,
    screenshots,  # noqa: F811
):
    # Forty-four working days of Annual leave (25 a year): the balance goes below zero.
    leave = _annual_leave(webwork, dt.date(2027, 6, 1), dt.date(2027, 7, 30))
    sign_in(page, dashboard, "Mateo García")
    row = page.locator(f"#leave-{leave['id']}")
    expect(row).to_contain_text("after this")
    expect(row).to_contain_text("with all pending")
    expect(row.locator(".request__warning")).to_contain_text(
        "Annual leave does not allow a negative balance"
    )
    assert horizontal_overflow(page) is None
    assert axe_violations(page, "inbox with a projection") == []
    screenshots(page, "projection")
    first_tap = row.get_by_text("Approve…")
    tap(first_tap, form_factor)
    anyway = row.get_by_role("button", name="Approve anyway")
    expect(anyway).to_be_visible()
    assert webwork.state.calls.count(method="PUT") == 0  # the first tap sent nothing
    tap(anyway, form_factor)
    expect(page.locator(f"#leave-{leave['id']} .request__outcome")).to_have_text(
        re.compile(r"Approved\s+by you")
    )
    assert webwork.state.calls.count(method="PUT") == 1


@pytest.mark.clock("2027-05-15T10:00Z")
def test_the_detail_opens_over_the_inbox_and_closes_back_to_it(
    page, dashboard, webwork, form_factor, tmp_path
):
    leave = _annual_leave(webwork, dt.date(2027, 6, 1), dt.date(2027, 6, 4))
    sign_in(page, dashboard, "Mateo García")
    open_page(page, dashboard, "/w/1/")
    link = page.locator(f"#leave-{leave['id']} .request__name a")
    tap(link, form_factor)
    dialog = page.locator("#leave-dialog")
    expect(dialog).to_have_attribute("open", "")
    expect(dialog).to_contain_text("4 working days")
    expect(dialog).to_contain_text("after this")
    expect(dialog).to_contain_text("Approved leave in the last 12 months")
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    assert horizontal_overflow(page) is None
    assert axe_violations(page, "request detail") == []
    _shoot_viewport(page, "request-detail", form_factor, tmp_path)
    page.keyboard.press("Escape")
    expect(dialog).not_to_have_attribute("open", "")
    expect(page).to_have_url(re.compile(r"/w/1/$"))


@pytest.mark.sizes("desktop")
@pytest.mark.clock("2027-05-15T10:00Z")
def test_a_calendar_bar_is_a_link_reached_by_the_keyboard(page, dashboard, webwork):
    leave = _annual_leave(webwork, dt.date(2027, 5, 18), dt.date(2027, 5, 19))
    sign_in(page, dashboard, "Mateo García")
    open_page(page, dashboard, "/w/1/calendar/?month=2027-05")
    bar = page.locator(f'a.bar[href$="/leaves/{leave["id"]}/"]')
    bar.focus()
    expect(bar).to_be_focused()
    page.keyboard.press("Enter")
    dialog = page.locator("#leave-dialog")
    expect(dialog).to_have_attribute("open", "")
    expect(dialog).to_contain_text("2 working days")
    page.get_by_role("button", name="Close").press("Enter")
    expect(dialog).not_to_have_attribute("open", "")
    expect(bar).to_be_focused()


def test_without_javascript_the_detail_is_a_page(browser, dashboard, webwork, form_factor):
    from tests.e2e.conftest import SIZES

    context = browser.new_context(java_script_enabled=False, **SIZES[form_factor])
    page = context.new_page()
    sign_in_no_js = page.goto  # the sign-in flow needs no script: buttons are forms
    sign_in_no_js(dashboard + "/")
    page.get_by_role("button", name="Sign in with WebWork").click()
    page.locator("label").filter(has_text="Mateo García").click()
    page.get_by_role("button", name="Authorize").click()
    row = page.locator("ol.requests > li.request").first
    row.locator(".request__name a").click()
    expect(page).to_have_url(re.compile(r"/w/1/leaves/[0-9a-f-]{36}/$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Approve")).to_be_visible()
    context.close()


def test_balances_of_one_policy_sort_by_a_header_tap(
    signed_in_page, dashboard, webwork, form_factor, tmp_path
):
    page = signed_in_page
    annual = next(p for p in webwork.state.policies_for(WS) if p["name"] == "Annual leave")
    open_page(page, dashboard, f"/w/1/balances/?policy={annual['id']}")
    table = page.get_by_role("region", name="Balances table")
    headers = [h.strip().casefold() for h in table.locator("thead th").all_inner_texts()]
    assert headers == ["member", "allowance", "used", "pending", "remaining"]
    tap(table.get_by_role("link", name="Remaining"), form_factor)
    expect(page).to_have_url(re.compile(r"sort=remaining&dir=asc"))
    expect(table.locator('th[aria-sort="ascending"]')).to_have_text(re.compile("Remaining"))
    remaining = table.locator("tbody tr td:nth-child(5)").all_inner_texts()
    numbers = [float(re.search(r"-?\d+(?:\.\d+)?", t.replace("−", "-")).group()) for t in remaining]
    assert numbers == sorted(numbers)
    assert horizontal_overflow(page) is None
    _shoot_viewport(page, "balances-policy", form_factor, tmp_path)
