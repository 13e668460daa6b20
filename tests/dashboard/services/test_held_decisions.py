"""The undo window: a held decision is sent once when its time comes, or never if undone."""

import time

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from dashboard import services
from dashboard.models import AuditEntry, LeaveDecision
from dashboard.services import claims
from dashboard.services.bulk_decisions import bulk_run_begin, bulk_start
from dashboard.services.held_decisions import held_decisions_send_due

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the web process's timer is a thread
    pytest.mark.clock("2027-05-15T10:00Z"),  # moved on past windows
]

WS = 1
WINDOW = 30


@pytest.fixture(autouse=True)
def _undo_window(settings):
    settings.DECISION_UNDO_SECONDS = WINDOW


def _pending(webwork, n=0) -> str:
    return webwork.state.leaves_for(WS, status="pending")[n]["id"]


def _puts(webwork, leave_id) -> int:
    return webwork.state.calls.count(method="PUT", path=leave_id)


def test_a_held_approve_is_sent_once_when_its_window_ends(webwork, manager, clock):
    leave_id = _pending(webwork)
    result = services.leave_approve(user=manager, workspace_id=WS, leave_id=leave_id, hold=True)
    assert result.outcome == "held"
    assert 0 < result.seconds_left <= WINDOW
    assert held_decisions_send_due() == 0  # not yet
    assert _puts(webwork, leave_id) == 0
    clock.shift(WINDOW + 1)
    assert held_decisions_send_due() == 1
    assert held_decisions_send_due() == 0
    assert _puts(webwork, leave_id) == 1
    assert webwork.state.leave(leave_id)["status"] == "approved"
    assert AuditEntry.objects.get(leave_id=leave_id).outcome == "done"


def test_undo_within_the_window_sends_nothing_ever(webwork, manager, clock):
    leave_id = _pending(webwork)
    services.leave_reject(
        user=manager, workspace_id=WS, leave_id=leave_id, reason="Busy week", hold=True
    )
    undone = services.leave_decision_undo(user=manager, workspace_id=WS, leave_id=leave_id)
    assert undone.outcome == "undone"
    clock.shift(WINDOW + 1)
    assert held_decisions_send_due() == 0
    assert webwork.state.calls.count(method="PUT") == 0
    assert webwork.state.leave(leave_id)["status"] == "pending"
    again = services.leave_approve(user=manager, workspace_id=WS, leave_id=leave_id)
    assert again.outcome == "done"  # the leave is free to decide again


def test_undo_after_the_window_says_it_was_sent_and_what_webwork_answered(webwork, manager, clock):
    leave_id = _pending(webwork)
    services.leave_approve(user=manager, workspace_id=WS, leave_id=leave_id, hold=True)
    clock.shift(WINDOW + 1)
    held_decisions_send_due()
    late = services.leave_decision_undo(user=manager, workspace_id=WS, leave_id=leave_id)
    assert late.outcome == "already_decided"
    assert "already sent" in late.message
    assert "approved" in late.message
    assert _puts(webwork, leave_id) == 1


def test_another_manager_sees_who_is_deciding_and_sends_nothing(webwork, manager, owner_client):
    owner = get_user_model().objects.get(email="owner@sandbox.test")
    leave_id = _pending(webwork)
    services.leave_approve(user=manager, workspace_id=WS, leave_id=leave_id, hold=True)
    other = services.leave_reject(
        user=owner, workspace_id=WS, leave_id=leave_id, reason="No", hold=True
    )
    assert other.outcome == "in_progress"
    assert "Mateo" in other.message
    assert "approving" in other.message
    refused = services.leave_decision_undo(user=owner, workspace_id=WS, leave_id=leave_id)
    assert "Only" in refused.message
    assert LeaveDecision.objects.get(leave_id=leave_id).state == "held"
    assert _puts(webwork, leave_id) == 0


@pytest.mark.parametrize("applied", [True, False], ids=["put-applied", "put-never-left"])
def test_a_send_interrupted_by_a_crash_is_finished_once(webwork, manager, clock, applied):
    leave_id = _pending(webwork)
    services.leave_approve(user=manager, workspace_id=WS, leave_id=leave_id, hold=True)
    clock.shift(WINDOW + 1)
    row = LeaveDecision.objects.get(leave_id=leave_id)
    assert claims.take_held(row.pk) is not None  # the worker took it, then died
    if applied:
        webwork.state.decide(leave_id, "approved", by_user_id=1002)
    clock.shift(claims.STALE_CLAIM.total_seconds() + 1)
    assert held_decisions_send_due() == 1
    assert held_decisions_send_due() == 0
    assert _puts(webwork, leave_id) == (0 if applied else 1)
    assert webwork.state.leave(leave_id)["status"] == "approved"
    assert LeaveDecision.objects.get(leave_id=leave_id).state == "done"


def test_a_rate_limited_send_is_held_again_not_dropped(webwork, manager, clock):
    leave_id = _pending(webwork)
    services.leave_approve(user=manager, workspace_id=WS, leave_id=leave_id, hold=True)
    webwork.state.add_fault(path="/approve$", method="PUT", status=429, retry_after=5, times=1)
    clock.shift(WINDOW + 1)
    held_decisions_send_due()
    row = LeaveDecision.objects.get(leave_id=leave_id)
    assert row.state == "held"
    assert row.send_at > timezone.now()
    clock.shift(10)
    held_decisions_send_due()
    assert webwork.state.leave(leave_id)["status"] == "approved"


def test_without_a_broker_the_web_process_sends_it_when_the_window_ends(webwork, manager, settings):
    settings.DECISION_UNDO_SECONDS = 1
    leave_id = _pending(webwork)
    services.leave_approve(user=manager, workspace_id=WS, leave_id=leave_id, hold=True)
    assert _puts(webwork, leave_id) == 0
    deadline = time.monotonic() + 10
    # The sandbox logs a call once it has answered it: wait for the log, not only the state.
    while _puts(webwork, leave_id) == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.3)  # room for a second PUT, were one to follow
    assert webwork.state.leave(leave_id)["status"] == "approved"
    assert _puts(webwork, leave_id) == 1


def test_a_bulk_run_reports_a_leave_held_by_its_own_maker_as_already_decided(
    webwork, manager, settings
):
    leave_id = _pending(webwork)
    services.leave_approve(user=manager, workspace_id=WS, leave_id=leave_id, hold=True)
    settings.DECISION_UNDO_SECONDS = 0  # the bulk run itself goes at once
    run = bulk_start(
        user=manager, workspace_id=WS, leave_ids=[leave_id], action="approve", reason=""
    )
    bulk_run_begin(run=run)
    item = run.items.get()
    assert (item.outcome, item.retryable) == ("already", False)
    assert _puts(webwork, leave_id) == 0
