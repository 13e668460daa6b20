"""A bulk run meets the decision rules: what they refuse is skipped by a rule, never sent."""

import datetime as dt

import pytest

from dashboard.models import AuditEntry
from dashboard.services.bulk_decisions import bulk_run_begin, bulk_start

pytestmark = pytest.mark.django_db(transaction=True)  # decisions run in worker threads

WS = 1
MATEO = 1002  # the Executive manager's WebWork id


def _sick_leave(webwork, member: int, day: dt.date) -> dict:
    """A one-day Sick leave (Sick leave allows negative balances: only four eyes apply)."""
    sick = next(p for p in webwork.state.policies_for(WS) if p["name"] == "Sick leave")
    return webwork.state.add_leave(WS, member, day, policy_id=sick["id"])


@pytest.mark.clock("2027-05-15T10:00Z")
def test_your_own_request_in_a_bulk_approve_is_skipped_by_a_rule_and_not_sent(webwork, manager):
    own = _sick_leave(webwork, MATEO, dt.date(2027, 6, 2))
    other = _sick_leave(webwork, 1009, dt.date(2027, 6, 3))
    run = bulk_start(
        user=manager,
        workspace_id=WS,
        leave_ids=[own["id"], other["id"]],
        action="approve",
        reason="",
    )
    bulk_run_begin(run=run)
    items = {item.leave_id: item for item in run.items.all()}
    assert items[own["id"]].outcome == "skipped"
    assert "your own request" in items[own["id"]].message
    assert items[other["id"]].outcome == "decided"
    assert webwork.state.calls.count(method="PUT", path=own["id"]) == 0
    assert webwork.state.leave(own["id"])["status"] == "pending"
    assert AuditEntry.objects.filter(leave_id=own["id"], outcome="refused").count() == 1
