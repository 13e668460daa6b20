"""The workspace read model's sync: within its share of the budget, renewing what is due.

Calls are counted where WebWork would count them: at the sandbox, over real HTTP.
"""

import datetime as dt

import pytest
import time_machine
from django.conf import settings

from dashboard import services
from dashboard.selectors.workspace_dataset import (
    dataset_window_peek,
    month_peek,
    window_months,
)
from dashboard.services.audit import DecisionOutcome
from dashboard.services.dataset_sync import workspace_dataset_sync
from dashboard.webwork import LeaveStatus
from tests.sandbox_clock import sandbox_follows_the_clock

pytestmark = pytest.mark.django_db

WS = 1
TODAY = dt.date(2027, 5, 15)
START = dt.datetime(2027, 5, 15, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def sandbox_on_clock(webwork, monkeypatch):
    """The sandbox's rate windows and call log on the test's clock, which travels."""
    sandbox_follows_the_clock(webwork.state, monkeypatch)
    return webwork


def _manager_webwork_id(webwork) -> int:
    return next(
        m["id"] for m in webwork.state.members_for(WS) if m["email"] == "manager@sandbox.test"
    )


@pytest.mark.clock("2027-05-15T10:00Z")
@pytest.mark.sandbox_seed(members=500, teams=20, policies=6, leaves=5000)
def test_over_a_simulated_hour_the_sync_never_spends_more_than_its_share(manager, sandbox_on_clock):
    webwork = sandbox_on_clock
    webwork.state.calls.clear()
    renewed = []
    for minute in range(60):
        with time_machine.travel(START + dt.timedelta(minutes=minute, seconds=1), tick=False):
            renewed.append(workspace_dataset_sync(user_id=manager.pk, workspace_id=WS, today=TODAY))
    person = _manager_webwork_id(webwork)
    busiest = webwork.state.calls.max_in_window(60, user_id=person)
    assert 0 < busiest <= settings.SYNC_BUDGET_PER_MINUTE
    assert webwork.state.calls.count(status=429) == 0
    # The first minutes fill the model, pending list first; after that, only what is due.
    assert renewed[0][0] == "pending"
    with time_machine.travel(START + dt.timedelta(minutes=60), tick=False):
        assert dataset_window_peek(workspace_id=WS, today=TODAY) is not None
        assert all(
            month_peek(workspace_id=WS, month=m).age_seconds < 30 * 60 for m in window_months(TODAY)
        )
    # A month's renewal, not a refill: far fewer calls a minute once the model is whole.
    later = webwork.state.calls.records(user_id=person)[-1]["at"] - 20 * 60
    assert webwork.state.calls.count(user_id=person, since=later) < 20 * 20


@pytest.mark.clock("2027-05-15T10:00Z")
def test_nothing_fresh_is_read_again(manager, webwork):
    first = workspace_dataset_sync(user_id=manager.pk, workspace_id=WS, today=TODAY)
    assert {"pending", "members", "policies", "balances"} <= set(first)
    assert len([p for p in first if p.startswith("month")]) == len(window_months(TODAY))
    webwork.state.calls.clear()
    assert workspace_dataset_sync(user_id=manager.pk, workspace_id=WS, today=TODAY) == []
    assert webwork.state.calls.count() == 0


@pytest.mark.clock("2027-05-15T10:00Z")
def test_a_small_share_is_never_overspent_and_the_next_run_carries_on(manager, webwork, settings):
    settings.SYNC_BUDGET_PER_MINUTE = 5
    person = _manager_webwork_id(webwork)
    webwork.state.calls.clear()
    first = workspace_dataset_sync(user_id=manager.pk, workspace_id=WS, today=TODAY)
    assert webwork.state.calls.count(user_id=person) <= 5
    assert first[:1] == ["pending"]
    second = workspace_dataset_sync(user_id=manager.pk, workspace_id=WS, today=TODAY)
    assert second == []  # the minute's share is spent: nothing sent
    assert webwork.state.calls.count(user_id=person) <= 5


@pytest.mark.clock("2027-05-15T10:00Z")
def test_a_decision_updates_the_read_model_in_place(manager, webwork):
    workspace_dataset_sync(user_id=manager.pk, workspace_id=WS, today=TODAY)
    month = (TODAY.year, TODAY.month)
    held = month_peek(workspace_id=WS, month=month)
    leave = next(lv for lv in held.value if lv.status == LeaveStatus.PENDING)
    result = services.leave_approve(user=manager, workspace_id=WS, leave_id=leave.id)
    assert result.outcome == DecisionOutcome.DONE
    after = month_peek(workspace_id=WS, month=month)
    assert after.fetched_at == held.fetched_at  # not read again: changed in place
    mine = next(lv for lv in after.value if lv.id == leave.id)
    assert mine.status == LeaveStatus.APPROVED
    assert mine.policy_id == leave.policy_id
    assert mine.start_date == leave.start_date
