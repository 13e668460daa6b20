"""The balance projection in the inbox, and the rule that a negative balance needs a second tap."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from dashboard import services
from dashboard.models import AuditEntry
from dashboard.selectors import balance_list

pytestmark = pytest.mark.django_db

WS = 1
HTMX = {"HX-Request": "true"}
FIRST = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)  # filed before any other: the inbox's first row


@pytest.fixture
def manager(manager_client):
    """The signed-in Executive manager of workspace 1, as a Django user."""
    return get_user_model().objects.get(email="manager@sandbox.test")


def _policy(webwork, name: str) -> dict:
    return next(p for p in webwork.state.policies_for(WS) if p["name"] == name)


def _member(webwork, index: int = 12) -> dict:
    regular = [
        m
        for m in webwork.state.members_for(WS)
        if m["current_role"] == "Regular User" and m["status"] == "active"
    ]
    return regular[index]


def _row(html: str, leave_id: str) -> str:
    row = html[html.index(f'id="leave-{leave_id}"') :]
    return row[: row.index("</li>")]


def _long_annual_leave(webwork, member: dict, start=dt.date(2027, 6, 1), end=dt.date(2027, 7, 30)):
    """Far more working days than Annual leave's 25: the balance goes below zero."""
    return webwork.state.add_leave(
        WS,
        member["id"],
        start,
        end,
        policy_id=_policy(webwork, "Annual leave")["id"],
        created_at=FIRST,
    )


def _annual_balance(manager, member: dict, year: int | None = None) -> float:
    entry = balance_list(user_id=manager.pk, workspace_id=WS, year=year).value
    line = next(b for b in entry if b.user_id == member["id"]).for_policy("Annual leave")
    return float(line.value)


@pytest.mark.clock("2027-05-15T10:00Z")
def test_row_shows_now_after_this_and_after_all_pending(manager_client, manager, webwork):
    member = _member(webwork)
    policy = _policy(webwork, "Annual leave")
    for leave in webwork.state.leaves_for(WS, status="pending"):
        if leave["user_id"] == member["id"]:
            webwork.state.decide(leave["id"], "rejected", by_user_id=1001, reason="tidy")
    # Tue 1 - Wed 2 June: two days; and another pending week (Mon 14 - Fri 18 June) after it.
    asking = webwork.state.add_leave(
        WS,
        member["id"],
        dt.date(2027, 6, 1),
        dt.date(2027, 6, 2),
        policy_id=policy["id"],
        created_at=FIRST,
    )
    webwork.state.add_leave(
        WS, member["id"], dt.date(2027, 6, 14), dt.date(2027, 6, 18), policy_id=policy["id"]
    )
    now = _annual_balance(manager, member)
    row = _row(manager_client.get("/w/1/").content.decode(), asking["id"])
    assert f"{now:g} days" in row
    assert f'{now - 2:g} days</span> <span class="muted">after this' in row
    assert f'{now - 7:g} days</span> <span class="muted">with all pending' in row


@pytest.mark.clock("2027-05-15T10:00Z")
def test_negative_balance_is_said_in_words_and_approve_asks_twice(manager_client, webwork):
    asking = _long_annual_leave(webwork, _member(webwork))
    row = _row(manager_client.get("/w/1/").content.decode(), asking["id"])
    assert "Annual leave does not allow a negative balance" in row
    assert 'class="negative"' in row
    assert "Approve anyway" in row
    assert 'name="confirm_negative" value="1"' in row
    assert ">Approve</button>" not in row


@pytest.mark.clock("2027-05-15T10:00Z")
def test_a_direct_post_without_the_second_tap_is_refused(manager_client, webwork):
    asking = _long_annual_leave(webwork, _member(webwork))
    response = manager_client.post(f"/w/1/leaves/{asking['id']}/approve/", headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "below zero" in html
    assert '<details class="confirm" open>' in html
    assert webwork.state.leave(asking["id"])["status"] == "pending"
    assert webwork.state.calls.count(method="PUT") == 0
    confirmed = manager_client.post(
        f"/w/1/leaves/{asking['id']}/approve/", {"confirm_negative": "1"}, headers=HTMX
    )
    assert "Approved" in confirmed.content.decode()
    assert webwork.state.leave(asking["id"])["status"] == "approved"


@pytest.mark.clock("2027-05-15T10:00Z")
def test_service_refuses_a_negative_balance_without_confirmation(manager, webwork):
    asking = _long_annual_leave(webwork, _member(webwork))
    result = services.leave_approve(user=manager, workspace_id=WS, leave_id=asking["id"])
    assert result.outcome == "refused"
    assert result.refusal.needs_confirmation
    assert webwork.state.calls.count(method="PUT") == 0
    entry = AuditEntry.objects.get(leave_id=asking["id"])
    assert (entry.action, entry.outcome, entry.detail) == ("approve", "refused", "negative_balance")
    done = services.leave_approve(
        user=manager, workspace_id=WS, leave_id=asking["id"], confirm_negative=True
    )
    assert done.outcome == "done"


@pytest.mark.clock("2027-05-15T10:00Z")
def test_a_policy_allowing_negative_balances_approves_in_one_tap(manager, webwork):
    sick = _policy(webwork, "Sick leave")
    asking = webwork.state.add_leave(
        WS,
        _member(webwork)["id"],
        dt.date(2027, 6, 1),
        dt.date(2027, 7, 30),
        policy_id=sick["id"],
        created_at=FIRST,
    )
    result = services.leave_approve(user=manager, workspace_id=WS, leave_id=asking["id"])
    assert result.outcome == "done"


@pytest.mark.clock("2027-12-20T10:00Z")
def test_a_leave_across_new_year_is_projected_against_each_years_balance(
    manager_client, manager, webwork
):
    member = _member(webwork)
    # Mon 27 - Fri 31 Dec 2027 (5 days), Mon 3 - Fri 7 Jan 2028 (5 days).
    asking = webwork.state.add_leave(
        WS,
        member["id"],
        dt.date(2027, 12, 27),
        dt.date(2028, 1, 7),
        policy_id=_policy(webwork, "Annual leave")["id"],
        created_at=FIRST,
    )
    this_year = _annual_balance(manager, member)
    next_year = _annual_balance(manager, member, year=2028)
    row = _row(manager_client.get("/w/1/").content.decode(), asking["id"])
    assert "2027:</span>" in row
    assert "2028:</span>" in row
    assert f'{this_year - 5:g} days</span> <span class="muted">after this' in row
    assert f'{next_year - 5:g} days</span> <span class="muted">after this' in row


@pytest.mark.clock("2027-05-15T10:00Z")
def test_warm_inbox_makes_no_upstream_call_for_the_projection(manager_client, webwork):
    _long_annual_leave(webwork, _member(webwork))
    manager_client.get("/w/1/")
    before = webwork.state.calls.count(method="GET")
    manager_client.get("/w/1/")
    assert webwork.state.calls.count(method="GET") == before


@pytest.mark.clock("2027-05-15T10:00Z")
def test_new_request_preview_projects_what_is_typed(manager_client, manager, webwork):
    member = _member(webwork)
    policy = _policy(webwork, "Annual leave")
    now = _annual_balance(manager, member)
    query = {
        "member": member["id"],
        "policy": policy["id"],
        "start": "2027-06-01",
        "end": "2027-06-04",
    }
    html = manager_client.get("/w/1/leaves/new/preview/", query, headers=HTMX).content.decode()
    assert f'{now - 4:g} days</span> <span class="muted">after this' in html
    too_long = query | {"end": "2027-08-31"}
    html = manager_client.get("/w/1/leaves/new/preview/", too_long, headers=HTMX).content.decode()
    assert "does not allow a negative balance" in html
    # Without a member yet there is nothing to project: a hint, not a number.
    html = manager_client.get(
        "/w/1/leaves/new/preview/", {"policy": policy["id"]}, headers=HTMX
    ).content.decode()
    assert "Choose a member, a policy and the dates" in html


@pytest.mark.clock("2027-05-15T10:00Z")
def test_new_request_page_without_javascript_shows_the_projection_with_the_errors(
    manager_client, webwork
):
    member = _member(webwork)
    unpaid = _policy(webwork, "Unpaid leave")  # needs a reason: the form comes back
    data = {
        "member": member["id"],
        "policy": unpaid["id"],
        "start": "2027-06-01",
        "end": "2027-06-02",
    }
    html = manager_client.post("/w/1/leaves/new/", data).content.decode()
    assert "Unpaid leave needs a reason" in html
    assert 'value="2027-06-01"' in html
    assert "after this" in html
    assert webwork.state.calls.count(method="POST", path="/leaves") == 0
