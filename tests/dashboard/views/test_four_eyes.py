"""Four eyes: a manager's own request is marked and approved by someone else, unless an Owner
allowed self-approval for the workspace; enforced in the service, audited."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from dashboard import services
from dashboard.models import AuditEntry, WorkspaceSettings
from dashboard.webwork import Workspace

pytestmark = pytest.mark.django_db

WS = 1
MATEO = 1002  # the Executive manager's WebWork id
HTMX = {"HX-Request": "true"}


def _own_request(webwork) -> dict:
    """A short Sick leave of Mateo's (Sick leave allows negative balances: only four eyes apply)."""
    sick = next(p for p in webwork.state.policies_for(WS) if p["name"] == "Sick leave")
    return webwork.state.add_leave(
        WS,
        MATEO,
        dt.date(2027, 6, 2),
        policy_id=sick["id"],
        created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
    )


def _manager():
    return get_user_model().objects.get(email="manager@sandbox.test")


@pytest.mark.clock("2027-05-15T10:00Z")
def test_own_request_is_marked_and_has_no_approve_button(manager_client, webwork):
    own = _own_request(webwork)
    html = manager_client.get("/w/1/").content.decode()
    row = html[html.index(f'id="leave-{own["id"]}"') :]
    row = row[: row.index("</li>")]
    assert "Your own request" in row
    assert "Someone else approves your own requests" in row
    assert "Approve</button>" not in row
    assert "Reject request" in row  # withdrawing by rejecting stays possible


@pytest.mark.clock("2027-05-15T10:00Z")
def test_service_refuses_approving_your_own_request_and_audits_it(manager_client, webwork):
    own = _own_request(webwork)
    result = services.leave_approve(user=_manager(), workspace_id=WS, leave_id=own["id"])
    assert result.outcome == "refused"
    assert "your own request" in result.message
    assert webwork.state.calls.count(method="PUT") == 0
    assert webwork.state.leave(own["id"])["status"] == "pending"
    entry = AuditEntry.objects.get(leave_id=own["id"])
    assert (entry.outcome, entry.detail, entry.member_id) == ("refused", "own_request", MATEO)


@pytest.mark.clock("2027-05-15T10:00Z")
def test_a_direct_post_approving_your_own_request_is_refused(manager_client, webwork):
    own = _own_request(webwork)
    response = manager_client.post(
        f"/w/1/leaves/{own['id']}/approve/", {"confirm_negative": "1"}, headers=HTMX
    )
    assert response.status_code == 200
    assert "another manager has to approve it" in response.content.decode()
    assert webwork.state.leave(own["id"])["status"] == "pending"


@pytest.mark.clock("2027-05-15T10:00Z")
def test_self_approval_allowed_by_an_owner_lets_it_through(manager_client, webwork):
    own = _own_request(webwork)
    WorkspaceSettings.objects.create(workspace_id=WS, allow_self_approval=True)
    html = manager_client.get("/w/1/").content.decode()
    row = html[html.index(f'id="leave-{own["id"]}"') :]
    assert "Your own request" in row[: row.index("</li>")]
    result = services.leave_approve(user=_manager(), workspace_id=WS, leave_id=own["id"])
    assert result.outcome == "done"


def test_only_an_owner_can_allow_self_approval(manager_client, owner_client):
    form = {"holiday_country": "", "holiday_subdivision": "", "allow_self_approval": "on"}
    page = manager_client.get("/w/1/settings/").content.decode()
    assert "Only an Owner of the workspace can change this" in page
    manager_client.post("/w/1/settings/", form)
    assert not WorkspaceSettings.objects.filter(allow_self_approval=True).exists()
    owner_client.post("/w/1/settings/", form)
    assert WorkspaceSettings.objects.get(workspace_id=WS).allow_self_approval
    # The manager saving holidays later does not undo the Owner's choice.
    manager_client.post("/w/1/settings/", {"holiday_country": "GB", "holiday_subdivision": ""})
    assert WorkspaceSettings.objects.get(workspace_id=WS).allow_self_approval


def test_the_settings_service_refuses_a_non_owner(manager_client, webwork):
    manager_ws = Workspace(id=WS, name="Northwind", role="Executive manager")
    with pytest.raises(PermissionDenied):
        services.workspace_settings_update(
            workspace=manager_ws,
            holiday_country="",
            holiday_subdivision="",
            allow_self_approval=True,
        )
