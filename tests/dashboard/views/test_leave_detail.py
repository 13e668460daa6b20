"""The request detail: a full page without JavaScript, the dialog's content with HTMX."""

import datetime as dt

import pytest

from dashboard.models import AuditEntry

pytestmark = pytest.mark.django_db

WS = 1
HTMX = {"HX-Request": "true"}


def _policy(webwork, name: str) -> dict:
    return next(p for p in webwork.state.policies_for(WS) if p["name"] == name)


def _team_mates(webwork) -> list[dict]:
    members = [
        m
        for m in webwork.state.members_for(WS)
        if m["status"] == "active" and m["current_role"] == "Regular User"
    ]
    team = members[10]["team_name"]
    return [m for m in members if m["team_name"] == team]


@pytest.mark.clock("2027-05-15T10:00Z")
def test_detail_page_shows_dates_holidays_projection_team_year_and_history(manager_client, webwork):
    asking, mate = _team_mates(webwork)[:2]
    manager_client.post("/w/1/settings/", {"holiday_country": "GB", "holiday_subdivision": "ENG"})
    # Fri 28 May - Tue 1 June 2027: Spring bank holiday on Monday 31 May.
    leave = webwork.state.add_leave(
        WS,
        asking["id"],
        dt.date(2027, 5, 28),
        dt.date(2027, 6, 1),
        policy_id=_policy(webwork, "Annual leave")["id"],
        note="Family <wedding>",
    )
    webwork.state.add_leave(WS, mate["id"], dt.date(2027, 6, 1), status="approved", decided_by=1001)
    AuditEntry.objects.create(
        actor_name="Amara Okafor",
        workspace_id=WS,
        leave_id=leave["id"],
        action="approve",
        outcome="failed",
    )
    response = manager_client.get(f"/w/1/leaves/{leave['id']}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<!doctype html>" in html  # a page of its own
    assert "2 working days" in html
    assert "Spring Bank Holiday" in html or "Spring bank holiday" in html
    assert "Family &lt;wedding&gt;" in html
    assert "after this" in html
    assert mate["firstname"] in html
    assert "Approved leave in the last 12 months" in html
    assert "Amara Okafor" in html
    assert "Failed, nothing changed" in html
    assert f'action="/w/1/leaves/{leave["id"]}/approve/"' in html
    assert f'name="next" value="/w/1/leaves/{leave["id"]}/"' in html


@pytest.mark.clock("2027-05-15T10:00Z")
def test_htmx_gets_the_dialog_content_whose_forms_return_to_the_page_below(manager_client, webwork):
    leave = webwork.state.leaves_for(WS, status="pending")[0]
    headers = HTMX | {"HX-Current-URL": "http://127.0.0.1:8000/w/1/calendar/?month=2027-05"}
    html = manager_client.get(f"/w/1/leaves/{leave['id']}/", headers=headers).content.decode()
    assert "<!doctype html>" not in html
    assert html.lstrip().startswith('<article class="detail"')
    assert '<form method="dialog">' in html
    assert 'name="next" value="/w/1/calendar/?month=2027-05"' in html
    response = manager_client.post(
        f"/w/1/leaves/{leave['id']}/approve/", {"next": "/w/1/calendar/?month=2027-05"}
    )
    assert response["Location"] == "/w/1/calendar/?month=2027-05"


def test_a_decided_leave_has_no_decision_buttons(manager_client, webwork):
    leave = webwork.state.leaves_for(WS, status="approved")[0]
    html = manager_client.get(f"/w/1/leaves/{leave['id']}/").content.decode()
    assert "Approved" in html
    assert "/approve/" not in html


def test_an_unknown_leave_is_404_and_webwork_down_is_a_message(manager_client, webwork):
    assert (
        manager_client.get("/w/1/leaves/00000000-0000-4000-8000-000000000000/").status_code == 404
    )
    leave = webwork.state.leaves_for(WS, status="approved")[0]
    webwork.state.add_fault(status=503, path="/leaves")
    response = manager_client.get(f"/w/1/leaves/{leave['id']}/")
    assert response.status_code == 200
    assert "This request can&#x27;t be shown." in response.content.decode()


@pytest.mark.clock("2027-05-15T10:00Z")
def test_every_place_links_to_the_detail(manager_client, webwork):
    leave = min(
        webwork.state.leaves_for(WS, status="pending"), key=lambda lv: (lv["created_at"], lv["id"])
    )
    inbox = manager_client.get("/w/1/").content.decode()
    assert f'href="/w/1/leaves/{leave["id"]}/"' in inbox
    listing = manager_client.get("/w/1/leaves/?status=pending").content.decode()
    assert f'href="{leave["id"]}/"' in listing
    month = leave["start_date"][:7]
    calendar = manager_client.get(f"/w/1/calendar/?month={month}").content.decode()
    assert f'<a href="/w/1/leaves/{leave["id"]}/" data-detail class="bar' in calendar


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_a_get_on_an_action_is_a_page_with_a_way_back_and_decides_nothing(
    manager_client, webwork, action
):
    leave = webwork.state.leaves_for(WS, status="pending")[0]
    webwork.state.calls.clear()
    response = manager_client.get(f"/w/1/leaves/{leave['id']}/{action}/")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    html = response.content.decode()
    assert "Decisions are taken with a button" in html
    assert f'href="/w/1/leaves/{leave["id"]}/">Open the request</a>' in html
    assert webwork.state.calls.count() == 0
    assert webwork.state.leave(leave["id"])["status"] == "pending"
