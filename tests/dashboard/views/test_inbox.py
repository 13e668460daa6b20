"""The inbox: pending requests with what a manager needs, inline approve and reject."""

import datetime as dt
import re

import pytest
import time_machine

from dashboard.read_models.inbox import PAGE_SIZE

pytestmark = pytest.mark.django_db

WS = 1
HTMX = {"HX-Request": "true"}


def _oldest_pending(webwork) -> dict:
    pending = webwork.state.leaves_for(WS, status="pending")
    return min(pending, key=lambda lv: (lv["created_at"], lv["id"]))


def test_inbox_lists_pending_requests_oldest_first_with_details(manager_client, webwork):
    response = manager_client.get("/w/1/")
    html = response.content.decode()
    pending = _pending_in_order(webwork)
    assert _row_ids(html) == [lv["id"] for lv in pending[:PAGE_SIZE]]
    positions = [html.index(f'id="leave-{lv["id"]}"') for lv in pending[:PAGE_SIZE]]
    assert f"{len(pending)} requests waiting" in html
    first = pending[0]
    member = next(m for m in webwork.state.members_for(WS) if m["id"] == first["user_id"])
    row = html[positions[0] : positions[1]]
    assert member["firstname"] in row
    assert first["policy_name"] in row
    assert "Waiting" in row
    assert "Balance" in row
    assert "Also off in team" in row


def test_member_note_is_escaped(manager_client, webwork):
    leave = _oldest_pending(webwork)
    webwork.state.leaves[leave["id"]].note = '<img src=x onerror="alert(1)">'
    html = manager_client.get("/w/1/").content.decode()
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert '<img src=x onerror="alert(1)">' not in html


def test_team_overlap_names_teammates_off_on_the_same_days(manager_client, webwork):
    members = webwork.state.members_for(WS)
    team = members[10]["team_name"]
    mates = [m for m in members if m["team_name"] == team and m["current_role"] == "Regular User"]
    start = dt.date.today() + dt.timedelta(days=10)
    # Filed before any other, so it is the inbox's first row however many are waiting.
    asking = webwork.state.add_leave(
        WS,
        mates[0]["id"],
        start,
        start + dt.timedelta(days=2),
        created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
    )
    webwork.state.add_leave(
        WS, mates[1]["id"], start + dt.timedelta(days=1), status="approved", decided_by=1001
    )
    html = manager_client.get("/w/1/").content.decode()
    row = html[html.index(f'id="leave-{asking["id"]}"') :]
    row = row[: row.index("</li>")]
    assert mates[1]["firstname"] in row


def test_htmx_approve_swaps_the_row_and_updates_the_badge(manager_client, webwork):
    manager_client.get("/w/1/")
    leave = _oldest_pending(webwork)
    count_before = len(webwork.state.leaves_for(WS, status="pending"))
    response = manager_client.post(f"/w/1/leaves/{leave['id']}/approve/", headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li id="leave-{leave["id"]}"')
    assert re.search(r"Approved\s+by you at \d\d:\d\d", html)
    assert 'id="pending-badge" hx-swap-oob="true"' in html
    assert f">{count_before - 1}</span>" in html
    assert "Approve</button>" not in html
    assert webwork.state.leave(leave["id"])["status"] == "approved"
    assert "toast" in html  # the outcome is also announced out of band


def test_plain_post_approve_redirects_back_with_a_message(manager_client, webwork):
    leave = _oldest_pending(webwork)
    response = manager_client.post(f"/w/1/leaves/{leave['id']}/approve/", {"next": "/w/1/"})
    assert response.status_code == 302
    assert response["Location"] == "/w/1/"
    page = manager_client.get("/w/1/").content.decode()
    assert "Approved." in page
    assert webwork.state.leave(leave["id"])["status"] == "approved"


def test_next_cannot_send_you_off_site(manager_client, webwork):
    leave = _oldest_pending(webwork)
    response = manager_client.post(
        f"/w/1/leaves/{leave['id']}/approve/", {"next": "https://evil.test/"}
    )
    assert response["Location"] == "/w/1/"


def test_reject_without_reason_keeps_the_row_open_with_an_error(manager_client, webwork):
    leave = _oldest_pending(webwork)
    response = manager_client.post(
        f"/w/1/leaves/{leave['id']}/reject/", {"reason": "   "}, headers=HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Give a reason" in html
    assert '<details class="reject" open>' in html
    assert webwork.state.leave(leave["id"])["status"] == "pending"
    assert webwork.state.calls.count(method="PUT") == 0


def test_htmx_reject_with_reason_swaps_the_row(manager_client, webwork):
    leave = _oldest_pending(webwork)
    response = manager_client.post(
        f"/w/1/leaves/{leave['id']}/reject/", {"reason": "Release week <b>"}, headers=HTMX
    )
    html = response.content.decode()
    assert "Rejected" in html
    assert "Release week &lt;b&gt;" in html
    assert webwork.state.leave(leave["id"])["reject_reason"] == "Release week <b>"


def test_decided_elsewhere_shows_the_real_state_and_who(manager_client, webwork):
    manager_client.get("/w/1/")
    leave = _oldest_pending(webwork)
    webwork.state.decide(leave["id"], "approved", by_user_id=1001)
    html = manager_client.post(
        f"/w/1/leaves/{leave['id']}/reject/", {"reason": "No"}, headers=HTMX
    ).content.decode()
    assert "Approved" in html
    assert "Amara Okafor" in html
    assert webwork.state.leave(leave["id"])["status"] == "approved"


def test_double_tap_sends_one_decision(manager_client, webwork):
    leave = _oldest_pending(webwork)
    for _ in range(2):
        manager_client.post(f"/w/1/leaves/{leave['id']}/approve/", headers=HTMX)
    assert webwork.state.calls.count(method="PUT", path=leave["id"]) == 1


def test_get_on_an_action_is_405(manager_client, webwork):
    leave = _oldest_pending(webwork)
    assert manager_client.get(f"/w/1/leaves/{leave['id']}/approve/").status_code == 405


def test_empty_inbox_says_what_to_do(manager_client, webwork):
    for leave in webwork.state.leaves_for(WS, status="pending"):
        webwork.state.decide(leave["id"], "approved", by_user_id=1001)
    html = manager_client.get("/w/1/").content.decode()
    assert "All caught up" in html


def test_webwork_down_with_nothing_cached_shows_a_retry_page_not_a_500(manager_client, webwork):
    webwork.state.add_fault(path="^/api/v2/", status=503)
    response = manager_client.get("/w/1/")
    assert response.status_code == 200
    assert "Pending requests can" in response.content.decode()
    assert "Try again" in response.content.decode()


def test_webwork_down_after_a_visit_shows_the_last_good_data(manager_client, webwork):
    manager_client.get("/w/1/")
    ids = [lv["id"] for lv in _pending_in_order(webwork)[:PAGE_SIZE]]
    webwork.state.add_fault(path="^/api/v2/", status=503)
    # Four minutes later the cached list is stale (fresh for 1, kept for 15); WebWork is down.
    # (Who may see the workspace is still confirmed: ACCESS_RECHECK_SECONDS is five minutes.)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=4)
    with time_machine.travel(later, tick=True):
        response = manager_client.get("/w/1/")
    html = response.content.decode()
    assert response.status_code == 200
    assert all(f'id="leave-{leave_id}"' in html for leave_id in ids)
    assert "Showing data from" in html


def _pending_in_order(webwork) -> list[dict]:
    return sorted(
        webwork.state.leaves_for(WS, status="pending"), key=lambda lv: (lv["created_at"], lv["id"])
    )


def _row_ids(html: str) -> list[str]:
    return re.findall(r'<li id="leave-([0-9a-f-]+)"', html)


@pytest.mark.sandbox_seed(members=120, teams=6, leaves=1500)
def test_a_long_inbox_shows_the_oldest_slice_and_more_on_request(manager_client, webwork):
    size = PAGE_SIZE
    pending = _pending_in_order(webwork)
    assert len(pending) > 3 * size  # the seed is large enough for several slices
    html = manager_client.get("/w/1/").content.decode()
    assert _row_ids(html) == [lv["id"] for lv in pending[:size]]
    assert f"{len(pending)} requests waiting, oldest first. Showing the oldest {size}." in html
    assert f"Show {size} more" in html
    assert f"({len(pending) - size} not shown)" in html
    # Without JavaScript: the page again, with more shown; with htmx: the next rows only.
    assert f'href="/w/1/?shown={2 * size}"' in html
    assert f'hx-get="/w/1/?start={size}"' in html

    more = manager_client.get(f"/w/1/?start={size}", headers=HTMX).content.decode()
    assert "<html" not in more
    assert _row_ids(more) == [lv["id"] for lv in pending[size : 2 * size]]
    assert f'hx-get="/w/1/?start={2 * size}"' in more
    assert "data-focus-after-swap" in more.split("</li>")[0]  # keyboard focus: first new row

    longer = manager_client.get(f"/w/1/?shown={2 * size}").content.decode()
    assert _row_ids(longer) == [lv["id"] for lv in pending[: 2 * size]]

    last = manager_client.get(f"/w/1/?start={len(pending) - 3}", headers=HTMX).content.decode()
    assert _row_ids(last) == [lv["id"] for lv in pending[-3:]]
    assert "requests__more" not in last


@pytest.mark.sandbox_seed(members=120, teams=6, leaves=1500)
def test_the_navigation_count_comes_from_the_cache_and_follows_decisions(manager_client, webwork):
    manager_client.get("/w/1/")
    pending = _pending_in_order(webwork)
    webwork.state.calls.clear()
    html = manager_client.get("/w/1/policies/").content.decode()
    assert f'aria-label="{len(pending)} pending"' in html
    # Someone else's request, with the second tap: the decision rules let it through any day.
    other = next(leave for leave in pending if leave["user_id"] != 1002)
    manager_client.post(
        f"/w/1/leaves/{other['id']}/approve/", {"confirm_negative": "1"}, headers=HTMX
    )
    html = manager_client.get("/w/1/policies/").content.decode()
    assert f'aria-label="{len(pending) - 1} pending"' in html
    # Listing pages never fetch the pending list for the badge.
    assert webwork.state.calls.count(method="GET", path="^/api/v2/leaves$") == 0


@pytest.mark.parametrize(
    "reason",
    ["\u202e", "\u200b", "\u200b \u202e\u200b", "\ufeff\u2066\u2069", "\u00ad\u2060 \n"],
    ids=["rtl-override", "zero-width-space", "mixed", "bom-isolates", "soft-hyphen-joiner"],
)
def test_a_reason_of_invisible_characters_only_is_refused(manager_client, webwork, reason):
    leave = _oldest_pending(webwork)
    response = manager_client.post(
        f"/w/1/leaves/{leave['id']}/reject/", {"reason": reason}, headers=HTMX
    )
    assert "Give a reason" in response.content.decode()
    assert webwork.state.leave(leave["id"])["status"] == "pending"
    assert webwork.state.calls.count(method="PUT") == 0


def test_a_reason_reaches_webwork_without_direction_overrides_or_zero_width_spaces(
    manager_client, webwork
):
    leave = _oldest_pending(webwork)
    typed = "\u200bTeam\u202e offsite \u200dweek\ufeff"
    response = manager_client.post(
        f"/w/1/leaves/{leave['id']}/reject/", {"reason": typed}, headers=HTMX
    )
    assert response.status_code == 200
    assert webwork.state.leave(leave["id"])["reject_reason"] == "Team offsite \u200dweek"
