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


def _annual(webwork) -> dict:
    return next(p for p in webwork.state.policies_for(WS) if p["name"] == "Annual leave")


def _rows(html: str) -> list[str]:
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return body.split("<tr")[1:]


@pytest.mark.clock("2027-05-15T10:00Z")
def test_one_policy_shows_allowance_used_pending_and_remaining(manager_client, webwork):
    import datetime as dt

    annual = _annual(webwork)
    member = next(
        m
        for m in webwork.state.members_for(WS)
        if m["status"] == "active" and m["current_role"] == "Regular User"
    )
    for leave in webwork.state.leaves_for(WS):
        if leave["user_id"] == member["id"] and leave["status"] != "rejected":
            webwork.state.decide(leave["id"], "rejected", by_user_id=1001, reason="tidy")
    # Approved: Mon 3 - Fri 7 May (5 days); pending: Tue 1 - Wed 2 June (2 days).
    webwork.state.add_leave(
        WS,
        member["id"],
        dt.date(2027, 5, 3),
        dt.date(2027, 5, 7),
        policy_id=annual["id"],
        status="approved",
        decided_by=1001,
    )
    webwork.state.add_leave(
        WS, member["id"], dt.date(2027, 6, 1), dt.date(2027, 6, 2), policy_id=annual["id"]
    )
    name = f"{member['firstname']} {member['lastname']}"
    html = manager_client.get(
        "/w/1/balances/", {"policy": annual["id"], "q": member["firstname"]}
    ).content.decode()
    header = html[html.index("<thead>") : html.index("</thead>")]
    for label in ("Allowance", "Used", "Pending", "Remaining"):
        assert label in header
    row = next(r for r in _rows(html) if name in r)
    cells = [c.split("</td>")[0] for c in row.split('<td class="num">')[1:]]
    assert cells == ["25 days", "5 days", "2 days", "20 days"]


def test_sorting_by_a_column_is_done_on_the_server_both_ways(manager_client, webwork):
    annual = _annual(webwork)
    url = "/w/1/balances/"
    ascending = manager_client.get(
        url, {"policy": annual["id"], "sort": "remaining", "dir": "asc"}
    ).content.decode()
    descending = manager_client.get(
        url, {"policy": annual["id"], "sort": "remaining", "dir": "desc"}
    ).content.decode()

    def remaining(html):
        values = []
        for row in _rows(html):
            cell = row.split('<td class="num">')[4].split("</td>")[0]
            number = cell.replace('<span class="negative"><span aria-hidden="true">▼ </span>', "")
            values.append(float(number.split(" ")[0].replace("\u2212", "-")))
        return values

    assert remaining(ascending) == sorted(remaining(ascending))
    assert remaining(descending) == sorted(remaining(ascending), reverse=True)
    assert 'aria-sort="descending"' in descending
    # The header link sorts the other way next, keeping the filters.
    assert f"policy={annual['id']}&amp;sort=remaining&amp;dir=asc" in descending


def test_an_unknown_sort_falls_back_to_team_and_name(manager_client, webwork):
    response = manager_client.get("/w/1/balances/", {"sort": "<script>", "dir": "sideways"})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("<thead>")[1]


def test_csv_export_is_what_is_shown_filters_order_and_columns(manager_client, webwork):
    import csv
    import io

    annual = _annual(webwork)
    query = {"policy": annual["id"], "sort": "used", "dir": "desc", "team": "Engineering"}
    page = manager_client.get("/w/1/balances/", query).content.decode()
    shown = [r.split('<span class="cell-name">')[1].split("</span>")[0] for r in _rows(page)]
    response = manager_client.get("/w/1/balances/export.csv", query)
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())  # Excel on Windows reads it as UTF-8
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["Member", "Team", "Allowance", "Used", "Pending", "Remaining"]
    assert [r[0] for r in rows[1:]] == [name.replace("&#x27;", "'") for name in shown]
    assert {r[1] for r in rows[1:]} == {"Engineering"}
    used = [float(r[3]) for r in rows[1:]]
    assert used == sorted(used, reverse=True)
