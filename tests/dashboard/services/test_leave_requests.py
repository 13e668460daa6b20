"""Filing requests against the sandbox: one POST per form, no blind replays, audit."""

import datetime as dt

import pytest

from dashboard import services
from dashboard.models import AuditEntry
from dashboard.webwork import Policy

pytestmark = pytest.mark.django_db

WS = 1


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
