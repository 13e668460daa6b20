"""Public holidays per team and member: their region, else their team's, else the workspace's."""

import datetime as dt

import pytest

from dashboard.models import HolidayRegionOverride
from dashboard.read_models.calendar import calendar_get
from dashboard.read_models.format import leave_amount
from dashboard.selectors import holiday_regions, holidays_between
from dashboard.webwork import Leave, Member
from dashboard.zones import most_used_country

pytestmark = pytest.mark.django_db

WS = 1
MONTH = dt.date(2027, 10, 1)
SPAIN_ONLY = dt.date(2027, 10, 12)  # Fiesta Nacional de España, a Tuesday; no holiday in England


def _save_workspace_region(client, country="GB", subdivision="ENG"):
    response = client.post(
        f"/w/{WS}/settings/", {"holiday_country": country, "holiday_subdivision": subdivision}
    )
    assert response.status_code == 302


def _give(client, target: str, country: str, subdivision: str = ""):
    return client.post(
        f"/w/{WS}/settings/holidays/",
        {"target": target, "country": country, "subdivision": subdivision},
    )


def _member(webwork, member_id: int) -> dict:
    return next(m for m in webwork.state.members_for(WS) if m["id"] == member_id)


def test_a_members_own_region_wins_over_their_teams_which_wins_over_the_workspaces(
    manager_client, webwork
):
    _save_workspace_region(manager_client)
    team = _member(webwork, 1009)["team_name"]
    assert _give(manager_client, f"team:{team}", "FR").status_code == 302
    assert _give(manager_client, "member:1009", "ES").status_code == 302
    regions = holiday_regions(workspace_id=WS)
    teammate = next(
        m["id"] for m in webwork.state.members_for(WS) if m["team_name"] == team and m["id"] != 1009
    )
    outsider = next(m["id"] for m in webwork.state.members_for(WS) if m["team_name"] != team)

    def region(member_id):
        m = _member(webwork, member_id)
        return regions.for_member(
            Member(id=member_id, email="", first_name="", last_name="", team_name=m["team_name"])
        )

    assert region(1009) == ("ES", "")
    assert region(teammate) == ("FR", "")
    assert region(outsider) == ("GB", "ENG")


@pytest.mark.clock("2027-10-01T10:00Z")
def test_the_calendar_marks_a_members_own_holidays_on_their_row(manager_client, webwork):
    _save_workspace_region(manager_client)
    _give(manager_client, "member:1009", "ES")
    month = calendar_get(user_id=1, workspace_id=WS, first=MONTH)
    rows = {row.member_id: row for team in month.teams for row in team.rows}
    assert (SPAIN_ONLY.day, "Fiesta Nacional de España") in rows[1009].holidays
    assert rows[1013].holidays == []  # the workspace's holidays are the day columns' shading
    html = manager_client.get(f"/w/{WS}/calendar/?month=2027-10").content.decode()
    assert "public holiday, Fiesta Nacional de España" in html
    # The phone's agenda lists that day, naming whose holiday it is.
    (day,) = [item for item in month.agenda if item.day.date == SPAIN_ONLY]
    assert day.member_holidays == ((rows[1009].name, "Fiesta Nacional de España"),)
    agenda = html[html.index('class="agenda"') :]
    assert f"{rows[1009].name}: public holiday, Fiesta Nacional de España" in agenda


@pytest.mark.clock("2027-10-01T10:00Z")
def test_the_inbox_notes_the_holidays_of_the_members_own_region(manager_client, webwork):
    _save_workspace_region(manager_client)
    _give(manager_client, "member:1009", "ES")
    annual = next(p["id"] for p in webwork.state.policies_for(WS) if p["name"] == "Annual leave")
    for member_id in (1009, 1013):
        webwork.state.add_leave(
            WS, member_id, dt.date(2027, 10, 11), dt.date(2027, 10, 13), policy_id=annual
        )
    inbox = manager_client.get(f"/w/{WS}/?shown=1000").context["inbox"]
    notes = {
        row.leave.user_id: row.duration.note
        for row in inbox.rows
        if row.leave.start_date == dt.date(2027, 10, 11)
    }
    assert "Fiesta Nacional de España" in notes[1009]
    assert notes[1013] == ""


def test_working_days_leave_out_the_members_own_holidays():
    leave = Leave(id="x", start_date=dt.date(2027, 10, 11), end_date=dt.date(2027, 10, 13))
    assert leave_amount(leave, None, {}).value == 3
    spain = holidays_between(("ES", ""), leave.start_date, leave.end_date)
    assert leave_amount(leave, None, spain).value == 2


def test_an_unknown_region_is_a_form_error_that_keeps_the_choice(manager_client):
    response = _give(manager_client, "member:1009", "ES", "ZZ")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Unknown region for ES" in html
    assert '<option value="member:1009" selected>' in html
    assert '<option value="ES" selected>' in html
    assert not HolidayRegionOverride.objects.exists()
    bad_country = _give(manager_client, "member:1009", "XX")
    assert "Select a valid choice" in bad_country.content.decode()
    assert not HolidayRegionOverride.objects.exists()


def test_without_a_country_the_settings_propose_the_one_of_the_members_zones(
    manager_client, webwork
):
    active = [m for m in webwork.state.members_for(WS) if m["status"] == "active"]
    expected = most_used_country(m["timezone"] for m in active)
    assert expected
    html = manager_client.get(f"/w/{WS}/settings/").content.decode()
    assert f'<option value="{expected}" selected>' in html
    assert "Proposed from the time zones your members have in WebWork" in html


def test_removing_a_members_region_gives_them_the_workspaces_again(manager_client):
    _save_workspace_region(manager_client)
    _give(manager_client, "member:1009", "ES")
    row = HolidayRegionOverride.objects.get()
    response = manager_client.post(f"/w/{WS}/settings/holidays/{row.pk}/delete/")
    assert response.status_code == 302
    assert holiday_regions(workspace_id=WS).members == {}


@pytest.mark.clock("2027-09-20T10:00Z")
def test_a_members_own_holidays_are_not_charged_to_their_balance(manager_client, webwork):
    """A Monday-Tuesday leave over Spain's 12 October costs a member based in Spain one day,
    and a colleague of the workspace's region two."""
    from django.contrib.auth import get_user_model

    from dashboard.selectors.projection_reads import leave_projection
    from dashboard.webwork import Leave

    _save_workspace_region(manager_client)
    assert _give(manager_client, "member:1009", "ES").status_code == 302
    annual = next(p for p in webwork.state.policies_for(WS) if p["name"] == "Annual leave")
    manager = get_user_model().objects.get(email="manager@sandbox.test")
    manager_client.get(f"/w/{WS}/")  # the inbox reads the members, as pages do

    def cost(member_id: int):
        created = webwork.state.add_leave(
            WS, member_id, SPAIN_ONLY - dt.timedelta(days=1), SPAIN_ONLY, policy_id=annual["id"]
        )
        leave = Leave.from_api(webwork.state.leave(created["id"]))
        (year,) = leave_projection(user_id=manager.pk, workspace_id=WS, leave=leave).years
        return year.now - year.after_this

    colleague = next(
        m["id"]
        for m in webwork.state.members_for(WS)
        if m["id"] not in (1009, 1002) and m["status"] == "active"
    )
    assert cost(1009) == 1
    assert cost(colleague) == 2
