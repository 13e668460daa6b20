"""S-21..S-23: sign-in required everywhere, no cross-workspace access, roles re-checked."""

import datetime as dt
import html as html_module
import uuid

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLResolver, get_resolver

from dashboard.dates import month_bounds
from dashboard.models import AuditEntry, LeaveDecision

from .support import (
    HOST,
    HTMX,
    MANAGER,
    OWNER,
    WS_A,
    WS_B,
    dashboard_patterns,
    route_url,
    workspace_routes,
)

pytestmark = pytest.mark.django_db

# Everything else of the dashboard needs a signed-in manager. A calendar feed is opened by its
# secret token instead (an unknown one is a 404: tests/dashboard/views/test_feeds.py).
# An unsubscribe link works from a mail client by its signed token (test_digests.py).
# The language picker is on the sign-in page too: it changes a cookie and nothing else.
PUBLIC_ROUTES = {"healthz": 200, "feed_ics": 404, "unsubscribe": 404, "language_choose": 405}
WS_MERIDIAN = 3  # nobody signed in here belongs to it
WS_MISSING = 987654321


# --------------------------------------------------------------------------- S-21
def test_the_only_top_level_areas_are_allauth_admin_and_the_dashboard():
    includes = sorted(
        str(entry.pattern)
        for entry in get_resolver().url_patterns
        if isinstance(entry, URLResolver)
    )
    assert includes == ["", "accounts/", "admin/"]


def test_every_dashboard_route_needs_sign_in(webwork):
    client = Client(HTTP_HOST=HOST)
    routes = dashboard_patterns()
    assert len(routes) >= 13
    checked = 0
    for pattern in routes:
        url = route_url(pattern)
        if pattern.name in PUBLIC_ROUTES:
            assert client.get(url).status_code == PUBLIC_ROUTES[pattern.name]
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 302, (method, url)
            assert response["Location"].startswith("/accounts/login/?next="), (method, url)
            htmx = getattr(client, method)(url, headers=HTMX)
            assert htmx["HX-Redirect"].startswith("/accounts/login/"), (method, url)
            checked += 1
    assert checked == 2 * (len(routes) - len(PUBLIC_ROUTES))
    # Only /healthz's unauthenticated reachability probe of the API base may reach WebWork.
    assert [c["path"] for c in webwork.state.calls.records() if c["path"] != "/api/v2"] == []


def test_people_who_manage_no_workspace_get_no_session(webwork):
    for persona in ("member@sandbox.test", "teamlead@sandbox.test"):
        client = Client(HTTP_HOST=HOST)
        from tests.oauth_flow import sign_in

        response = sign_in(client, webwork, persona)
        assert response.status_code == 403, persona
        assert "_auth_user_id" not in client.session
        assert client.get(f"/w/{WS_A}/")["Location"].startswith("/accounts/login/")
    assert not get_user_model().objects.exists()


# --------------------------------------------------------------------------- S-22
def test_a_manager_of_one_workspace_gets_404_for_everything_of_another(webwork, signed_in):
    client = signed_in(MANAGER)
    foreign_leaves = [lv["id"] for lv in webwork.state.leaves_for(WS_B, status="pending")]
    assert foreign_leaves
    before = {lv["id"]: lv["status"] for lv in webwork.state.leaves_for(WS_B)}
    webwork.state.calls.clear()
    answered = 0
    for workspace_id in (WS_B, WS_MERIDIAN, WS_MISSING):
        for pattern in workspace_routes():
            url = route_url(pattern, workspace_id=workspace_id, leave_id=foreign_leaves[0])
            for method, data in (("get", None), ("post", {"reason": "x", "member": 2001})):
                for headers in ({}, HTMX):
                    response = getattr(client, method)(url, data, headers=headers)
                    assert response.status_code in (404, 405), (method, url)
                    if response.status_code == 404:
                        assert b"Blue Harbor" not in response.content
                    answered += 1
    assert answered == 3 * len(workspace_routes()) * 4
    assert webwork.state.calls.count() == 0  # not even a read was spent on foreign ids
    assert {lv["id"]: lv["status"] for lv in webwork.state.leaves_for(WS_B)} == before
    assert not LeaveDecision.objects.exists()
    assert not AuditEntry.objects.exists()


def test_another_workspaces_leave_under_our_own_url_changes_nothing(webwork, signed_in):
    client = signed_in(MANAGER)
    foreign = webwork.state.leaves_for(WS_B, status="pending")[0]
    webwork.state.calls.clear()
    for action, data in (("approve", {}), ("reject", {"reason": "no"})):
        response = client.post(f"/w/{WS_A}/leaves/{foreign['id']}/{action}/", data, headers=HTMX)
        assert response.status_code == 200
        assert "no longer exists" in response.content.decode()
    assert webwork.state.leave(foreign["id"])["status"] == "pending"
    # WebWork is asked with our own workspace id and refuses: nothing else is spent. The
    # approve reads the leave first for its rules (four eyes, balance): no PUT at all.
    refused = webwork.state.calls.records(method="PUT")
    assert [call["status"] for call in refused] == [404]
    assert all(call["query"].get("workspace_id") in (None, str(WS_A)) for call in refused)
    assert not webwork.state.calls.records(method="POST", path="^/api/")


def test_filing_a_request_for_a_member_of_another_workspace_is_refused(webwork, signed_in):
    client = signed_in(MANAGER)
    outsider = next(m for m in webwork.state.members_for(WS_B) if m["id"] >= 2001)
    webwork.state.calls.clear()
    response = client.post(
        f"/w/{WS_A}/leaves/new/",
        {
            "member": outsider["id"],
            "policy": 101,
            "start": "2031-01-06",
            "end": "2031-01-06",
            "request_key": uuid.uuid4().hex,
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert webwork.state.calls.count(method="POST", path="^/api/") == 0


def test_data_cached_for_one_workspace_is_never_served_for_another(webwork, signed_in):
    owner = signed_in(OWNER)
    assert owner.get(f"/w/{WS_B}/balances/").status_code == 200  # cached under workspace 2
    assert owner.get(f"/w/{WS_B}/policies/").status_code == 200
    manager = signed_in(MANAGER)
    webwork.state.calls.clear()
    for page in ("balances", "policies", "leaves", "calendar"):
        assert manager.get(f"/w/{WS_B}/{page}/").status_code == 404
    assert webwork.state.calls.count() == 0
    html = manager.get(f"/w/{WS_A}/policies/").content.decode()
    policy_names_b = {p["name"] for p in webwork.state.policies_for(WS_B)}
    policy_ids_b = {str(p["id"]) for p in webwork.state.policies_for(WS_B)}
    assert policy_names_b  # both workspaces use the same names; ids tell them apart
    assert not any(f'"{pid}"' in html for pid in policy_ids_b)


# --------------------------------------------------------------------------- S-23
def test_a_demoted_manager_cannot_decide_and_loses_the_workspace(webwork, signed_in):
    client = signed_in(MANAGER)
    assert client.get(f"/w/{WS_A}/").status_code == 200
    leave = webwork.state.leaves_for(WS_A, status="pending")[0]
    webwork.state.set_role(WS_A, 1002, "Team manager")
    webwork.state.calls.clear()
    response = client.post(f"/w/{WS_A}/leaves/{leave['id']}/approve/", headers=HTMX)
    assert response.status_code == 200
    assert "no longer lets you manage" in response.content.decode()
    assert webwork.state.leave(leave["id"])["status"] == "pending"
    assert [c["status"] for c in webwork.state.calls.records(method="PUT")] == [403]
    assert not LeaveDecision.objects.exists()  # the claim is released for others
    assert client.get(f"/w/{WS_A}/").status_code == 404  # at once, not after the cache TTL


def test_a_role_change_reaches_pages_within_five_minutes(webwork, signed_in):
    start = dt.datetime.now(dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = signed_in(MANAGER)
        assert client.get(f"/w/{WS_A}/policies/").status_code == 200
        webwork.state.set_role(WS_A, 1002, "Regular User")
        clock.shift(5 * 60 + 1)
        assert client.get(f"/w/{WS_A}/policies/").status_code == 404


# --------------------------------------------------------------------------- fail closed
WORKSPACES = "^/api/v2/workspaces$"
RECHECK = 300  # ACCESS_RECHECK_SECONDS's default
UNCONFIRMED = "We can't confirm your access right now"
ACCESS_FAULTS = {
    "503": {"status": 503},
    "429 Retry-After 3600": {"status": 429, "retry_after": "3600"},
    "connection reset": {"drop": True},
}


def _workspace_data_shown(html: str, webwork) -> list[str]:
    """Names of members and policies of workspace 1 that appear in a page."""
    names = [
        f"{m['firstname']} {m['lastname']}"
        for m in webwork.state.members_for(WS_A)
        if m["email"] != MANAGER  # the signed-in person's own name is in the page's frame
    ]
    names += [p["name"] for p in webwork.state.policies_for(WS_A)]
    names.append(next(w["workspace_name"] for w in webwork.state.workspaces_for(1001)))
    text = html_module.unescape(html)
    return [name for name in names if name in text]


@pytest.mark.parametrize("fault", list(ACCESS_FAULTS))
def test_past_the_recheck_window_a_failing_webwork_means_access_cannot_be_confirmed(
    webwork, signed_in, fault
):
    start = dt.datetime.now(dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = signed_in(MANAGER)
        for page in ("", "policies/", "balances/"):
            assert client.get(f"/w/{WS_A}/{page}").status_code == 200
        leave = webwork.state.leaves_for(WS_A, status="pending")[0]
        webwork.state.set_role(WS_A, 1002, "Regular User")
        webwork.state.add_fault(path=WORKSPACES, method="GET", **ACCESS_FAULTS[fault])
        # Within the window the list WebWork gave is still trusted.
        clock.shift(RECHECK - 10)
        assert client.get(f"/w/{WS_A}/policies/").status_code == 200
        clock.shift(11)
        webwork.state.calls.clear()
        for url, headers in (
            (f"/w/{WS_A}/", {}),
            (f"/w/{WS_A}/policies/", {}),
            (f"/w/{WS_A}/balances/", HTMX),
            ("/", {}),
            ("/workspaces/", {}),
        ):
            response = client.get(url, headers=headers)
            html = response.content.decode()
            assert response.status_code == 503, url
            assert UNCONFIRMED in html, url
            assert _workspace_data_shown(html, webwork) == [], url
        approve = client.post(f"/w/{WS_A}/leaves/{leave['id']}/approve/", headers=HTMX)
        assert approve.status_code == 503
        assert "can't be confirmed" in approve["HX-Trigger"]
        # Only WebWork's workspace list was asked (and nothing was decided).
        paths = {call["path"] for call in webwork.state.calls.records()}
        assert paths == {"/api/v2/workspaces"}
        assert webwork.state.leave(leave["id"])["status"] == "pending"
        assert not LeaveDecision.objects.exists()
        # WebWork answers again: the demotion shows.
        webwork.state.clear_faults()
        clock.shift(121)  # past any back-off the failures caused
        assert client.get(f"/w/{WS_A}/").status_code == 404


def _months_back(count: int) -> tuple[int, int]:
    """(year, month) `count` months before today's."""
    month = dt.date.today().replace(day=1)
    for _ in range(count):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month.year, month.month


def test_a_403_on_any_read_of_a_workspace_drops_it_at_once(webwork, signed_in):
    client = signed_in(OWNER)
    assert client.get(f"/w/{WS_A}/").status_code == 200
    assert client.get(f"/w/{WS_B}/").status_code == 200
    webwork.state.add_fault(
        path="^/api/v2/leaves$", method="GET", status=403, times=1, body={"message": "Forbidden"}
    )
    # A list not cached yet (a month the inbox does not read): its read is refused, and so is
    # the page.
    first, last = month_bounds(*_months_back(2))
    response = client.get(f"/w/{WS_A}/leaves/?status=rejected&from={first}&to={last}")
    assert response.status_code == 404
    webwork.state.calls.clear()
    # WebWork still lists the workspace, but it refused a read: it is gone now, not in 5 minutes.
    for page in ("", "policies/", "balances/"):
        assert client.get(f"/w/{WS_A}/{page}").status_code == 404
    assert webwork.state.calls.count() == 0
    # The other workspace is untouched.
    assert client.get(f"/w/{WS_B}/policies/").status_code == 200
