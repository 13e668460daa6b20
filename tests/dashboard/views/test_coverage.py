"""Coverage minimums per team: set on the settings page, named in the inbox and the detail,
marked on the calendar. Whole numbers from 0 to the team's size; anything else saves nothing."""

import datetime as dt

import pytest

from dashboard.forms import team_field_name
from dashboard.models import TeamCoverage

pytestmark = pytest.mark.django_db

WS = 1
FIRST = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def _team(webwork) -> tuple[str, list[dict]]:
    """A team with at least three active members, and those members."""
    active = [
        m for m in webwork.state.members_for(WS) if m["status"] == "active" and m["team_name"]
    ]
    teams: dict[str, list[dict]] = {}
    for member in active:
        teams.setdefault(member["team_name"], []).append(member)
    name = next(name for name, people in sorted(teams.items()) if len(people) >= 3)
    return name, teams[name]


def _settings_form(team: str, value: str) -> dict:
    return {"holiday_country": "", "holiday_subdivision": "", team_field_name(team): value}


def _clear_leave(webwork, people, start, end):
    """Reject whatever the team has around these days, so the test decides who is away."""
    ids = {m["id"] for m in people}
    for leave in webwork.state.leaves_for(WS):
        overlaps = (
            leave["start_date"] <= end.isoformat()
            and (leave.get("end_date") or leave["start_date"]) >= start.isoformat()
        )
        if leave["user_id"] in ids and overlaps and leave["status"] != "rejected":
            webwork.state.decide(leave["id"], "rejected", by_user_id=1001, reason="tidy")


@pytest.mark.parametrize("typed", ["-1", "2.5", "many", "999"])
def test_a_minimum_outside_0_to_team_size_is_an_error_and_nothing_is_saved(
    manager_client, webwork, typed
):
    team, _people = _team(webwork)
    form = _settings_form(team, typed) | {"holiday_country": "GB"}
    response = manager_client.post("/w/1/settings/", form)
    html = response.content.decode()
    assert response.status_code == 200
    assert "nothing was saved" in html
    assert f'value="{typed}"' in html or typed == "many"  # what was typed stays
    assert not TeamCoverage.objects.exists()
    assert manager_client.get("/w/1/settings/").content.decode().count('value="GB" selected') == 0


def test_an_executive_manager_sets_and_clears_a_minimum(manager_client, webwork):
    team, people = _team(webwork)
    manager_client.post("/w/1/settings/", _settings_form(team, str(len(people))))
    assert TeamCoverage.objects.get(workspace_id=WS, team_name=team).minimum == len(people)
    manager_client.post("/w/1/settings/", _settings_form(team, ""))
    assert not TeamCoverage.objects.exists()


@pytest.mark.clock("2027-05-15T10:00Z")
def test_inbox_detail_and_calendar_name_the_days_below_the_minimum(manager_client, webwork):
    team, people = _team(webwork)
    start, end = dt.date(2027, 6, 1), dt.date(2027, 6, 2)  # Tue, Wed
    _clear_leave(webwork, people, start, end)
    asking = webwork.state.add_leave(WS, people[0]["id"], start, end, created_at=FIRST)
    webwork.state.add_leave(WS, people[1]["id"], end, status="approved", decided_by=1001)
    # With both away on Wednesday, fewer than all-but-one are present: Wednesday only.
    TeamCoverage.objects.create(workspace_id=WS, team_name=team, minimum=len(people) - 1)
    inbox = manager_client.get("/w/1/").content.decode()
    row = inbox[inbox.index(f'id="leave-{asking["id"]}"') :]
    row = row[: row.index("</li>")]
    assert f"Takes {team} below its minimum of {len(people) - 1} present on Wed 2 Jun." in row
    detail = manager_client.get(f"/w/1/leaves/{asking['id']}/").content.decode()
    assert "below its minimum" in detail
    calendar = manager_client.get("/w/1/calendar/?month=2027-06").content.decode()
    assert 'class="wc-short cs-2 sp-1"' in calendar  # Wednesday 2 June
    assert f"{team}: below its minimum" in calendar


@pytest.mark.clock("2027-05-15T10:00Z")
def test_no_rule_no_words(manager_client, webwork):
    _, people = _team(webwork)
    asking = webwork.state.add_leave(WS, people[0]["id"], dt.date(2027, 6, 1), created_at=FIRST)
    inbox = manager_client.get("/w/1/").content.decode()
    row = inbox[inbox.index(f'id="leave-{asking["id"]}"') :]
    assert "Coverage" not in row[: row.index("</li>")]
    assert "wc-short" not in manager_client.get("/w/1/calendar/?month=2027-06").content.decode()


def test_with_webwork_failing_the_settings_page_asks_for_members_once_and_says_so(
    manager_client, webwork
):
    from django.core.cache import cache

    cache.clear()
    webwork.state.add_fault(path="^/api/v2/members$", status=503)
    webwork.state.calls.clear()
    response = manager_client.get(f"/w/{WS}/settings/")
    assert response.status_code == 200
    assert "The teams can't be loaded from WebWork right now" in response.content.decode()
    # One read of the members (with its retries), shared by the holidays and coverage parts.
    assert webwork.state.calls.count(path="^/api/v2/members$") <= 3
