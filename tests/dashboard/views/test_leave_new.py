"""Filing a request on a member's behalf: day- or hour-based, errors by their fields."""

import datetime as dt

import pytest

pytestmark = pytest.mark.django_db

WS = 1
HTMX = {"HX-Request": "true"}


def _policy(webwork, **match) -> dict:
    return next(
        p for p in webwork.state.policies_for(WS) if all(p[k] == v for k, v in match.items())
    )


def _free_day(webwork, member_id: int, weeks_ahead: int = 30) -> dt.date:
    day = dt.date.today() + dt.timedelta(weeks=weeks_ahead)
    day -= dt.timedelta(days=day.weekday() - 1)  # a Tuesday
    taken = webwork.state.leaves_for(WS, user_id=member_id)
    while any(
        lv["start_date"] <= day.isoformat() <= (lv.get("end_date") or lv["start_date"])
        for lv in taken
    ):
        day += dt.timedelta(days=7)
    return day


def _errors(response) -> list[str]:
    html = response.content.decode()
    return [part.split("<", 1)[0] for part in html.split('class="field__error"')[1:]]


def _form(client) -> str:
    html = client.get("/w/1/leaves/new/").content.decode()
    marker = 'name="request_key" value="'
    return html[html.index(marker) + len(marker) :].split('"', 1)[0]


def test_form_offers_members_and_policies(manager_client, webwork):
    html = manager_client.get("/w/1/leaves/new/").content.decode()
    assert "Annual leave" in html
    assert "Medical appointment" in html
    assert webwork.state.members_for(WS)[3]["lastname"] in html


def test_choosing_an_hour_based_policy_switches_the_fields(manager_client, webwork):
    hours = _policy(webwork, time_unit="hours")
    html = manager_client.post(
        "/w/1/leaves/new/",
        {"_switch": "1", "policy": hours["id"], "member": "1010", "reason": "typed"},
        headers=HTMX,
    ).content.decode()
    assert 'name="start_time"' in html
    assert 'name="first_day"' not in html
    assert 'name="start"' not in html
    assert "typed</textarea>" in html
    assert "field__error" not in html  # switching never shows errors


def test_day_based_request_is_filed_and_shown(manager_client, webwork):
    annual = _policy(webwork, name="Annual leave")
    start = _free_day(webwork, 1010)
    response = manager_client.post(
        "/w/1/leaves/new/",
        {
            "member": 1010,
            "policy": annual["id"],
            "start": start.isoformat(),
            "end": (start + dt.timedelta(days=1)).isoformat(),
            "leave_period": 0,
            "request_key": _form(manager_client),
        },
    )
    assert response.status_code == 302
    created = [
        lv
        for lv in webwork.state.leaves_for(WS, user_id=1010)
        if lv["start_date"] == start.isoformat()
    ]
    assert len(created) == 1
    assert f"highlight={created[0]['id']}" in response["Location"]
    page = manager_client.get(response["Location"]).content.decode()
    assert "Request filed" in page
    assert f'<tr id="row-{created[0]["id"]}" class="highlight"' in page


def test_hour_based_request_is_filed(manager_client, webwork):
    hours = _policy(webwork, time_unit="hours")
    day = _free_day(webwork, 1012)
    response = manager_client.post(
        "/w/1/leaves/new/",
        {
            "member": 1012,
            "policy": hours["id"],
            "date": day.isoformat(),
            "start_time": "09:30",
            "end_time": "11:00",
            "reason": "Dentist",
            "request_key": _form(manager_client),
        },
    )
    assert response.status_code == 302, _errors(response)
    created = [
        lv
        for lv in webwork.state.leaves_for(WS, user_id=1012)
        if lv["start_date"] == day.isoformat()
    ]
    assert created[0]["start_time"] == "09:30"
    assert created[0]["end_time"] == "11:00"


def test_form_errors_appear_by_their_fields_and_keep_what_was_typed(manager_client, webwork):
    sick = _policy(webwork, name="Sick leave")
    response = manager_client.post(
        "/w/1/leaves/new/",
        {
            "member": 1010,
            "policy": sick["id"],
            "start": "2027-03-10",
            "end": "2027-03-08",
            "request_key": _form(manager_client),
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "The last day can" in html
    assert "Sick leave needs a reason" in html
    assert 'value="2027-03-10"' in html
    assert 'value="2027-03-08"' in html
    assert webwork.state.calls.count(method="POST", path="^/api/v2/leaves$") == 0


def test_webwork_validation_errors_appear_by_the_matching_field(manager_client, webwork):
    annual = _policy(webwork, name="Annual leave")
    taken = next(
        lv for lv in webwork.state.leaves_for(WS, user_id=1010) if lv["status"] == "approved"
    )
    response = manager_client.post(
        "/w/1/leaves/new/",
        {
            "member": 1010,
            "policy": annual["id"],
            "start": taken["start_date"],
            "end": taken["start_date"],
            "request_key": _form(manager_client),
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert webwork.state.calls.count(method="POST", path="^/api/v2/leaves$") == 1
    start_field = html[html.index('for="id_start"') :][:800]
    assert "field__error" in start_field
    assert f'value="{taken["start_date"]}"' in html


def test_member_search_narrows_the_member_list(manager_client, webwork):
    member = webwork.state.members_for(WS)[7]
    html = manager_client.post(
        "/w/1/leaves/new/",
        {"_switch": "1", "member_q": member["lastname"]},
        headers=HTMX,
    ).content.decode()
    options = html.count('<option value="10')
    assert 1 <= options < len(webwork.state.members_for(WS))
    assert member["lastname"] in html
