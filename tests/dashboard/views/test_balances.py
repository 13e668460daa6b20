"""Balances: parsed values, negatives standing out, search and team filter, refresh."""

import pytest

pytestmark = pytest.mark.django_db

WS = 1
HTMX = {"HX-Request": "true"}


def test_table_shows_each_member_by_policy_with_its_age(manager_client, webwork):
    html = manager_client.get("/w/1/balances/").content.decode()
    policies = [p["name"] for p in webwork.state.policies_for(WS)]
    header = html[html.index("<thead>") : html.index("</thead>")]
    assert all(name in header for name in policies)
    assert "As of" in html
    assert "(just now)" in html
    active = [m for m in webwork.state.members_for(WS) if m["status"] == "active"]
    assert html.count('<th scope="row">') == len(active)


def test_negative_balances_stand_out(manager_client, webwork):
    sick = next(p for p in webwork.state.policies_for(WS) if p["allow_negative_balance"])
    import datetime as dt

    year = dt.date.today().year
    start = dt.date(year, 1, 4)
    webwork.state.add_leave(
        WS,
        1009,
        start,
        start + dt.timedelta(days=30),
        policy_id=sick["id"],
        status="approved",
        decided_by=1001,
    )
    html = manager_client.get("/w/1/balances/").content.decode()
    assert 'class="row--negative"' in html
    assert "(negative)" in html
    assert "with a negative balance" in html


def test_search_and_team_filter(manager_client, webwork):
    member = next(m for m in webwork.state.members_for(WS) if m["id"] == 1013)
    html = manager_client.get("/w/1/balances/", {"q": member["firstname"]}).content.decode()
    assert member["lastname"] in html
    assert html.count('<th scope="row">') < 10
    team = manager_client.get("/w/1/balances/", {"team": "Design"}, headers=HTMX).content.decode()
    assert team.lstrip().startswith('<div id="table"')
    assert "Engineering" not in team


def test_refresh_refetches_and_returns_the_fresh_table(manager_client, webwork):
    manager_client.get("/w/1/balances/")
    webwork.state.calls.clear()
    response = manager_client.post("/w/1/balances/refresh/", headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert webwork.state.calls.count(path="^/api/v2/leaves/balances$") == 1
    # Without a broker the refresh ran inline, so the table is already fresh: no polling.
    assert 'hx-trigger="load delay:2s"' not in html
    assert "(just now)" in html


def test_polling_stops_when_data_newer_than_the_request_arrives(manager_client, webwork):
    import time

    manager_client.get("/w/1/balances/")
    waiting = manager_client.get(f"/w/1/balances/?since={time.time() + 5:.3f}", headers=HTMX)
    assert "Refreshing from WebWork" in waiting.content.decode()
    assert 'hx-trigger="load delay:2s"' in waiting.content.decode()
    done = manager_client.get(f"/w/1/balances/?since={time.time() - 60:.3f}", headers=HTMX)
    assert 'hx-trigger="load delay:2s"' not in done.content.decode()


def test_policies_page_lists_every_policy_with_its_rules(manager_client, webwork):
    html = manager_client.get("/w/1/policies/").content.decode()
    for policy in webwork.state.policies_for(WS):
        assert policy["name"] in html
    assert "Hours" in html
    assert "Unpaid" in html
    assert "Required" in html
