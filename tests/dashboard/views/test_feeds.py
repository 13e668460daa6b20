"""Calendar feeds: managed on /w/<ws>/feeds/, read by calendar clients at /feeds/<token>.ics.

Every feed is parsed twice: with `icalendar` (what builds it) and with `ics` (an independent
parser with its own grammar and time-zone handling), and checked against the sandbox's leaves.
"""

import datetime as dt
import math
import re
import zoneinfo
from concurrent.futures import ThreadPoolExecutor

import icalendar
import ics
import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client

from dashboard.models import CalendarFeed
from dashboard.selectors import workspace_list_for_user
from dashboard.selectors.feeds import feed_token_hash, feed_window
from dashboard.services.dataset_sync import workspace_dataset_sync
from dashboard.tasks import workspace_refresh_task
from tests.sandbox_clock import sandbox_follows_the_clock
from tests.security.support import captured_logs

pytestmark = pytest.mark.django_db

WS = 1
FEED_URL = re.compile(r"http://127\.0\.0\.1:8000/feeds/([A-Za-z0-9_-]{43})\.ics")


def make_feed(client: Client, **fields) -> str:
    """POST the new-feed form; return the token the answer shows (once)."""
    data = {"name": "Who's off", "include_holidays": "on", **fields}
    response = client.post(f"/w/{WS}/feeds/", data)
    assert response.status_code == 201, response.content.decode()[:500]
    html = response.content.decode()
    match = FEED_URL.search(html)
    assert match, "the answer shows the feed's URL"
    assert f'value="webcal://127.0.0.1:8000/feeds/{match.group(1)}.ics"' not in html
    assert f"webcal://127.0.0.1:8000/feeds/{match.group(1)}.ics" in html
    return match.group(1)


def read(token: str, **headers):
    """A calendar client (no cookies, no sign-in) reading the feed."""
    return Client(HTTP_HOST="127.0.0.1:8000").get(f"/feeds/{token}.ics", headers=headers)


def parse_both(body: bytes) -> tuple[list, list]:
    """Events as icalendar and as ics read them (each parser fails on a malformed feed)."""
    calendar = icalendar.Calendar.from_ical(body)
    other = ics.Calendar(body.decode())
    return list(calendar.walk("VEVENT")), list(other.events)


def _names(webwork) -> tuple[dict, dict]:
    members = {m["id"]: m for m in webwork.state.members_for(WS)}
    policies = {p["id"]: p for p in webwork.state.policies_for(WS)}
    return members, policies


def _in_window(leave: dict, today: dt.date) -> bool:
    first, last = feed_window(today)
    end = dt.date.fromisoformat(leave.get("end_date") or leave["start_date"])
    return end >= first and dt.date.fromisoformat(leave["start_date"]) <= last


# --------------------------------------------------------------------------- content
@pytest.mark.clock("2027-05-15T10:00Z")
def test_every_approved_and_pending_leave_is_an_event_that_both_parsers_read(
    manager_client, webwork
):
    token = make_feed(manager_client, include_pending="on")
    response = read(token)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events, other_events = parse_both(response.content)
    today = dt.date(2027, 5, 15)
    members, policies = _names(webwork)
    expected = {
        lv["id"]: lv
        for lv in webwork.state.leaves_for(WS)
        if lv["status"] in ("approved", "pending") and _in_window(lv, today)
    }
    leaves = {str(e["UID"]).removeprefix("leave-").split("@")[0]: e for e in events}
    leaves = {k: v for k, v in leaves.items() if not k.startswith("holiday-")}
    assert set(leaves) == set(expected)
    assert len(expected) > 100
    assert len(other_events) == len(events)
    by_uid = {e.uid: e for e in other_events}
    for leave_id, leave in expected.items():
        event = leaves[leave_id]
        member = members[leave["user_id"]]
        name = f"{member['firstname']} {member['lastname']}"
        summary = str(event["SUMMARY"])
        assert summary.startswith(f"{name} – {policies[leave['policy_id']]['name']}")
        assert summary.endswith("(pending)") == (leave["status"] == "pending")
        assert str(event["STATUS"]) == (
            "TENTATIVE" if leave["status"] == "pending" else "CONFIRMED"
        )
        start = dt.date.fromisoformat(leave["start_date"])
        end = dt.date.fromisoformat(leave.get("end_date") or leave["start_date"])
        twin = by_uid[str(event["UID"])]
        if leave["start_time"]:
            zone = zoneinfo.ZoneInfo(member["timezone"]) if member["timezone"] else dt.UTC
            begins = dt.datetime.combine(start, dt.time.fromisoformat(leave["start_time"]), zone)
            ends = dt.datetime.combine(end, dt.time.fromisoformat(leave["end_time"]), zone)
            assert event.decoded("DTSTART") == begins
            assert event.decoded("DTEND") == ends
            assert twin.begin.datetime == begins
            assert twin.end.datetime == ends
            assert not twin.all_day
        else:
            assert event.decoded("DTSTART") == start  # a DATE, not a DATE-TIME
            assert type(event.decoded("DTSTART")) is dt.date
            assert event.decoded("DTEND") == end + dt.timedelta(days=1)  # exclusive
            assert twin.all_day
            assert twin.begin.date() == start
            assert twin.end.date() == end + dt.timedelta(days=1)
    rejected = [lv["id"] for lv in webwork.state.leaves_for(WS, status="rejected")]
    assert rejected
    assert not set(rejected) & set(leaves)


@pytest.mark.clock("2027-03-20T10:00Z")
def test_hour_based_leave_keeps_its_wall_clock_time_across_both_dst_changes(
    manager_client, webwork
):
    state = webwork.state
    hours = next(p["id"] for p in state.policies_for(WS) if p["time_unit"] == "hours")
    state.users[1002].timezone = "Europe/Madrid"
    state.users[1009].timezone = None  # WebWork knows no zone for this member: UTC

    def approved_hours(member: int, day: dt.date, begins: str, ends: str) -> dict:
        return state.add_leave(
            WS,
            member,
            day,
            policy_id=hours,
            status="approved",
            start_time=begins,
            end_time=ends,
            decided_by=1001,
        )

    spring = approved_hours(1002, dt.date(2027, 3, 28), "10:00", "12:30")
    autumn = approved_hours(1002, dt.date(2027, 10, 31), "10:00", "12:30")
    unknown = approved_hours(1009, dt.date(2027, 3, 29), "09:00", "10:00")
    body = read(make_feed(manager_client)).content
    events, other = parse_both(body)
    by_uid = {str(e["UID"]): e for e in events}
    other_by_uid = {e.uid: e for e in other}
    utc = {
        spring["id"]: (dt.datetime(2027, 3, 28, 8, 0), dt.datetime(2027, 3, 28, 10, 30)),
        autumn["id"]: (dt.datetime(2027, 10, 31, 9, 0), dt.datetime(2027, 10, 31, 11, 30)),
        unknown["id"]: (dt.datetime(2027, 3, 29, 9, 0), dt.datetime(2027, 3, 29, 10, 0)),
    }
    for leave_id, (begins, ends) in utc.items():
        uid = f"leave-{leave_id}@webwork-leave-dashboard"
        event = by_uid[uid]
        assert event.decoded("DTSTART").astimezone(dt.UTC).replace(tzinfo=None) == begins
        assert event.decoded("DTEND").astimezone(dt.UTC).replace(tzinfo=None) == ends
        twin = other_by_uid[uid]
        assert twin.begin.to("UTC").naive == begins
        assert twin.end.to("UTC").naive == ends
    assert event_tzid(by_uid, spring["id"]) == "Europe/Madrid"
    assert "TZID:Europe/Madrid" in body.decode()
    assert (
        by_uid[f"leave-{unknown['id']}@webwork-leave-dashboard"]["DTSTART"].to_ical().endswith(b"Z")
    )


def event_tzid(by_uid: dict, leave_id: str) -> str:
    return by_uid[f"leave-{leave_id}@webwork-leave-dashboard"]["DTSTART"].params["TZID"]


@pytest.mark.clock("2027-05-15T10:00Z")
def test_a_decision_updates_the_same_event_with_a_higher_sequence(manager_client, webwork):
    leave = webwork.state.add_leave(WS, 1009, dt.date(2027, 6, 7), dt.date(2027, 6, 9))
    token = make_feed(manager_client, include_pending="on")
    uid = f"leave-{leave['id']}@webwork-leave-dashboard"
    before = {str(e["UID"]): e for e in parse_both(read(token).content)[0]}[uid]
    assert int(before["SEQUENCE"]) == 0
    assert manager_client.post(f"/w/{WS}/leaves/{leave['id']}/approve/").status_code == 302
    after = {str(e["UID"]): e for e in parse_both(read(token).content)[0]}[uid]
    assert int(after["SEQUENCE"]) == 1
    assert after.decoded("LAST-MODIFIED") > before.decoded("LAST-MODIFIED")
    assert str(after["STATUS"]) == "CONFIRMED"


@pytest.mark.clock("2027-05-15T10:00Z")
def test_team_policy_and_pending_choices_limit_the_feed(manager_client, webwork):
    members, policies = _names(webwork)
    team = members[1009]["team_name"]
    annual = next(p for p in policies.values() if p["name"] == "Annual leave")
    token = make_feed(manager_client, name="Team", team=team, policy=annual["id"])
    events, _ = parse_both(read(token).content)
    leave_events = [e for e in events if str(e["UID"]).startswith("leave-")]
    expected = [
        lv
        for lv in webwork.state.leaves_for(WS, status="approved")
        if members[lv["user_id"]]["team_name"] == team
        and lv["policy_id"] == annual["id"]
        and _in_window(lv, dt.date(2027, 5, 15))
    ]
    assert expected
    assert len(leave_events) == len(expected)
    assert all(str(e["STATUS"]) == "CONFIRMED" for e in leave_events)


@pytest.mark.clock("2027-05-15T10:00Z")
def test_public_holidays_of_the_workspace_region_are_their_own_events(manager_client, webwork):
    manager_client.post(
        f"/w/{WS}/settings/", {"holiday_country": "GB", "holiday_subdivision": "ENG"}
    )
    with_holidays = parse_both(read(make_feed(manager_client)).content)[0]
    without = parse_both(read(make_feed(manager_client, include_holidays="")).content)[0]
    holidays = {
        e.decoded("DTSTART"): str(e["SUMMARY"])
        for e in with_holidays
        if str(e["UID"]).startswith("holiday-")
    }
    assert holidays[dt.date(2027, 5, 31)].endswith("(public holiday)")  # Spring bank holiday
    assert dt.date(2027, 12, 25) in holidays
    assert not [e for e in without if str(e["UID"]).startswith("holiday-")]


@pytest.mark.clock("2027-05-15T10:00Z")
def test_a_teams_feed_has_its_teams_holidays(manager_client, webwork):
    manager_client.post(
        f"/w/{WS}/settings/", {"holiday_country": "GB", "holiday_subdivision": "ENG"}
    )
    team = _names(webwork)[0][1009]["team_name"]
    given = manager_client.post(
        f"/w/{WS}/settings/holidays/", {"target": f"team:{team}", "country": "ES"}
    )
    assert given.status_code == 302

    def holidays(token):
        events = parse_both(read(token).content)[0]
        return {e.decoded("DTSTART") for e in events if str(e["UID"]).startswith("holiday-")}

    team_days = holidays(make_feed(manager_client, name="Team", team=team))
    everyone_days = holidays(make_feed(manager_client, name="Everyone"))
    assert dt.date(2027, 10, 12) in team_days  # Fiesta Nacional de España
    assert dt.date(2027, 5, 31) not in team_days  # England's bank holiday is not theirs
    assert dt.date(2027, 5, 31) in everyone_days


@pytest.mark.clock("2027-05-15T10:00Z")
def test_hostile_names_stay_text_inside_their_event(manager_client, webwork):
    webwork.state.users[1009].firstname = "Eve\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:x"
    token = make_feed(manager_client)
    events, other = parse_both(read(token).content)
    eve = [e for e in events if str(e["SUMMARY"]).startswith("Eve")]
    assert eve
    assert all("END:VEVENT" in str(e["SUMMARY"]) for e in eve)
    assert len(other) == len(events)


# --------------------------------------------------------------------------- HTTP
def test_etag_gives_304_and_calendar_clients_get_cache_headers(manager_client, webwork):
    token = make_feed(manager_client)
    first = read(token)
    etag = first["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert "max-age=900" in first["Cache-Control"]
    assert "private" in first["Cache-Control"]
    again = read(token, **{"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert read(token, **{"If-None-Match": '"something-else"'}).status_code == 200
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in first.content.decode()


def test_unknown_regenerated_and_deleted_tokens_get_404_and_cost_nothing(manager_client, webwork):
    token = make_feed(manager_client)
    feed = CalendarFeed.objects.get()
    assert feed.token_hash == feed_token_hash(token)
    assert token not in feed.token_hash
    assert read(token).status_code == 200
    answer = manager_client.post(f"/w/{WS}/feeds/{feed.pk}/regenerate/")
    fresh = FEED_URL.search(answer.content.decode()).group(1)
    assert fresh != token
    webwork.state.calls.clear()
    for stale in (token, "x" * 43, "not-a-feed"):
        assert read(stale).status_code == 404
    assert webwork.state.calls.count() == 0
    assert read(fresh).status_code == 200
    assert manager_client.post(f"/w/{WS}/feeds/{feed.pk}/delete/").status_code == 302
    webwork.state.calls.clear()
    assert read(fresh).status_code == 404
    assert webwork.state.calls.count() == 0
    # Shown once: the page never shows the URL again.
    assert fresh not in manager_client.get(f"/w/{WS}/feeds/").content.decode()


def test_a_feed_stops_when_its_owner_no_longer_manages_the_workspace(manager_client, webwork):
    token = make_feed(manager_client)
    assert read(token).status_code == 200
    webwork.state.set_role(WS, 1002, "Regular User")
    # The worker's refresh cycle re-reads feed owners' workspaces with their own tokens.
    workspace_refresh_task.delay(workspace_id=WS, user_id=CalendarFeed.objects.get().owner_id)
    webwork.state.calls.clear()
    assert read(token).status_code == 404
    assert webwork.state.calls.count() == 0


def test_without_the_worker_a_lost_role_stops_the_feed_within_half_an_hour(manager_client, webwork):
    token = make_feed(manager_client)
    assert read(token).status_code == 200
    webwork.state.set_role(WS, 1002, "Regular User")
    assert read(token).status_code == 200  # the owner's list is trusted for 30 minutes
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=31)):
        assert read(token).status_code == 404


def test_a_feeds_reads_are_rate_limited_per_token(manager_client, webwork, settings):
    settings.RATE_LIMIT_FEEDS = 3
    token, other = make_feed(manager_client), make_feed(manager_client, name="Other")
    # All within one minute's window, however slowly a busy machine serves them.
    start = dt.datetime.now(dt.UTC).replace(second=1, microsecond=0) + dt.timedelta(minutes=1)
    with time_machine.travel(start, tick=False):
        assert [read(token).status_code for _ in range(4)] == [200, 200, 200, 429]
        assert read(token)["Retry-After"] == "60"
        assert read(other).status_code == 200


def test_feed_tokens_never_reach_the_logs(manager_client, webwork):
    token = make_feed(manager_client)
    with captured_logs() as logs:
        read(token)
        read("u" * 43)
    assert "/feeds/[redacted].ics" in logs.output
    assert token not in logs.output
    assert "u" * 43 not in logs.output


# --------------------------------------------------------------------------- upstream budget
def _window_calls(webwork, today: dt.date) -> int:
    leaves = [lv for lv in webwork.state.leaves_for(WS) if _in_window(lv, today)]
    return max(math.ceil(len(leaves) / 100), 1)


@pytest.mark.clock("2027-05-15T10:00Z")
@pytest.mark.django_db(transaction=True)  # readers in threads see the feeds
def test_a_warm_feed_costs_no_call_whatever_the_number_of_subscribers(manager_client, webwork):
    tokens = [make_feed(manager_client, name=f"Feed {n}") for n in range(3)]
    assert read(tokens[0]).status_code == 200  # made warm by the worker (inline in tests)
    webwork.state.calls.clear()
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(lambda n: read(tokens[n % 3]).status_code, range(30)))
    assert statuses == [200] * 30
    assert webwork.state.calls.count() == 0


@pytest.mark.clock("2027-05-15T10:00Z")
@pytest.mark.sandbox_seed(members=500, teams=20, policies=6, leaves=5000)
@pytest.mark.django_db(transaction=True)
def test_a_cold_feed_costs_no_call_and_is_served_once_the_worker_has_synced(
    manager_client, webwork, monkeypatch
):
    """Feeds read only the workspace's read model: cold, they say "try later" without asking
    WebWork for anything (the owner's access check aside); the worker's sync, within its
    share of the budget, fills the model, and from then on every read is served, for nothing."""
    sandbox_follows_the_clock(webwork.state, monkeypatch)
    tokens = [make_feed(manager_client, name=f"Feed {n}") for n in range(2)]
    today = dt.date(2027, 5, 15)
    cache.clear()
    owner = get_user_model().objects.get(pk=CalendarFeed.objects.first().owner_id)
    assert workspace_list_for_user(user=owner)
    webwork.state.reset_rate_limits()
    webwork.state.calls.clear()
    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(lambda n: read(tokens[n % 2]).status_code, range(20)))
    assert statuses == [503] * 20
    assert webwork.state.calls.count() == 0
    assert _window_calls(webwork, today) > 30  # one minute's sync share can't hold the window
    # Five minutes hold the window; three more leave room for a read a busy machine lets time
    # out (the sync takes it again the next minute, as it would in production).
    for minute in range(1, 9):
        with time_machine.travel(dt.datetime(2027, 5, 15, 10, minute, 1, tzinfo=dt.UTC)):
            workspace_dataset_sync(user_id=owner.pk, workspace_id=WS, today=today)
    with time_machine.travel(dt.datetime(2027, 5, 15, 10, 9, tzinfo=dt.UTC)):
        assert workspace_list_for_user(user=owner, force=True)
        webwork.state.calls.clear()
        with ThreadPoolExecutor(max_workers=10) as pool:
            statuses = list(pool.map(lambda n: read(tokens[n % 2]).status_code, range(20)))
        assert statuses == [200] * 20
        assert webwork.state.calls.count() == 0


# --------------------------------------------------------------------------- WebWork failing
@pytest.mark.clock("2027-05-15T10:00Z")
def test_with_webwork_down_a_feed_serves_its_last_good_data(manager_client, webwork):
    token = make_feed(manager_client)
    first = read(token)
    webwork.state.add_fault(path="^/api/v2/leaves", status=503)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=31)):
        later = read(token)  # the window is stale and WebWork refuses: the last good data
    assert later.status_code == 200
    assert later["ETag"] == first["ETag"]


@pytest.mark.clock("2027-12-31T23:50Z")
def test_with_webwork_down_when_the_month_turns_a_feed_serves_last_months_window(
    manager_client, webwork
):
    """The window moves on at midnight on the 1st; WebWork failing then must not stop feeds."""
    token = make_feed(manager_client)
    assert read(token).status_code == 200
    webwork.state.add_fault(path="^/api/v2/leaves", status=503)
    with time_machine.travel(dt.datetime(2028, 1, 1, 0, 21, tzinfo=dt.UTC)):
        later = read(token)
    assert later.status_code == 200, later.content[:300]
    assert b"BEGIN:VCALENDAR" in later.content


def test_a_feed_whose_owners_access_cannot_be_confirmed_is_not_served(manager_client, webwork):
    """S-23 for feeds: past ACCESS_RECHECK_SECONDS, a failing WebWork stops the feed."""
    token = make_feed(manager_client)
    assert read(token).status_code == 200
    webwork.state.add_fault(path="^/api/v2/workspaces$", status=503)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=6)):
        later = read(token)
    assert later.status_code == 503
    assert b"BEGIN:VCALENDAR" not in later.content


def test_with_webwork_down_and_nothing_cached_a_feed_says_try_later(manager_client, webwork):
    token = make_feed(manager_client)
    cache.clear()
    webwork.state.add_fault(path="^/api/v2/leaves$", status=503)
    response = read(token)
    assert response.status_code == 503
    assert response["Retry-After"] == "300"
    assert "Try again later" in response.content.decode()


def test_djangos_own_request_lines_mask_feed_tokens_too():
    """runserver's request lines and Django's "Not Found" go through the redacting handler."""
    import logging

    token = "T" * 43
    with captured_logs() as logs:
        logging.getLogger("django.server").warning('"GET /feeds/%s.ics HTTP/1.1" 404 8102', token)
        logging.getLogger("django.request").warning("Not Found: /feeds/%s.ics", token)
    assert logs.output.count("/feeds/[redacted].ics") == 2
    assert token not in logs.output
    assert not logging.getLogger("django.server").handlers
    assert not logging.getLogger("django").handlers
