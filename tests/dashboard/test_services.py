"""Decisions and creation against the sandbox: one PUT per click, no blind replays, audit."""

import datetime as dt
import time

import pytest
from django.contrib.auth import get_user_model

from dashboard import services
from dashboard.models import AuditEntry, LeaveDecision
from dashboard.webwork import Policy

pytestmark = pytest.mark.django_db

WS = 1


@pytest.fixture
def manager(manager_client):
    return get_user_model().objects.get(email="manager@sandbox.test")


def _pending(webwork) -> dict:
    return webwork.state.leaves_for(WS, status="pending")[0]


def _puts(webwork, leave_id) -> int:
    """PUTs the sandbox has answered for this leave (slow answers are woken up first)."""
    webwork.state.wake_sleepers()
    deadline = time.monotonic() + 3
    while (
        time.monotonic() < deadline and webwork.state.calls.count(method="PUT", path=leave_id) == 0
    ):
        time.sleep(0.02)
    return webwork.state.calls.count(method="PUT", path=leave_id)


def test_approve_sends_one_put_records_audit_and_returns_the_leave(webwork, manager):
    leave = _pending(webwork)
    result = services.leave_approve(user=manager, workspace_id=WS, leave_id=leave["id"])
    assert result.outcome == "done"
    assert result.decided_by_you
    assert result.leave.status == "approved"
    assert webwork.state.leave(leave["id"])["approved_by"] == 1002
    assert _puts(webwork, leave["id"]) == 1
    entry = AuditEntry.objects.get(leave_id=leave["id"])
    assert (entry.action, entry.outcome, entry.workspace_id) == ("approve", "done", WS)
    assert entry.actor == manager


def test_second_approve_of_the_same_leave_sends_nothing(webwork, manager):
    leave = _pending(webwork)
    services.leave_approve(user=manager, workspace_id=WS, leave_id=leave["id"])
    again = services.leave_approve(user=manager, workspace_id=WS, leave_id=leave["id"])
    assert again.outcome == "already_decided"
    assert "Already approved by you" in again.message
    assert _puts(webwork, leave["id"]) == 1
    assert AuditEntry.objects.count() == 1


def test_leave_decided_elsewhere_reports_its_real_state_and_who(webwork, manager):
    leave = _pending(webwork)
    webwork.state.decide(leave["id"], "rejected", by_user_id=1001, reason="Team is short")
    result = services.leave_approve(user=manager, workspace_id=WS, leave_id=leave["id"])
    assert result.outcome == "already_decided"
    assert result.leave.status == "rejected"
    assert "Amara Okafor" in result.message
    assert AuditEntry.objects.get().outcome == "already_decided"


def test_reject_requires_a_reason_and_sends_it(webwork, manager):
    leave = _pending(webwork)
    with pytest.raises(ValueError, match="reason"):
        services.leave_reject(user=manager, workspace_id=WS, leave_id=leave["id"], reason="  ")
    assert _puts(webwork, leave["id"]) == 0
    result = services.leave_reject(
        user=manager, workspace_id=WS, leave_id=leave["id"], reason="Overlaps the audit week"
    )
    assert result.outcome == "done"
    assert webwork.state.leave(leave["id"])["reject_reason"] == "Overlaps the audit week"


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 502, "when": "after"},
        {"drop": True, "when": "after"},
        {"latency_ms": 2500, "when": "after"},
    ],
    ids=["502-after-applying", "reset-after-applying", "timeout-after-applying"],
)
def test_ambiguous_approve_is_read_back_not_resent(webwork, manager, fault):
    leave = _pending(webwork)
    webwork.state.add_fault(path="/approve$", method="PUT", times=1, **fault)
    result = services.leave_approve(user=manager, workspace_id=WS, leave_id=leave["id"])
    assert result.outcome == "done", result.message
    assert "confirmed" in result.message
    assert _puts(webwork, leave["id"]) == 1
    assert webwork.state.calls.count(method="GET", path="^/api/v2/leaves$") >= 1


def test_approve_that_failed_before_applying_says_try_again_and_allows_it(webwork, manager):
    leave = _pending(webwork)
    webwork.state.add_fault(path="/approve$", method="PUT", status=502, times=1)
    first = services.leave_approve(user=manager, workspace_id=WS, leave_id=leave["id"])
    assert first.outcome == "failed"
    assert "Try again" in first.message
    assert webwork.state.leave(leave["id"])["status"] == "pending"
    second = services.leave_approve(user=manager, workspace_id=WS, leave_id=leave["id"])
    assert second.outcome == "done"
    assert _puts(webwork, leave["id"]) == 2
    assert list(AuditEntry.objects.values_list("outcome", flat=True).order_by("id")) == [
        "failed",
        "done",
    ]


def test_rate_limited_decision_changes_nothing(webwork, manager):
    leave = _pending(webwork)
    webwork.state.add_fault(path="/approve$", status=429, retry_after=30, times=1)
    result = services.leave_approve(user=manager, workspace_id=WS, leave_id=leave["id"])
    assert result.outcome == "failed"
    assert "busy" in result.message
    assert LeaveDecision.objects.get().state == "failed"


def _annual(webwork) -> Policy:
    raw = next(p for p in webwork.state.policies_for(WS) if p["name"] == "Annual leave")
    return Policy.from_api(raw)


def _next_free_monday(webwork, member_id: int) -> dt.date:
    taken = webwork.state.leaves_for(WS, user_id=member_id)
    day = dt.date.today() + dt.timedelta(days=200)
    day -= dt.timedelta(days=day.weekday())
    busy = {(lv["start_date"], lv.get("end_date") or lv["start_date"]) for lv in taken}
    while any(s <= day.isoformat() <= e for s, e in busy):
        day += dt.timedelta(days=7)
    return day


def test_create_files_the_request_and_finds_it(webwork, manager):
    start = _next_free_monday(webwork, 1010)
    new = services.NewLeave(
        member_id=1010, policy=_annual(webwork), start=start, end=start + dt.timedelta(days=2)
    )
    result = services.leave_create(user=manager, workspace_id=WS, new=new, request_key="k1")
    assert result.created
    assert result.leave is not None
    assert result.leave.status == "pending"
    assert result.leave.start_date == start
    assert webwork.state.calls.count(method="POST", path="^/api/v2/leaves$") == 1
    entry = AuditEntry.objects.get(action="create")
    assert entry.outcome == "done"
    assert entry.leave_id == result.leave.id


def test_double_submit_of_one_form_files_one_request(webwork, manager):
    start = _next_free_monday(webwork, 1010)
    new = services.NewLeave(member_id=1010, policy=_annual(webwork), start=start, end=start)
    first = services.leave_create(user=manager, workspace_id=WS, new=new, request_key="same")
    second = services.leave_create(user=manager, workspace_id=WS, new=new, request_key="same")
    assert first.created
    assert second.created
    assert webwork.state.calls.count(method="POST", path="^/api/v2/leaves$") == 1


def test_create_refused_by_webwork_returns_field_errors(webwork, manager):
    start = _next_free_monday(webwork, 1010)
    policy = next(
        Policy.from_api(p) for p in webwork.state.policies_for(WS) if p["reason_required"]
    )
    new = services.NewLeave(member_id=1010, policy=policy, start=start, end=start)
    result = services.leave_create(user=manager, workspace_id=WS, new=new, request_key="k2")
    assert result.outcome == "invalid"
    assert "reason" in result.field_errors
    # The key is freed: correcting the form and sending it again is allowed.
    fixed = services.NewLeave(member_id=1010, policy=policy, start=start, end=start, reason="Flu")
    again = services.leave_create(user=manager, workspace_id=WS, new=fixed, request_key="k2")
    assert again.created


def test_create_lost_in_transit_is_found_instead_of_sent_twice(webwork, manager):
    start = _next_free_monday(webwork, 1010)
    new = services.NewLeave(member_id=1010, policy=_annual(webwork), start=start, end=start)
    webwork.state.add_fault(
        path="^/api/v2/leaves$", method="POST", drop=True, when="after", times=1
    )
    result = services.leave_create(user=manager, workspace_id=WS, new=new, request_key="k3")
    assert result.created
    assert result.leave is not None
    assert webwork.state.calls.count(method="POST", path="^/api/v2/leaves$") == 1
