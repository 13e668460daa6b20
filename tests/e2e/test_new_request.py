"""Filing a request on a member's behalf: day- and hour-based, with errors next to the fields."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import open_page, tap

pytestmark = pytest.mark.e2e

YUKI = 1003  # Yuki Tanaka
KOFI = 1004  # Kofi Asante
SICK_LEAVE = 102  # days, reason required
MEDICAL_APPOINTMENT = 104  # hours


def future_monday(weeks: int = 36) -> dt.date:
    """A Monday well past the seeded leaves (they reach six months ahead)."""
    day = dt.date.today() + dt.timedelta(weeks=weeks)
    return day - dt.timedelta(days=day.weekday())


def field_of(page, label: str):
    """The `.field` wrapper holding the control labelled `label`."""
    control_id = page.get_by_label(label, exact=True).get_attribute("id")
    return page.locator(f".field:has(> [id='{control_id}'])")


def expect_field_error(page, label: str, message: str) -> None:
    """`message` shows inside the field labelled `label`, which is marked invalid and described
    by it (so a screen reader reads the error when the field gets focus)."""
    control = page.get_by_label(label, exact=True)
    expect(field_of(page, label).locator(".field__error")).to_have_text(message)
    expect(control).to_have_attribute("aria-invalid", "true")
    described_by = control.get_attribute("aria-describedby") or ""
    texts = [page.locator(f"[id='{ref}']").text_content() or "" for ref in described_by.split()]
    assert any(message in text for text in texts), (described_by, texts)


def new_leaves(webwork, user_id: int, before: set[str]) -> list[dict]:
    """Leaves of `user_id` in workspace 1 that were not there before."""
    return [lv for lv in webwork.state.leaves_for(1, user_id=user_id) if lv["id"] not in before]


def test_day_based_request_shows_errors_by_the_fields_then_files(
    signed_in_page, dashboard, webwork, form_factor
):
    page = signed_in_page
    existing = {lv["id"] for lv in webwork.state.leaves_for(1, user_id=YUKI)}
    first = future_monday()
    open_page(page, dashboard, "/w/1/leaves/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("New leave request")

    page.get_by_label("Member (required)").select_option(str(YUKI))
    page.get_by_label("Policy (required)").select_option(str(SICK_LEAVE))
    # Switching the policy redraws the form over HTMX: a reason is now required.
    expect(page.get_by_text("Counted in days · needs a reason")).to_be_visible()
    expect(page.get_by_label("Reason (required)")).to_be_visible()
    page.get_by_label("First day").fill((first + dt.timedelta(days=2)).isoformat())
    page.get_by_label("Last day").fill(first.isoformat())
    tap(page.get_by_role("button", name="File request"), form_factor)

    summary = page.get_by_role("alert")
    expect(summary).to_have_text("Check the highlighted fields.")
    # Focus moves to the summary, so keyboard and screen reader users land on the problem.
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    expect_field_error(page, "Last day", "The last day can't be before the first day.")
    expect_field_error(page, "Reason (required)", "Sick leave needs a reason.")
    expect(field_of(page, "First day").locator(".field__error")).to_have_count(0)
    # What was typed and chosen is all still there.
    expect(page.get_by_label("Member (required)")).to_have_value(str(YUKI))
    expect(page.get_by_label("Policy (required)")).to_have_value(str(SICK_LEAVE))
    expect(page.get_by_label("First day")).to_have_value((first + dt.timedelta(days=2)).isoformat())
    expect(page.get_by_label("Last day")).to_have_value(first.isoformat())
    assert webwork.state.calls.count(method="POST", path="^/api/v2/leaves$") == 0

    page.get_by_label("Last day").fill((first + dt.timedelta(days=3)).isoformat())
    page.get_by_label("Reason (required)").fill("Knee surgery and recovery")
    tap(page.get_by_role("button", name="File request"), form_factor)

    expect(page).to_have_url(re.compile(rf"/w/1/leaves/\?member={YUKI}&highlight="))
    expect(page.locator("#toasts")).to_contain_text("Request filed")
    (leave,) = new_leaves(webwork, YUKI, existing)
    assert leave["status"] == "pending"
    assert leave["policy_id"] == SICK_LEAVE
    assert leave["start_date"] == (first + dt.timedelta(days=2)).isoformat()
    assert leave["end_date"] == (first + dt.timedelta(days=3)).isoformat()
    assert leave["note"] == "Knee surgery and recovery"
    highlighted = page.locator(f"#row-{leave['id']}")
    expect(highlighted).to_have_class(re.compile(r"\bhighlight\b"))
    expect(highlighted).to_contain_text("Sick leave")
    expect(highlighted).to_contain_text("Pending")
    assert webwork.state.calls.count(method="POST", path="^/api/v2/leaves$") == 1


def test_hour_based_request_switches_fields_and_files(
    signed_in_page, dashboard, webwork, form_factor
):
    page = signed_in_page
    existing = {lv["id"] for lv in webwork.state.leaves_for(1, user_id=KOFI)}
    day = future_monday() + dt.timedelta(days=1)
    open_page(page, dashboard, "/w/1/leaves/new/")
    expect(page.get_by_label("First day")).to_be_visible()

    page.get_by_label("Find a member").fill("Kofi")
    member = page.get_by_label("Member (required)")
    # The search narrows the member list (over HTMX) without losing focus in the search box.
    expect(member.locator("option")).to_have_count(2)
    expect(page.get_by_label("Find a member")).to_be_focused()
    member.select_option(str(KOFI))
    page.get_by_label("Policy (required)").select_option(str(MEDICAL_APPOINTMENT))
    expect(page.get_by_text("Counted in hours")).to_be_visible()
    expect(page.get_by_label("First day")).to_have_count(0)
    expect(page.get_by_role("radio")).to_have_count(0)

    page.get_by_label("Date", exact=True).fill(day.isoformat())
    page.get_by_label("From", exact=True).fill("14:00")
    page.get_by_label("To", exact=True).fill("13:00")
    page.get_by_label("Reason").fill("Dentist")
    tap(page.get_by_role("button", name="File request"), form_factor)

    expect_field_error(page, "To", "The end time must be after the start time.")
    expect(page.get_by_label("Date", exact=True)).to_have_value(day.isoformat())
    expect(page.get_by_label("From", exact=True)).to_have_value("14:00")
    expect(page.get_by_label("Reason")).to_have_value("Dentist")
    expect(page.get_by_label("Member (required)")).to_have_value(str(KOFI))

    page.get_by_label("To", exact=True).fill("16:30")
    tap(page.get_by_role("button", name="File request"), form_factor)

    expect(page).to_have_url(re.compile(rf"/w/1/leaves/\?member={KOFI}&highlight="))
    (leave,) = new_leaves(webwork, KOFI, existing)
    assert leave["policy_id"] == MEDICAL_APPOINTMENT
    assert leave["start_date"] == day.isoformat()
    assert (leave["start_time"], leave["end_time"]) == ("14:00", "16:30")
    assert leave["total"]["hours"] == 2.5
    expect(page.locator(f"#row-{leave['id']}")).to_contain_text("Medical appointment")
