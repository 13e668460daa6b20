"""Time zones: times in the viewer's zone, "today" in the workspace's, the same on every page."""

import datetime as dt
import logging
import re

import pytest

from dashboard.models import UserPreference
from dashboard.zones import most_used_zone, zone_named

pytestmark = pytest.mark.django_db

WS = 1
MATEO = 1002  # the signed-in manager; WebWork says Europe/Madrid


def _as_of(html: str) -> str:
    """The clock time of the balances page's "As of"."""
    return re.search(r"As of <time[^>]*>([^<]+)</time>", html).group(1)


def _choose_zone(client, zone: str) -> None:
    response = client.post(f"/w/{WS}/settings/zone/", {"timezone": zone})
    assert response.status_code == 302


@pytest.mark.clock("2027-05-15T10:00Z")
def test_the_same_instant_reads_in_each_viewers_zone(manager_client):
    # Mateo chose nothing: WebWork's zone for him (Madrid, summer time) applies.
    assert _as_of(manager_client.get(f"/w/{WS}/balances/").content.decode()) == "12:00"
    for zone, shown in [
        ("America/Los_Angeles", "03:00"),
        ("Pacific/Auckland", "22:00"),
        ("Europe/Madrid", "12:00"),
    ]:
        _choose_zone(manager_client, zone)
        assert _as_of(manager_client.get(f"/w/{WS}/balances/").content.decode()) == shown


def test_an_unknown_zone_choice_changes_nothing_and_says_so(manager_client):
    _choose_zone(manager_client, "Pacific/Auckland")
    response = manager_client.post(f"/w/{WS}/settings/zone/", {"timezone": "Mars/Olympus"})
    assert "isn&#x27;t one we know" in manager_client.get(response.url).content.decode()
    assert UserPreference.objects.get(user__username=f"webwork-{MATEO}").timezone == (
        "Pacific/Auckland"
    )


def _names(webwork) -> dict[int, str]:
    return {m["id"]: f"{m['firstname']} {m['lastname']}" for m in webwork.state.members_for(WS)}


def _annual(webwork) -> int:
    return next(p["id"] for p in webwork.state.policies_for(WS) if p["name"] == "Annual leave")


def _clear_leaves_of(webwork, member_ids: set[int]) -> None:
    state = webwork.state
    with state.lock:
        for key in [k for k, leave in state.leaves.items() if leave.user_id in member_ids]:
            del state.leaves[key]


@pytest.mark.clock("2027-05-18T23:30Z")
def test_today_is_the_workspaces_in_auckland_at_2330_utc(manager_client, webwork):
    """Auckland is already on Wednesday 19 May: the inbox and the calendar both say so."""
    response = manager_client.post(
        f"/w/{WS}/settings/",
        {
            "holiday_country": "",
            "holiday_subdivision": "",
            "reference_timezone": "Pacific/Auckland",
        },
    )
    assert response.status_code == 302
    names = _names(webwork)
    _clear_leaves_of(webwork, {1009, 1013})
    webwork.state.add_leave(
        WS,
        1009,
        dt.date(2027, 5, 19),
        policy_id=_annual(webwork),
        status="approved",
        decided_by=1001,
    )
    webwork.state.add_leave(
        WS,
        1013,
        dt.date(2027, 5, 18),
        policy_id=_annual(webwork),
        status="approved",
        decided_by=1001,
    )

    inbox = manager_client.get(f"/w/{WS}/").context["inbox"]
    out_today = {entry.name for entry in inbox.out_today}
    assert names[1009] in out_today
    assert names[1013] not in out_today
    calendar = manager_client.get(f"/w/{WS}/calendar/").context["cal"]
    assert calendar.today_shown == dt.date(2027, 5, 19)
    assert names[1009] in {e.name for e in calendar.agenda_from_today[0].entries}


@pytest.mark.clock("2027-05-15T10:00Z")
def test_on_a_saturday_the_inbox_and_the_calendar_agree_who_is_out(manager_client, webwork):
    names = _names(webwork)
    _clear_leaves_of(webwork, {1009, 1013})
    annual = _annual(webwork)
    # A week off across the weekend: not "out" on Saturday. A Saturday shift swap day: out.
    webwork.state.add_leave(
        WS,
        1009,
        dt.date(2027, 5, 13),
        dt.date(2027, 5, 18),
        policy_id=annual,
        status="approved",
        decided_by=1001,
    )
    webwork.state.add_leave(
        WS, 1013, dt.date(2027, 5, 15), policy_id=annual, status="approved", decided_by=1001
    )

    inbox = manager_client.get(f"/w/{WS}/").context["inbox"]
    calendar = manager_client.get(f"/w/{WS}/calendar/").context["cal"]
    saturday = next(item for item in calendar.agenda if item.day.date == dt.date(2027, 5, 15))
    in_inbox = {entry.name for entry in inbox.out_today}
    in_calendar = {entry.name for entry in saturday.entries}
    assert in_inbox == in_calendar
    assert names[1013] in in_inbox
    assert names[1009] not in in_inbox


@pytest.mark.clock("2027-05-15T10:00Z")
def test_hour_based_leave_names_the_members_zone_when_the_viewers_differs(manager_client, webwork):
    hours = next(p["id"] for p in webwork.state.policies_for(WS) if p["time_unit"] == "hours")
    webwork.state.add_leave(
        WS, 1003, dt.date(2027, 5, 20), policy_id=hours, start_time="09:00", end_time="11:30"
    )
    html = manager_client.get(f"/w/{WS}/").content.decode()
    assert "09:00–11:30 Tokyo time" in html  # Yuki is in Tokyo, Mateo in Madrid
    _choose_zone(manager_client, "Asia/Tokyo")
    html = manager_client.get(f"/w/{WS}/").content.decode()
    assert "09:00–11:30" in html
    assert "Tokyo time" not in html


@pytest.mark.clock("2027-05-15T10:00Z")
def test_an_unknown_zone_from_webwork_falls_back_to_the_workspaces_logged_once(
    db, webwork, browser_client, caplog
):
    from tests.oauth_flow import sign_in_directly

    webwork.state.users[MATEO].timezone = "Mars/Olympus"
    with caplog.at_level(logging.WARNING, logger="dashboard.selectors.zones"):
        sign_in_directly(browser_client, webwork, "manager@sandbox.test")
        browser_client.get(f"/w/{WS}/")
        first = browser_client.get(f"/w/{WS}/balances/")
        browser_client.get(f"/w/{WS}/balances/")
    assert first.status_code == 200
    warnings = [r for r in caplog.records if "unknown time zone" in r.getMessage()]
    assert len(warnings) == 1
    # Times read in the zone most of Northwind's members have in WebWork.
    usual = most_used_zone(m["timezone"] for m in webwork.state.members_for(WS))
    shown = dt.datetime(2027, 5, 15, 10, 0, tzinfo=dt.UTC).astimezone(zone_named(usual))
    assert _as_of(first.content.decode()) == f"{shown:%H:%M}"
