"""R-01..R-03, R-06, R-12, R-16 on every page: WebWork misbehaves, pages still answer clearly.

Each fault is injected with the sandbox's knobs on every API read. A page must answer (never
a 500) within the request budget, say what is wrong in plain words, and keep showing the last
good data it has.
"""

import datetime as dt
import email.utils
import html
import time

import pytest
import time_machine

from dashboard.platform.cache import BREAKER_THRESHOLD
from dashboard.read_models.inbox import PAGE_SIZE
from dashboard.webwork_oauth.models import WebWorkToken

from ..security.support import (
    DATA_READS,
    HTMX,
    MANAGER,
    MAX_ATTEMPTS,
    READS,
    WORKSPACE_PAGES,
    WS_A,
    cold_page_today,
    inbox_first_round_reads,
)

pytestmark = pytest.mark.django_db

PAGES = [*WORKSPACE_PAGES, f"/w/{WS_A}/leaves/new/"]
# DATA_READS: every read but the workspace list. Past ACCESS_RECHECK_SECONDS a failing workspace
# list means access can't be confirmed and nothing is shown (S-23), so the last good data is
# shown only while WebWork still confirms who may see the workspace.
# Seconds per request with WebWork (production: 6 s with a 5 s read timeout). The read
# timeout is set above the budget, so only the budget can explain a quick answer; SLACK is
# for rendering on a busy machine.
BUDGET = 2.0
READ_TIMEOUT = 4.0
SLACK = 1.5

NEW_FORM_UNAVAILABLE = "lists can't be loaded from WebWork right now"
MESSAGES = {
    "unavailable": "WebWork isn't answering right now",
    "limited": "WebWork is limiting requests",
    "unreadable": "WebWork sent an answer we couldn't read",
}


def _in_an_hour() -> str:
    return email.utils.format_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1), True)


def _fault(name: str) -> tuple[dict, str]:
    """The fault's knobs, with any time in them computed now (at the test's clock)."""
    fault, kind = FAULTS[name]
    return {key: value() if callable(value) else value for key, value in fault.items()}, kind


FAULTS = {
    "latency beyond the timeout": ({"latency_ms": 8000}, "unavailable"),
    "503": ({"status": 503}, "unavailable"),
    "500 with an HTML body": ({"status": 500, "body": "<h1>Internal error</h1>"}, "unavailable"),
    "429 Retry-After 1": ({"status": 429, "retry_after": "1"}, "limited"),
    "429 Retry-After 3600": ({"status": 429, "retry_after": "3600"}, "limited"),
    "429 Retry-After HTTP-date": ({"status": 429, "retry_after": _in_an_hour}, "limited"),
    "429 garbage Retry-After": ({"status": 429, "retry_after": "soon-ish"}, "limited"),
    "connection reset": ({"drop": True}, "unavailable"),
    "truncated JSON": ({"malformed": "truncated"}, "unreadable"),
    "HTML with 200": ({"malformed": "html"}, "unreadable"),
    "empty 200": ({"malformed": "empty"}, "unreadable"),
    "200 success false": (
        {"status": 200, "body": {"success": False, "message": "Server busy"}},
        "unreadable",
    ),
}


@pytest.fixture
def manager(webwork, signed_in, settings):
    """Mateo signed in, with a short request budget so fault tests stay quick."""
    settings.WEBWORK_REQUEST_BUDGET = BUDGET
    settings.WEBWORK_READ_TIMEOUT = READ_TIMEOUT
    return signed_in(MANAGER)


def _visit(client, url: str, **headers):
    started = time.perf_counter()
    response = client.get(url, headers=headers)
    return response, time.perf_counter() - started


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _first_page_pending_ids(webwork) -> list[str]:
    """The pending requests the inbox shows first: the oldest PAGE_SIZE."""
    pending = webwork.state.leaves_for(WS_A, status="pending")
    oldest = sorted(pending, key=lambda lv: (lv["created_at"], lv["id"]))
    return [lv["id"] for lv in oldest[:PAGE_SIZE]]


# Balances are kept per year: twelve minutes later must still be the same year.
@pytest.mark.clock("2027-06-16T10:00Z")
@pytest.mark.parametrize("name", list(FAULTS))
def test_with_data_cached_pages_show_it_with_its_age_and_the_reason(webwork, manager, name):
    fault, kind = _fault(name)
    for url in PAGES:
        assert manager.get(url).status_code == 200
    pending = _first_page_pending_ids(webwork)
    assert pending
    webwork.state.add_fault(path=DATA_READS, method="GET", **fault)
    webwork.state.calls.clear()
    # Twelve minutes later: leave lists and balances are past fresh, within what is kept.
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=12), tick=True):
        visits = [(url, *_visit(manager, url)) for url in PAGES]
        fragment, _ = _visit(manager, f"/w/{WS_A}/leaves/?status=pending", **HTMX)
    for url, response, seconds in visits:
        assert response.status_code == 200, (name, url)
        assert seconds < BUDGET + SLACK, (name, url, seconds)
    inbox = _text(visits[0][1])
    assert all(f'id="leave-{leave_id}"' in inbox for leave_id in pending), name
    assert "Showing data from" in inbox, name
    reasons = [MESSAGES[kind], MESSAGES["unavailable"]]  # later pages meet the open breaker
    assert any(reason in inbox for reason in reasons), name
    balances = _text(visits[3][1])
    assert "Showing balances from 12 minutes ago" in balances, name
    assert fragment.status_code == 200
    assert webwork.state.calls.count(method="PUT") == 0
    assert webwork.state.calls.count(method="POST") == 0


@pytest.mark.parametrize("name", list(FAULTS))
def test_with_nothing_cached_pages_explain_and_never_fail(webwork, manager, name, record_property):
    fault, kind = _fault(name)
    webwork.state.add_fault(path=READS, method="GET", **fault)
    webwork.state.calls.clear()
    slowest = 0.0
    for url in PAGES:
        response, seconds = _visit(manager, url)
        slowest = max(slowest, seconds)
        assert response.status_code == 200, (name, url)
        assert seconds < BUDGET + SLACK, (name, url, seconds)
        text = _text(response)
        reasons = [MESSAGES[kind], MESSAGES["unavailable"], NEW_FORM_UNAVAILABLE]
        assert any(reason in text for reason in reasons), (name, url)
        assert "Traceback" not in text
    # Repeated failures open the breaker: the reads the first page starts at once fail (each
    # tried at most 3 times), at least enough of them to open it...
    spent = webwork.state.calls.count(path=READS)
    record_property("slowest_page_seconds", round(slowest, 2))
    record_property("upstream_calls", spent)
    reads = max(inbox_first_round_reads(cold_page_today()), BREAKER_THRESHOLD + 1)
    assert spent <= MAX_ATTEMPTS * reads, webwork.state.calls.counts()
    # ...then WebWork is left alone: another round of every page costs nothing upstream.
    for url in PAGES:
        assert manager.get(url).status_code == 200
    assert webwork.state.calls.count(path=READS) == spent


@pytest.mark.parametrize(
    "reads",
    [
        pytest.param(6, marks=pytest.mark.clock("2026-11-18T10:00Z"), id="mid-month week"),
        pytest.param(7, marks=pytest.mark.clock("2026-12-01T10:00Z"), id="week across months"),
    ],
)
def test_a_failing_webwork_costs_three_tries_per_read_of_the_first_page(webwork, manager, reads):
    """R-05 at both shapes of week: each read of the first round is tried three times, then
    the open breaker leaves WebWork alone for every later page."""
    assert inbox_first_round_reads(cold_page_today()) == reads
    webwork.state.add_fault(path=READS, method="GET", status=503)
    webwork.state.calls.clear()
    for url in PAGES:
        assert manager.get(url).status_code == 200, url
    assert webwork.state.calls.count(path=READS) == MAX_ATTEMPTS * reads, (
        webwork.state.calls.counts()
    )


def test_a_429_on_one_read_stops_the_retries_of_its_sibling_reads(webwork, manager):
    """The inbox's first round of reads runs in parallel. WebWork answers one of them 429 with
    Retry-After 30 at once, the others 503 a moment later: those are not tried again."""
    reads = inbox_first_round_reads(cold_page_today())
    webwork.state.add_fault(
        path="^/api/v2/leaves/policies$", method="GET", status=429, retry_after="30"
    )
    webwork.state.add_fault(path=DATA_READS, method="GET", status=503, latency_ms=400)
    webwork.state.calls.clear()
    response = manager.get(f"/w/{WS_A}/")
    assert response.status_code == 200
    assert webwork.state.calls.count(path=READS, status=429) == 1
    # At most one attempt per read (one that had not left yet is held back too): without the
    # shared Retry-After, 1 + 3 x (reads - 1).
    sent = [(c["path"], sorted(c["query"].items())) for c in webwork.state.calls.records()]
    assert len(sent) == len({repr(s) for s in sent}), webwork.state.calls.counts()
    assert len(sent) <= reads


def test_short_retry_after_is_waited_for_and_the_read_succeeds(webwork, manager):
    webwork.state.add_fault(
        path="^/api/v2/leaves$", method="GET", status=429, retry_after="1", times=1
    )
    webwork.state.calls.clear()
    response, seconds = _visit(manager, f"/w/{WS_A}/leaves/?status=approved")
    assert response.status_code == 200
    assert "limiting" not in _text(response)
    assert 1.0 <= seconds < BUDGET + SLACK
    assert webwork.state.calls.count(path="^/api/v2/leaves$", status=429) == 1
    assert webwork.state.calls.count(path="^/api/v2/leaves$", status=200) >= 1


def test_long_retry_after_is_not_slept_on_and_webwork_is_left_alone(webwork, manager):
    webwork.state.add_fault(path=READS, method="GET", status=429, retry_after="3600")
    webwork.state.calls.clear()
    response, seconds = _visit(manager, f"/w/{WS_A}/leaves/?status=approved")
    assert seconds < 1.5  # no wait at all (a capped wait would be 2 s)
    assert MESSAGES["limited"] in _text(response)
    calls = webwork.state.calls.count(path=READS)
    for url in PAGES:
        assert manager.get(url).status_code == 200
    assert webwork.state.calls.count(path=READS) == calls  # nothing more until it is over
    # Two minutes on (at most), the dashboard asks again.
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=121), tick=True):
        webwork.state.clear_faults()
        assert "limiting" not in _text(manager.get(f"/w/{WS_A}/leaves/?status=approved"))
    assert webwork.state.calls.count(path=READS, status=200) >= 1


def test_transient_5xx_on_a_read_is_retried_with_backoff(webwork, manager):
    webwork.state.add_fault(path="^/api/v2/leaves/policies$", status=503, times=2)
    webwork.state.calls.clear()
    response = manager.get(f"/w/{WS_A}/policies/")
    assert response.status_code == 200
    assert "Annual leave" in _text(response)
    assert webwork.state.calls.count(path="^/api/v2/leaves/policies$") == 3
    assert MESSAGES["unavailable"] not in _text(response)


# --------------------------------------------------------------------------- R-12 tokens
def test_token_expired_mid_session_is_refreshed_once_and_the_page_works(webwork, manager):
    assert manager.get(f"/w/{WS_A}/").status_code == 200
    webwork.state.expire_access_tokens()  # our clock says valid; WebWork says 401
    webwork.state.calls.clear()
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=3), tick=True):
        response = manager.get(f"/w/{WS_A}/")
    assert response.status_code == 200
    assert "Showing data from" not in _text(response)  # fresh data, not the last good copy
    assert webwork.state.calls.count(path="^/oauth/token$") == 1
    assert webwork.state.calls.count(path=READS, status=401) >= 1


def test_revoked_refresh_token_asks_for_sign_in_once_without_a_loop(webwork, manager):
    manager.get(f"/w/{WS_A}/")
    webwork.state.expire_access_tokens()
    webwork.state.revoke_refresh_tokens()
    webwork.state.calls.clear()
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=3), tick=True):
        page = manager.get(f"/w/{WS_A}/")
        htmx = manager.get(f"/w/{WS_A}/leaves/", headers=HTMX)
    assert page.status_code == 302
    assert page["Location"].startswith("/accounts/login/")
    assert htmx["HX-Redirect"].startswith("/accounts/login/")
    assert webwork.state.calls.count(path="^/oauth/token$") == 1  # one refresh attempt, total
    assert not WebWorkToken.objects.exists()  # signed out: the dead tokens are gone


def test_401_again_right_after_a_refresh_stops_and_asks_for_sign_in(webwork, manager):
    manager.get(f"/w/{WS_A}/")
    # Every API call is refused, even with the fresh token.
    webwork.state.add_fault(path=READS, status=401, body={"success": False, "message": "no"})
    webwork.state.calls.clear()
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=3), tick=True):
        response = manager.get(f"/w/{WS_A}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert webwork.state.calls.count(path="^/oauth/token$") == 1
    assert webwork.state.calls.count(path=READS) <= 12
