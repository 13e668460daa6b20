"""Balances: the table, and Refresh bringing in what changed in WebWork since it was cached."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import horizontal_overflow, open_page, sign_in, tap

pytestmark = pytest.mark.e2e

DAY_POLICIES = {101, 102, 103}


def pending_leave_this_year(webwork) -> dict:
    """A pending day-based leave of an active member that lies wholly in this year."""
    year = str(dt.datetime.now(dt.UTC).year)
    active = {m["id"] for m in webwork.state.members_for(1) if m["status"] == "active"}
    for leave in webwork.state.leaves_for(1, status="pending"):
        end = leave.get("end_date", leave["start_date"])
        if (
            leave["policy_id"] in DAY_POLICIES
            and leave["user_id"] in active
            and leave["start_date"].startswith(year)
            and end.startswith(year)
            and leave["total"]["days"] > 0
        ):
            return leave
    pytest.fail("the seed has no pending day-based leave in this year")


def balance_cell(page, member: str, policy: str) -> str:
    """The text of one member's balance for one policy."""
    return page.evaluate(
        """([member, policy]) => {
          const table = document.querySelector(".table--balances");
          const heads = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
          const column = heads.indexOf(policy);
          const row = [...table.querySelectorAll("tbody tr")].find(
            (tr) => tr.querySelector(".cell-name").textContent.trim() === member
          );
          return row.children[column].textContent.trim();
        }""",
        [member, policy],
    )


def days(text: str) -> float:
    """25 from "25 days", -1.5 from "▼ -1.5 days (negative)"."""
    return float(re.search(r"-?\d+(?:\.\d+)?", text.replace("−", "-")).group())


def test_balances_table_and_refresh(signed_in_page, dashboard, webwork, form_factor):
    page = signed_in_page
    open_page(page, dashboard, "/w/1/balances/")
    table = page.get_by_role("region", name="Balances table")
    expect(table).to_be_visible()
    policies = [p["name"] for p in webwork.state.policies_for(1)]
    headers = table.locator("thead th").all_inner_texts()
    assert [h.strip().casefold() for h in headers] == [h.casefold() for h in ["Member", *policies]]
    active = [m for m in webwork.state.members_for(1) if m["status"] == "active"]
    expect(table.locator("tbody tr")).to_have_count(len(active))

    leave = pending_leave_this_year(webwork)
    member = next(m for m in active if m["id"] == leave["user_id"])
    name = f"{member['firstname']} {member['lastname']}"
    before = days(balance_cell(page, name, leave["policy_name"]))

    # Approved in WebWork itself: the cached table doesn't know yet.
    webwork.state.decide(leave["id"], "approved", by_user_id=1001)
    calls_before = webwork.state.calls.count(method="GET", path="^/api/v2/leaves/balances$")
    tap(page.get_by_role("button", name="Refresh"), form_factor)

    expect(page.locator("#table")).to_contain_text(re.compile(r"As of \d{2}:\d{2}"))
    expect(page.get_by_role("button", name="Refresh")).to_be_enabled()
    after = days(balance_cell(page, name, leave["policy_name"]))
    assert after == pytest.approx(before - leave["total"]["days"])
    assert webwork.state.calls.count(method="GET", path="^/api/v2/leaves/balances$") > calls_before
    expect(page.get_by_role("region", name="Balances table")).to_be_visible()


def overdraw_every_policy(webwork, member_id: int) -> None:
    """Approved leave this year beyond each policy's allowance: every balance goes negative."""
    year = dt.datetime.now(dt.UTC).year
    for policy in webwork.state.policies_for(1):
        if policy["time_unit"] == "hours":
            june = dt.date(year, 6, 1)
            monday = june + dt.timedelta(days=-june.weekday() % 7)
            for week in range(int(policy["duration"]) // 8 + 2):  # 8 hours each Monday
                webwork.state.add_leave(
                    1,
                    member_id,
                    monday + dt.timedelta(weeks=week),
                    policy_id=policy["id"],
                    status="approved",
                    start_time="09:00",
                    end_time="17:00",
                    decided_by=1001,
                )
            continue
        start = dt.date(year, 1, 4) + dt.timedelta(days=40 * (policy["id"] % 5))
        weeks = int(policy["duration"]) // 5 + 2  # more working days than the allowance
        webwork.state.add_leave(
            1,
            member_id,
            start,
            start + dt.timedelta(weeks=weeks),
            policy_id=policy["id"],
            status="approved",
            decided_by=1001,
        )


@pytest.mark.sizes("phone")
def test_negative_balances_never_widen_the_phone_page(page, dashboard, webwork):
    """The hidden "(negative)" text stays inside the scrolling table at 390 and 375 px."""
    first = min(
        (m for m in webwork.state.members_for(1) if m["status"] == "active"),
        key=lambda m: (m["firstname"], m["lastname"]),
    )
    overdraw_every_policy(webwork, first["id"])
    sign_in(page, dashboard, "Mateo García")
    open_page(page, dashboard, "/w/1/balances/")
    negatives = page.locator(".table--balances .negative")
    expect(negatives.first).to_be_attached()
    assert negatives.count() >= len(webwork.state.policies_for(1))
    for width in (390, 375):
        page.set_viewport_size({"width": width, "height": 844})
        assert horizontal_overflow(page) is None, width
