"""The read model filters locally exactly as WebWork filters: a property test against the
sandbox, whose list endpoint is asked the same question over real HTTP."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.selectors import LeaveQuery, leave_list
from dashboard.selectors.workspace_dataset import dataset_window
from dashboard.services.dataset_sync import workspace_dataset_sync
from dashboard.webwork import LeaveStatus
from dashboard.webwork_oauth.tokens import client_for

pytestmark = pytest.mark.django_db

WS = 1
TODAY = dt.date(2027, 5, 15)
FIRST, LAST = dataset_window(TODAY)
SPAN = (LAST - FIRST).days


@pytest.fixture
def synced(manager, webwork, settings):
    """The model filled by the sync, and WebWork's and our rate limits out of the way (every
    example asks WebWork once)."""
    settings.WEBWORK_CALLS_PER_MINUTE = 0
    webwork.state.config.update(rate_limit=0)
    workspace_dataset_sync(user_id=manager.pk, workspace_id=WS, today=TODAY)
    members = [m["id"] for m in webwork.state.members_for(WS)]
    policies = [p["id"] for p in webwork.state.policies_for(WS)]
    return manager, members, policies


@pytest.mark.clock("2027-05-15T10:00Z")
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_local_filtering_gives_exactly_what_webworks_filters_give(synced, webwork, data):
    manager, members, policies = synced
    start = FIRST + dt.timedelta(days=data.draw(st.integers(0, SPAN), label="start"))
    end = start + dt.timedelta(days=data.draw(st.integers(0, (LAST - start).days), label="len"))
    query = LeaveQuery(
        status=data.draw(st.sampled_from([None, *LeaveStatus]), label="status"),
        member_id=data.draw(st.sampled_from([None, *members[:8]]), label="member"),
        policy_id=data.draw(st.sampled_from([None, *policies]), label="policy"),
        is_paid=data.draw(st.sampled_from([None, True, False]), label="paid"),
        date_from=start,
        date_to=end,
    )
    webwork.state.calls.clear()
    ours = leave_list(user_id=manager.pk, workspace_id=WS, query=query).value
    assert webwork.state.calls.count() == 0  # answered by the read model
    theirs = client_for(user_id=manager.pk).iter_leaves(
        workspace_id=WS,
        status=query.status,
        user_id=query.member_id,
        policy_id=query.policy_id,
        is_paid=query.is_paid,
        date_from=start,
        date_to=end,
    )
    assert sorted(lv.id for lv in ours) == sorted(lv.id for lv in theirs)
