"""Small things found while trying the dashboard: the badge and the waiting line."""

import datetime as dt
import re

import pytest

pytestmark = pytest.mark.django_db

WS = 1
HTMX = {"HX-Request": "true"}


def _badge(html: str) -> int | None:
    found = re.search(r'id="pending-badge"[^>]*>(?:<span class="badge"[^>]*>(\d+)</span>)?', html)
    assert found, "the navigation's badge is on the page"
    return int(found.group(1)) if found.group(1) else None


def test_the_badge_stays_after_filing_a_request(manager_client, webwork):
    waiting = len(webwork.state.leaves_for(WS, status="pending"))
    assert _badge(manager_client.get("/w/1/").content.decode()) == waiting
    member = next(m for m in webwork.state.members_for(WS) if m["status"] == "active")
    annual = next(p for p in webwork.state.policies_for(WS) if p["name"] == "Annual leave")
    day = dt.date.today() + dt.timedelta(weeks=60)
    day -= dt.timedelta(days=day.weekday())
    response = manager_client.post(
        "/w/1/leaves/new/",
        {"member": member["id"], "policy": annual["id"], "start": day, "end": day},
        follow=True,
    )
    assert "Request filed" in response.content.decode()
    assert _badge(response.content.decode()) is not None
    for page in ("/w/1/calendar/", "/w/1/balances/", "/w/1/policies/", "/w/1/settings/"):
        assert _badge(manager_client.get(page).content.decode()) is not None, page


def test_the_waiting_line_and_the_badge_change_together_after_a_decision(manager_client, webwork):
    html = manager_client.get("/w/1/").content.decode()
    waiting = len(webwork.state.leaves_for(WS, status="pending"))
    assert 'id="pending-line"' in html
    row = re.search(r'<li id="leave-([0-9a-f-]{36})" class="request">', html).group(1)
    answer = manager_client.post(
        f"/w/1/leaves/{row}/reject/", {"reason": "Busy week"}, headers=HTMX
    ).content.decode()
    assert 'id="pending-badge" hx-swap-oob="true"' in answer
    line = re.search(r'<p id="pending-line"[^>]*hx-swap-oob="true"[^>]*>(.*?)</p>', answer, re.S)
    assert line, "the waiting line comes out of band with the row"
    assert f"{waiting - 1} requests waiting" in line.group(1)
