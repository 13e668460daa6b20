"""R-04, R-05: open tabs and background jobs stay within WebWork's budget; outages back off.

Ten minutes are simulated: time-machine moves the dashboard's clock and the sandbox's call log
(its clock is pointed at the same patched `time.time`), so the 60-second windows WebWork would
count are measured exactly, without waiting ten real minutes.
"""

import datetime as dt
import html
import re
import time

import pytest
import time_machine
from django.contrib.auth import get_user_model

from dashboard.platform.cache import BREAKER_OPEN_SECONDS, BREAKER_THRESHOLD
from dashboard.read_models.inbox import MAX_OVERLAP_MONTHS
from dashboard.tasks import workspaces_refresh_task
from dashboard.webwork import OverBudget
from dashboard.webwork_oauth.allowance import allowance_take

from ..security.support import HTMX, MANAGER, WS_A, cache_settings, tabs_at_once

BUDGET_PER_MINUTE = 50  # of WebWork's 60 per minute; the rest is kept for decisions
TABS = 10
POLL_SECONDS = 15
MINUTES = 10
TAB_PAGES = [
    f"/w/{WS_A}/",
    f"/w/{WS_A}/leaves/?status=pending",
    f"/w/{WS_A}/calendar/",
    f"/w/{WS_A}/balances/",
    f"/w/{WS_A}/policies/",
]
READS = "^/api/v2/"


@pytest.fixture
def simulated(webwork, monkeypatch):
    """A frozen clock shared by the dashboard and the sandbox's call log and rate windows."""
    monkeypatch.setattr(webwork.state, "clock", time.time)
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with time_machine.travel(start, tick=False) as traveller:
        yield start, traveller


def _schedule() -> list[tuple[float, int]]:
    """(second, tab) of every poll: each tab polls every 15 s, the tabs spread over 15 s."""
    events = [
        (tab * POLL_SECONDS / TABS + n * POLL_SECONDS, tab)
        for tab in range(TABS)
        for n in range(MINUTES * 60 // POLL_SECONDS)
    ]
    return sorted(events)


@pytest.mark.django_db
def test_ten_tabs_polling_for_ten_minutes_stay_under_the_budget(
    webwork, signed_in, simulated, record_property
):
    start, clock = simulated
    client = signed_in(MANAGER)
    pending = [lv["id"] for lv in webwork.state.leaves_for(WS_A, status="pending")]
    decide_at = {60: pending[0], 200: pending[1], 330: pending[2], 470: pending[3]}
    beats = {0, MINUTES * 60 - 1}  # Celery beat's workspace refresh, every 10 minutes
    polls = 0
    for second, tab in _schedule():
        clock.move_to(start + dt.timedelta(seconds=second))
        for at in sorted(b for b in beats if b <= second):
            beats.discard(at)
            assert workspaces_refresh_task() == 1
        for at in sorted(t for t in decide_at if t <= second):
            leave_id = decide_at.pop(at)
            approve = client.post(f"/w/{WS_A}/leaves/{leave_id}/approve/", headers=HTMX)
            assert approve.status_code == 200
        url = TAB_PAGES[tab % len(TAB_PAGES)]
        response = client.get(url, headers=HTMX if tab % 2 else {})
        assert response.status_code == 200, (second, url)
        polls += 1
    calls = webwork.state.calls
    busiest = calls.max_in_window(seconds=60)
    record_property("polls", polls)
    record_property("upstream_calls", len(calls))
    record_property("busiest_60s_window", busiest)
    assert polls == TABS * MINUTES * 60 // POLL_SECONDS
    assert busiest <= BUDGET_PER_MINUTE, calls.counts()
    assert calls.count(status=429) == 0
    assert calls.count(method="PUT") == 4
    assert calls.count(path=READS) < polls / 4  # most polls are answered from the cache


@pytest.mark.django_db
def test_a_one_minute_outage_is_not_hammered_and_recovery_is_seen_quickly(
    webwork, signed_in, simulated, record_property
):
    start, clock = simulated
    client = signed_in(MANAGER)
    outage = (120, 180)
    recovered_at = None
    during = []
    for second, tab in _schedule():
        if second > 300:
            break
        clock.move_to(start + dt.timedelta(seconds=second))
        if outage[0] <= second < outage[1] and not webwork.state.faults:
            webwork.state.add_fault(path=READS, method="GET", status=500)
            since = webwork.state.calls.now()
        if second >= outage[1] and webwork.state.faults:
            webwork.state.clear_faults()
            until = webwork.state.calls.now()
        url = TAB_PAGES[tab % len(TAB_PAGES)]
        response = client.get(url)
        assert response.status_code == 200, (second, url)
        if outage[0] <= second < outage[1]:
            during.append((url, response.content.decode()))
        elif second >= outage[1] and recovered_at is None and _succeeded_since(webwork, until):
            recovered_at = second
    failed = [
        c["at"] for c in webwork.state.calls.records(path=READS, since=since) if c["at"] < until
    ]
    first_burst = sum(1 for at in failed if at == failed[0])
    record_property("calls_during_outage", len(failed))
    record_property("first_burst", first_burst)
    # Pages meet the outage with the reads the read model does not hold (3 tries each) until
    # BREAKER_THRESHOLD reads have failed; then the breaker holds: one probe (up to 3 tries)
    # per open period, nothing else.
    assert first_burst <= 3 * (1 + MAX_OVERLAP_MONTHS)
    assert len(failed) <= 3 * (BREAKER_THRESHOLD + (outage[1] - outage[0]) // BREAKER_OPEN_SECONDS)
    assert len(set(failed)) <= BREAKER_THRESHOLD + 2  # then probes at two moments at most
    # Every page during the outage still had its data: fresh, or stale with its age.
    assert not [html for _, html in during if "could not be loaded" in html]
    # The pending list is fresh for a minute: the inbox says how old its list is. (Months,
    # balances and policies held by the read model were still fresh: nothing to say.)
    stale = re.compile(r"Showing [a-z ]+ from ")  # "Showing data from 2 minutes ago."
    inbox = [html for url, html in during if url == TAB_PAGES[0]]
    assert inbox
    assert all(stale.search(html) for html in inbox)
    assert recovered_at is not None
    assert recovered_at - outage[1] <= BREAKER_OPEN_SECONDS + POLL_SECONDS


def _succeeded_since(webwork, since: float) -> bool:
    return webwork.state.calls.count(path=READS, since=since, status=200) > 0


@pytest.mark.django_db(transaction=True)
def test_ten_tabs_asking_at_the_same_moment_cost_one_call(webwork, signed_in):
    client = signed_in(MANAGER)
    session = client.cookies["sessionid"].value
    webwork.state.add_fault(path="^/api/v2/leaves/policies$", latency_ms=400)
    webwork.state.calls.clear()
    statuses = tabs_at_once(session, f"/w/{WS_A}/policies/", TABS)
    assert statuses == [200] * TABS
    assert webwork.state.calls.count(path="^/api/v2/leaves/policies$") == 1


# --------------------------------------------------------------------------- the allowance
CALLS_PER_MINUTE, WRITE_RESERVE = 58, 8  # WEBWORK_CALLS_PER_MINUTE, WEBWORK_WRITE_RESERVE
USED_UP = "allowance of WebWork calls is used up"


@pytest.fixture(params=["in-process cache", "redis", "redis refused"])
def cache_mode(request, settings):
    """Where the allowance is kept: the in-process default, a Redis, a Redis that is down."""
    if request.param == "in-process cache":
        return request.param, None
    server = request.getfixturevalue("redis_server")
    settings.CACHES = cache_settings(f"{server.url}/0")
    return request.param, server


@pytest.mark.django_db
def test_one_person_never_goes_past_the_allowance_and_webwork_never_answers_429(
    webwork, signed_in, simulated, cache_mode, record_property
):
    """Seventy lists nobody has asked for yet, in one minute: WebWork's 60 would be spent in
    fewer. Reads stop at 50 (the pages say why and when fresh data comes); decisions still go."""
    active = [m["id"] for m in webwork.state.members_for(WS_A) if m["status"] == "active"]
    lists = [f"member={m}&status={s}" for s in ("approved", "rejected") for m in active][:70]
    assert len(lists) == 70
    start, clock = simulated
    mode, server = cache_mode
    if mode == "redis refused":
        server.stop()  # from the start: what Redis counted would be lost when it went down
    client = signed_in(MANAGER)
    pending = [lv["id"] for lv in webwork.state.leaves_for(WS_A, status="pending")][:3]
    used_up = 0
    for query in lists:
        response = client.get(f"/w/{WS_A}/leaves/?{query}")
        assert response.status_code == 200
        used_up += USED_UP in html.unescape(response.content.decode())
    for leave_id in pending:
        approve = client.post(f"/w/{WS_A}/leaves/{leave_id}/approve/", headers=HTMX)
        assert "Approved" in approve.content.decode()
    calls = webwork.state.calls
    record_property("reads", calls.count(path=READS, method="GET"))
    record_property("pages_told_used_up", used_up)
    assert used_up > 0
    assert calls.count(status=429) == 0
    assert calls.max_in_window(60) <= CALLS_PER_MINUTE
    # Each approval first reads its leave for the decision rules (four eyes, the balance),
    # from the calls kept for decisions: those reads are the decisions', not the pages'.
    assert calls.count(path=READS, method="GET") <= CALLS_PER_MINUTE - WRITE_RESERVE + len(pending)
    assert calls.count(method="PUT") == len(pending)
    # A minute on, the tokens are back.
    clock.move_to(start + dt.timedelta(seconds=61))
    again = client.get(f"/w/{WS_A}/leaves/?{lists[-1]}")
    assert USED_UP not in html.unescape(again.content.decode())


@pytest.mark.django_db
def test_a_write_waits_a_moment_for_a_token_or_says_when_to_try_again(webwork, signed_in):
    client = signed_in(MANAGER)
    user_id = get_user_model().objects.get(email=MANAGER).pk
    first, second = [lv["id"] for lv in webwork.state.leaves_for(WS_A, status="pending")][:2]
    start = dt.datetime.now(dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        # The whole minute spent (sign-in, other tabs, a worker...).
        _spend_the_minute(user_id)
        clock.move_to(start + dt.timedelta(seconds=30))
        webwork.state.calls.clear()
        refused = client.post(f"/w/{WS_A}/leaves/{first}/approve/", headers=HTMX)
        told = html.unescape(refused.content.decode())
        assert re.search(r"Nothing was changed; try again in 3[01] seconds", told)
        assert webwork.state.calls.count() == 0
        assert webwork.state.leave(first)["status"] == "pending"
    # Half a second before the first token comes back: the approval waits for it and goes.
    with time_machine.travel(start + dt.timedelta(seconds=59.5), tick=True):
        started = time.monotonic()
        approved = client.post(f"/w/{WS_A}/leaves/{second}/approve/", headers=HTMX)
        waited = time.monotonic() - started
    assert "Approved" in approved.content.decode()
    assert webwork.state.calls.count(method="PUT") == 1
    assert 0.4 <= waited < 2.5


def _spend_the_minute(user_id: int) -> None:
    """Take every token of the person's minute, writes' reserve included."""
    for _ in range(CALLS_PER_MINUTE + 1):
        try:
            allowance_take(user_id=user_id, kind="write")
        except OverBudget:
            return
    raise AssertionError("the allowance never ran out")


@pytest.mark.django_db
@pytest.mark.clock("2027-05-12T10:00Z")
def test_a_list_missing_months_reads_them_again_by_itself_until_whole(webwork, signed_in):
    """The minute's allowance spent with two months of the requests list not held: the list
    shows what it has, says which months are missing and polls; once WebWork allows, the poll
    brings the whole list and stops."""
    from django.core.cache import cache

    from dashboard.selectors.workspace_dataset import month_key

    client = signed_in(MANAGER)
    user_id = get_user_model().objects.get(email=MANAGER).pk
    assert client.get(f"/w/{WS_A}/leaves/").status_code == 200  # every month held
    for month in ((2027, 4), (2027, 6)):
        cache.delete(month_key(WS_A, month))
    start = dt.datetime.now(dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        _spend_the_minute(user_id)
        partial = html.unescape(client.get(f"/w/{WS_A}/leaves/").content.decode())
        assert "Not shown yet: requests of" in partial
        assert "data-filling" in partial
        assert "<progress" in partial
        assert 'hx-trigger="every 10s"' in partial
        clock.move_to(start + dt.timedelta(seconds=61))
        poll = html.unescape(client.get(f"/w/{WS_A}/leaves/", headers=HTMX).content.decode())
    assert poll.lstrip().startswith('<div id="results"')  # the poll swaps the results only
    assert "Not shown yet" not in poll
    assert "data-filling" not in poll
    assert "every 10s" not in poll
    assert re.search(r"\d+ requests? between", poll)
