"""The team calendar: bars, half days, hours, pending, holidays, filters, upstream budget."""

import datetime as dt
import math

import pytest

from dashboard.dates import parse_month
from dashboard.read_models.calendar import calendar_get
from dashboard.selectors import workspace_today

pytestmark = pytest.mark.django_db

WS = 1
HTMX = {"HX-Request": "true"}
MONTH = dt.date(2027, 5, 1)  # May 2027: UK bank holidays on 3 and 31 May


@pytest.fixture
def may(webwork, manager_client):
    """Known leaves in May 2027 for members of one team."""
    state = webwork.state
    annual = next(p["id"] for p in state.policies_for(WS) if p["name"] == "Annual leave")
    hours = next(p["id"] for p in state.policies_for(WS) if p["time_unit"] == "hours")
    return {
        "multi": state.add_leave(
            WS,
            1009,
            dt.date(2027, 5, 10),
            dt.date(2027, 5, 12),
            policy_id=annual,
            status="approved",
            decided_by=1001,
        ),
        "half": state.add_leave(
            WS,
            1013,
            dt.date(2027, 5, 18),
            dt.date(2027, 5, 18),
            policy_id=annual,
            status="approved",
            leave_period=2,
            decided_by=1001,
        ),
        "hours": state.add_leave(
            WS,
            1003,
            dt.date(2027, 5, 19),
            policy_id=hours,
            status="approved",
            start_time="09:00",
            end_time="11:30",
            decided_by=1001,
        ),
        "pending": state.add_leave(
            WS, 1009, dt.date(2027, 5, 24), dt.date(2027, 5, 25), policy_id=annual
        ),
        "across": state.add_leave(
            WS,
            1013,
            dt.date(2027, 4, 29),
            dt.date(2027, 5, 4),
            policy_id=annual,
            status="approved",
            decided_by=1001,
        ),
        "rejected": state.add_leave(
            WS,
            1003,
            dt.date(2027, 5, 26),
            policy_id=annual,
            status="rejected",
            decided_by=1001,
            reject_reason="no",
        ),
    }


def _bars(month, member_id):
    row = next(r for team in month.teams for r in team.rows if r.member_id == member_id)
    return {bar.leave_id: bar for bar in row.bars}


def test_month_has_bars_half_days_hours_and_pending(may, webwork, manager_client):
    month = calendar_get(user_id=1, workspace_id=WS, first=MONTH)
    assert len(month.days) == 31
    multi = _bars(month, 1009)[may["multi"]["id"]]
    assert (multi.start, multi.span, multi.pending) == (10, 3, False)
    assert multi.label == "Annual leave"
    assert _bars(month, 1009)[may["pending"]["id"]].pending
    assert _bars(month, 1013)[may["half"]["id"]].half == "pm"
    # Yuki works in Tokyo; read from UTC, her hours name her zone.
    assert _bars(month, 1003)[may["hours"]["id"]].hours == "09:00–11:30 Tokyo time"
    across = _bars(month, 1013)[may["across"]["id"]]
    assert (across.start, across.span, across.continues_before) == (1, 4, True)
    assert may["rejected"]["id"] not in _bars(month, 1003)
    assert month.days[9].out_count >= 1  # 10 May


def test_holidays_of_the_chosen_country_are_shaded_and_named(may, manager_client):
    response = manager_client.post(
        "/w/1/settings/", {"holiday_country": "GB", "holiday_subdivision": "eng"}
    )
    assert response.status_code == 302
    month = calendar_get(user_id=1, workspace_id=WS, first=MONTH)
    holidays = {day.date.day: day.holiday for day in month.days if day.holiday}
    assert set(holidays) == {3, 31}
    html = manager_client.get("/w/1/calendar/?month=2027-05").content.decode()
    assert "is-holiday" in html
    assert "Spring Bank Holiday" in html


def test_unknown_subdivision_is_refused_with_a_hint(manager_client, webwork):
    response = manager_client.post(
        "/w/1/settings/", {"holiday_country": "GB", "holiday_subdivision": "XX"}
    )
    assert response.status_code == 200
    assert "Unknown region for GB" in response.content.decode()


def test_page_shows_wallchart_and_agenda_and_filters(may, manager_client):
    html = manager_client.get("/w/1/calendar/?month=2027-05").content.decode()
    assert 'class="wallchart days-31"' in html
    assert "cs-10 sp-3" in html
    assert "bar--pending" in html
    assert "bar--pm" in html
    assert "09:00–11:30" in html
    assert 'class="agenda"' in html
    assert "Monday 10 May" in html
    team = "Engineering"
    filtered = manager_client.get(f"/w/1/calendar/?month=2027-05&team={team}").content.decode()
    assert "Customer Success" not in filtered.split('class="wc-body"')[1].split("wc-foot")[0]


def test_htmx_navigation_returns_only_the_calendar(may, manager_client):
    html = manager_client.get("/w/1/calendar/?month=2027-06", headers=HTMX).content.decode()
    assert html.lstrip().startswith('<div id="calendar"')
    assert "<html" not in html
    assert "<body" not in html
    assert "June 2027" in html
    # The fragment carries the new document title, which htmx applies on swap.
    assert "<title>Calendar · June 2027 · WebWork Leave Dashboard</title>" in html


@pytest.mark.parametrize("raw", ["", "2027-13", "abc", "99999-01", "2027-05-01"])
def test_bad_month_values_fall_back_to_this_month(raw):
    today = dt.date(2026, 11, 28)
    assert parse_month(raw, today) == dt.date(2026, 11, 1)


@pytest.mark.sandbox_seed(members=500, teams=20, leaves=5000)
def test_cold_month_costs_at_most_the_budget_and_warm_costs_nothing(webwork, manager_client):
    webwork.state.config.update(rate_limit=0)
    webwork.state.calls.clear()
    today = dt.date.today()
    month = f"{today:%Y-%m}"
    assert manager_client.get(f"/w/1/calendar/?month={month}").status_code == 200
    first = today.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    leaves = [
        lv
        for lv in webwork.state.leaves_for(WS)
        if lv["start_date"] <= last.isoformat()
        and (lv.get("end_date") or lv["start_date"]) >= first.isoformat()
    ]
    members = len(webwork.state.members_for(WS))
    budget = math.ceil(len(leaves) / 100) + math.ceil(members / 100) + 1
    cold = webwork.state.calls.count(path="^/api/v2/")
    assert cold <= budget, (cold, budget)
    webwork.state.calls.clear()
    assert manager_client.get(f"/w/1/calendar/?month={month}").status_code == 200
    assert webwork.state.calls.count(path="^/api/v2/") <= 1


def test_the_cached_grid_follows_every_input_it_depends_on(may, webwork, manager_client):
    """The grid's HTML is cached; settings, decisions and new data each show at once."""
    url = "/w/1/calendar/?month=2027-05"
    before = manager_client.get(url).content.decode()
    assert "Spring Bank Holiday" not in before
    assert manager_client.get(url).content.decode().count("bar--pending") == before.count(
        "bar--pending"
    )
    manager_client.post("/w/1/settings/", {"holiday_country": "GB", "holiday_subdivision": ""})
    assert "Spring Bank Holiday" in manager_client.get(url).content.decode()

    pending = may["pending"]
    shown = manager_client.get(url).content.decode().count("bar--pending")
    # The second tap, should the balance go below zero that day: the cache is what is tested.
    manager_client.post(
        f"/w/1/leaves/{pending['id']}/approve/", {"confirm_negative": "1"}, headers=HTMX
    )
    assert manager_client.get(url).content.decode().count("bar--pending") < shown


def test_on_a_phone_the_current_month_starts_at_today(may, manager_client):
    """Days before today fold away under "Earlier in <month>"; other months show every day."""
    mid = MONTH + dt.timedelta(days=14)
    month = calendar_get(user_id=1, workspace_id=WS, first=MONTH, today=mid)
    assert month.agenda_earlier
    assert all(item.day.date < mid for item in month.agenda_earlier)
    assert month.agenda_from_today[0].day.date == mid  # today is always listed
    assert len(month.agenda_earlier) + len(month.agenda_from_today) == len(month.agenda)
    other = calendar_get(
        user_id=1, workspace_id=WS, first=MONTH, today=MONTH - dt.timedelta(days=1)
    )
    assert other.agenda_earlier == []
    assert other.agenda_from_today == other.agenda


EARLIER = 'aria-label="Who was out earlier this month"'


@pytest.mark.clock("2027-05-15T10:00Z")
def test_the_phone_agenda_folds_the_days_before_today(may, manager_client):
    """Mid-May: 10-12 May (someone out) fold away; today, Saturday 15 May, is listed."""
    html = manager_client.get("/w/1/calendar/").content.decode()
    assert "May 2027" in html
    earlier = html[html.index(EARLIER) : html.index("</ol>", html.index(EARLIER))]
    assert "Monday 10 May" in earlier
    assert "Saturday 15 May" not in earlier
    today = html[html.index('class="agenda__day is-today"') :]
    assert "Saturday 15 May" in today[: today.index("</li>")]


@pytest.mark.clock("2027-05-01T10:00Z")
def test_on_the_first_of_the_month_nothing_is_folded(may, manager_client):
    html = manager_client.get("/w/1/calendar/").content.decode()
    assert "May 2027" in html
    assert EARLIER not in html
    today = html[html.index('class="agenda__day is-today"') :]
    assert "Saturday 1 May" in today[: today.index("</li>")]


@pytest.mark.parametrize("raw", ["2027-13", "May", "<b>x</b>", "99999-01"])
def test_a_month_not_understood_is_said_and_this_month_shown(manager_client, webwork, raw):
    html = manager_client.get("/w/1/calendar/", {"month": raw}).content.decode()
    assert "wasn't understood (use YYYY-MM" in html
    assert "<b>x</b>" not in html
    this_month = workspace_today(workspace_id=1)  # in the workspace's zone, not the server's
    assert f"<h1>{this_month:%B %Y}</h1>" in html


def test_a_good_month_says_nothing_about_understanding(manager_client, webwork):
    html = manager_client.get("/w/1/calendar/", {"month": "2027-03"}).content.decode()
    assert "understood" not in html
