"""The inbox: approve in one tap, reject with a reason, from touch, mouse or keyboard alone."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import pending_badge, tap

pytestmark = pytest.mark.e2e

DECIDED_AT = r"\d{2}:\d{2}"


def leave_id_of(row) -> str:
    """The WebWork id of an inbox row (its element id is `leave-<id>`)."""
    return row.get_attribute("id").removeprefix("leave-")


def decisions(webwork, leave_id: str, verb: str) -> int:
    """How many approve or reject calls reached WebWork for one leave."""
    return webwork.state.calls.count(method="PUT", path=f"^/api/v2/leaves/{leave_id}/{verb}$")


def double_tap(page, button, form_factor: str) -> None:
    """Two quick taps (or a double click) at the button's spot, as an impatient person does.

    Raw touch and mouse events: Playwright's tap() and click() wait until the button can be
    used again, but the second tap must land while the first request is still in flight.
    """
    # In the middle of the screen, as a person taps it: not under a toast at the bottom edge.
    button.evaluate("(el) => el.scrollIntoView({block: 'center'})")
    box = button.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    on_top = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y)?.outerHTML.slice(0, 120)", [x, y]
    )
    assert button.evaluate(
        "(el, [x, y]) => el.contains(document.elementFromPoint(x, y))", [x, y]
    ), f"the button is covered by {on_top}"
    page.evaluate(
        """() => {
          window.__presses = 0;
          if (!window.__countingPresses) {
            window.__countingPresses = true;
            window.addEventListener("pointerdown", () => window.__presses++, {capture: true});
          }
        }"""
    )
    if form_factor == "phone":
        page.touchscreen.tap(x, y)
        page.touchscreen.tap(x, y)
    else:
        page.mouse.dblclick(x, y)
    assert page.evaluate("window.__presses") == 2, "both taps should reach the page"


def test_approve_in_one_tap_and_a_double_tap_sends_one_decision(
    signed_in_page, webwork, form_factor
):
    page = signed_in_page
    rows = page.locator("ol.requests > li.request")
    expect(rows.first).to_be_visible()
    before = pending_badge(page)
    assert before == len(webwork.state.leaves_for(1, status="pending")) > 0
    row = rows.first
    leave_id = leave_id_of(row)

    tap(row.get_by_role("button", name=re.compile(r"^Approve ")), form_factor)

    swapped = page.locator(f"#leave-{leave_id}")
    outcome = swapped.locator(".request__outcome")
    expect(outcome).to_have_text(re.compile(rf"Approved\s+by you at {DECIDED_AT}"))
    expect(swapped.get_by_role("button")).to_have_count(0)
    expect(outcome).to_be_focused()
    expect(page.locator("#pending-badge .badge")).to_have_text(str(before - 1))
    expect(page.locator("#toasts")).to_contain_text("Approved")
    assert webwork.state.leave(leave_id)["status"] == "approved"
    assert decisions(webwork, leave_id, "approve") == 1
    assert webwork.state.calls.count(method="PUT") == 1

    # A slow WebWork, and an impatient double tap on the next request: one decision only.
    webwork.state.add_fault(path="/approve$", latency_ms=700)
    second = page.locator("ol.requests > li.request:not(.request--decided)").first
    second_id = leave_id_of(second)
    double_tap(page, second.get_by_role("button", name=re.compile(r"^Approve ")), form_factor)
    expect(page.locator(f"#leave-{second_id} .request__outcome")).to_contain_text("Approved")
    expect(page.locator("#pending-badge .badge")).to_have_text(str(before - 2))
    assert decisions(webwork, second_id, "approve") == 1
    assert webwork.state.calls.count(method="PUT") == 2


def test_reject_needs_a_reason_and_a_double_tap_sends_one_decision(
    signed_in_page, webwork, form_factor
):
    page = signed_in_page
    row = page.locator("ol.requests > li.request").nth(1)
    leave_id = leave_id_of(row)
    before = pending_badge(page)

    tap(row.get_by_text("Reject", exact=True), form_factor)
    reason = row.get_by_label("Reason (the member will see it)")
    expect(reason).to_be_visible()
    submit = row.get_by_role("button", name="Reject request")

    # Empty: the browser refuses to send it and says why.
    tap(submit, form_factor)
    assert reason.evaluate("el => el.validationMessage") != ""
    # Only spaces pass the browser's check; the server answers with an error next to the field.
    reason.fill("   ")
    tap(submit, form_factor)
    row = page.locator(f"#leave-{leave_id}")
    error = row.locator(".field__error")
    expect(error).to_have_text("Give a reason: the member will see it.")
    reason = row.get_by_label("Reason (the member will see it)")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason).to_have_attribute("aria-describedby", error.get_attribute("id"))
    expect(reason).to_be_focused()
    assert decisions(webwork, leave_id, "reject") == 0

    # A slow WebWork, and an impatient double tap: one decision only.
    webwork.state.add_fault(path="/reject$", latency_ms=700)
    reason.fill("Team is at the offsite that week")
    double_tap(page, row.get_by_role("button", name="Reject request"), form_factor)

    outcome = row.locator(".request__outcome")
    expect(outcome).to_contain_text(re.compile(rf"Rejected\s+by you at {DECIDED_AT}"))
    expect(outcome).to_contain_text("“Team is at the offsite that week”")
    expect(page.locator("#pending-badge .badge")).to_have_text(str(before - 1))
    leave = webwork.state.leave(leave_id)
    assert leave["status"] == "rejected"
    assert decisions(webwork, leave_id, "reject") == 1
    assert webwork.state.calls.count(method="PUT") == 1


@pytest.mark.sizes("desktop")
def test_keyboard_alone_approves_and_rejects(signed_in_page, webwork):
    page = signed_in_page
    first, second = page.locator("ol.requests > li.request").all()[:2]
    first_id, second_id = leave_id_of(first), leave_id_of(second)

    # The first Tab reaches the skip link, which moves focus to the content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()

    approve = first.get_by_role("button", name=re.compile(r"^Approve "))
    for _ in range(40):
        page.keyboard.press("Tab")
        if approve.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the first Approve button")
    outline = approve.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none", "the focused Approve button shows no focus ring"
    page.keyboard.press("Enter")
    expect(page.locator(f"#leave-{first_id} .request__outcome")).to_be_focused()
    assert webwork.state.leave(first_id)["status"] == "approved"

    # Tab on to the next request's Reject, open it, type a reason and send it with Enter.
    reject = second.locator("summary", has_text="Reject")
    for _ in range(10):
        page.keyboard.press("Tab")
        if reject.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the second request's Reject")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(second.get_by_label("Reason (the member will see it)")).to_be_focused()
    page.keyboard.type("Not enough cover")
    page.keyboard.press("Tab")
    expect(second.get_by_role("button", name="Reject request")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(f"#leave-{second_id} .request__outcome")).to_contain_text(
        "Not enough cover"
    )
    assert webwork.state.leave(second_id)["status"] == "rejected"
