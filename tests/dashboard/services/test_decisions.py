"""Decisions against the sandbox: one PUT per click, no blind replays, audit."""

import time

import pytest

from dashboard import services
from dashboard.models import AuditEntry, LeaveDecision

pytestmark = pytest.mark.django_db

WS = 1


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


def test_the_service_refuses_a_reason_nobody_could_read(webwork, manager):
    leave = _pending(webwork)
    for reason in ("\u202e", "\u200b\u200b", " \u2066 \u2069 "):
        with pytest.raises(ValueError, match="reason"):
            services.leave_reject(
                user=manager, workspace_id=WS, leave_id=leave["id"], reason=reason
            )
    assert _puts(webwork, leave["id"]) == 0
