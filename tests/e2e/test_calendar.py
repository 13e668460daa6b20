"""The team calendar: month navigation over HTMX with the URL in sync; wallchart or agenda."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from dashboard.dates import add_months
from tests.e2e.browser import open_page, tap

pytestmark = pytest.mark.e2e


def title(first: dt.date) -> str:
    """The calendar's heading for a month, e.g. "March 2027"."""
    return first.strftime("%B %Y")


def leaves_shown(webwork, first: dt.date) -> list[dict]:
    """Approved and pending leaves of active members of workspace 1 touching the month."""
    last = add_months(first, 1) - dt.timedelta(days=1)
    active = {m["id"] for m in webwork.state.members_for(1) if m["status"] == "active"}
    return [
        lv
        for lv in webwork.state.leaves_for(1)
        if lv["status"] in ("approved", "pending")
        and lv["user_id"] in active
        and lv["start_date"] <= last.isoformat()
        and lv.get("end_date", lv["start_date"]) >= first.isoformat()
    ]


def test_month_navigation_keeps_the_url_in_sync(signed_in_page, dashboard, webwork, form_factor):
    page = signed_in_page
    this_month = dt.datetime.now(dt.UTC).date().replace(day=1)
    open_page(page, dashboard, "/w/1/calendar/")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(title(this_month))
    # A marker on the window survives HTMX swaps but not page loads.
    page.evaluate("window.__sameDocument = true")
    months = page.get_by_role("navigation", name="Months")

    next_link = months.get_by_role("link", name=re.compile("Next month"))
    if form_factor == "desktop":
        # From the keyboard: focus stays on "next" after the swap, ready for the next press.
        next_link.focus()
        page.keyboard.press("Enter")
    else:
        tap(next_link, form_factor)
    following = add_months(this_month, 1)
    expect(heading).to_have_text(title(following))
    if form_factor == "desktop":
        expect(months.get_by_role("link", name=re.compile("Next month"))).to_be_focused()
    expect(page).to_have_url(re.compile(rf"\?month={following:%Y-%m}$"))
    expect(page).to_have_title(re.compile(f"^Calendar · {title(following)}"))

    tap(months.get_by_role("link", name=re.compile("Previous month")), form_factor)
    expect(heading).to_have_text(title(this_month))
    tap(months.get_by_role("link", name=re.compile("Previous month")), form_factor)
    previous = add_months(this_month, -1)
    expect(heading).to_have_text(title(previous))
    expect(page).to_have_url(re.compile(rf"\?month={previous:%Y-%m}$"))

    tap(months.get_by_role("link", name="Today"), form_factor)
    expect(heading).to_have_text(title(this_month))
    expect(page).to_have_url(dashboard + "/w/1/calendar/")
    assert page.evaluate("window.__sameDocument") is True

    page.go_back()
    expect(heading).to_have_text(title(previous))
    expect(page).to_have_url(re.compile(rf"\?month={previous:%Y-%m}$"))


@pytest.mark.sizes("desktop")
def test_wallchart_on_desktop_shows_a_bar_per_leave(signed_in_page, dashboard, webwork):
    page = signed_in_page
    first = add_months(dt.datetime.now(dt.UTC).date().replace(day=1), 1)
    open_page(page, dashboard, f"/w/1/calendar/?month={first:%Y-%m}")

    wallchart = page.get_by_role("region", name=f"Wallchart for {title(first)}")
    expect(wallchart).to_be_visible()
    expect(page.get_by_role("list", name="Who is out, day by day")).to_be_hidden()
    expected = leaves_shown(webwork, first)
    assert expected, "the seed should put some leave in next month"
    bars = wallchart.locator(".bar")
    expect(bars).to_have_count(len(expected))
    expect(bars.first).to_be_visible()
    box = bars.first.bounding_box()
    assert box["width"] >= 10
    assert box["height"] >= 10
    pending = sum(1 for lv in expected if lv["status"] == "pending")
    expect(wallchart.locator(".bar--pending")).to_have_count(pending)

    # A team filter narrows the rows and is kept in the URL.
    page.get_by_label("Team").select_option("Design")
    expect(page).to_have_url(re.compile(rf"\?month={first:%Y-%m}&team=Design$"))
    expect(wallchart.locator(".wc-team__name")).to_have_count(1)
    expect(wallchart.locator(".wc-team__name")).to_contain_text("Design")


@pytest.mark.sizes("phone")
def test_agenda_on_the_phone_lists_who_is_out(signed_in_page, dashboard, webwork):
    page = signed_in_page
    first = add_months(dt.datetime.now(dt.UTC).date().replace(day=1), 1)
    open_page(page, dashboard, f"/w/1/calendar/?month={first:%Y-%m}")

    agenda = page.get_by_role("list", name="Who is out, day by day")
    expect(agenda).to_be_visible()
    expect(page.locator(".wallchart-wrap")).to_be_hidden()
    days = agenda.locator(".agenda__day")
    expect(days.first).to_be_visible()
    expect(days.first.get_by_role("heading")).to_contain_text(first.strftime("%B"))
    # textContent: days off screen are laid out only when scrolled to (content-visibility),
    # so their innerText is empty until then; their text is in the page all the same.
    names_in_agenda = {
        name.strip() for name in agenda.locator(".agenda__entry strong").all_text_contents()
    }
    members = {m["id"]: m for m in webwork.state.members_for(1)}
    expected = {
        f"{members[lv['user_id']]['firstname']} {members[lv['user_id']]['lastname']}"
        for lv in leaves_shown(webwork, first)
    }
    assert names_in_agenda
    assert names_in_agenda <= expected

    # An entry opens its request's detail over the agenda, without leaving the page.
    entry = agenda.locator(".agenda__entry a").first
    entry.scroll_into_view_if_needed()
    tap(entry, "phone")
    dialog = page.locator("#leave-dialog")
    expect(dialog).to_have_attribute("open", "")
    expect(dialog.get_by_role("button", name="Close")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/w/1/calendar/\?month={first:%Y-%m}$"))
