"""R-07, R-08, R-10 through the pages: a write is never replayed blindly; repeats are harmless."""

import datetime as dt
import html
import itertools
import time
import uuid

import pytest
import time_machine

from dashboard.models import AuditEntry, LeaveDecision

from ..security.support import HTMX, MANAGER, WS_A

pytestmark = pytest.mark.django_db

OWNER_NAME = "Amara Okafor"


@pytest.fixture
def manager(webwork, signed_in):
    """Mateo, signed in, having seen the inbox."""
    client = signed_in(MANAGER)
    assert client.get(f"/w/{WS_A}/").status_code == 200
    return client


def _settled(webwork, method: str, path: str, expected: int) -> int:
    """Calls the sandbox logged (a slow answer is logged when it ends: wake it first)."""
    webwork.state.wake_sleepers()
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and webwork.state.calls.count(method, path) < expected:
        time.sleep(0.02)
    return webwork.state.calls.count(method, path)


def _read_backs(webwork, leave_id: str) -> int:
    return sum(
        1
        for call in webwork.state.calls.records(method="GET", path="^/api/v2/leaves$")
        if call["query"].get("id") == leave_id
    )


def _text(response) -> str:
    return html.unescape(response.content.decode())


# ---------------------------------------------------------------------------
AMBIGUOUS = {
    # name: (fault on the PUT, what the person is told)
    "timeout after applying": ({"latency_ms": 3000, "when": "after"}, "confirmed"),
    "reset after applying": ({"drop": True, "when": "after"}, "confirmed"),
    "502 after applying": ({"status": 502, "when": "after"}, "confirmed"),
    "truncated answer after applying": ({"malformed": "truncated", "when": "after"}, "confirmed"),
    "502 without applying": ({"status": 502}, "not applied"),
    # No answer at all: the PUT may still land after the read-back, so nobody claims to know.
    "reset without applying": ({"drop": True}, "unknown"),
    "timeout, applied later": ({"latency_ms": 3000}, "unknown"),
}
MESSAGES = {
    "confirmed": "confirmed after a slow answer",
    "not applied": "Try again",
    "unknown": "didn't confirm in time",
}


@pytest.mark.parametrize("action", ["approve", "reject"])
@pytest.mark.parametrize("name", list(AMBIGUOUS))
def test_an_ambiguous_decision_is_read_back_never_sent_again(webwork, manager, name, action):
    fault, told = AMBIGUOUS[name]
    leave = webwork.state.leaves_for(WS_A, status="pending")[0]
    target = "approved" if action == "approve" else "rejected"
    url = f"/w/{WS_A}/leaves/{leave['id']}/{action}/"
    webwork.state.add_fault(path=f"/{action}$", method="PUT", times=1, **fault)
    webwork.state.calls.clear()
    response = manager.post(url, {"reason": "Team offsite"}, headers=HTMX)
    assert response.status_code == 200
    text = _text(response)
    assert MESSAGES[told] in text, (name, text[-600:])
    if told != "confirmed":
        assert f"{target.capitalize()} by you" not in text  # never a false success
    assert _read_backs(webwork, leave["id"]) == 1, name  # one GET tells what happened
    assert _settled(webwork, "PUT", leave["id"], 1) == 1, name  # and the PUT is not repeated
    if told == "confirmed":
        assert webwork.state.leave(leave["id"])["status"] == target
        assert LeaveDecision.objects.get().state == "done"
        return
    # The person deliberately tries again: at most one more PUT, and one decision in the end.
    assert LeaveDecision.objects.get().state == "failed"
    again = manager.post(url, {"reason": "Team offsite"}, headers=HTMX)
    assert again.status_code == 200
    assert target in _text(again).lower()
    assert webwork.state.leave(leave["id"])["status"] == target
    assert _settled(webwork, "PUT", leave["id"], 2) == 2
    assert LeaveDecision.objects.get().state == "done"


def test_webwork_unreachable_before_sending_changes_nothing_and_reads_nothing(
    webwork, manager, settings
):
    leave = webwork.state.leaves_for(WS_A, status="pending")[0]
    settings.WEBWORK_API_URL = "http://127.0.0.1:9/api/v2"  # nothing listens there
    webwork.state.calls.clear()
    response = manager.post(f"/w/{WS_A}/leaves/{leave['id']}/approve/", headers=HTMX)
    assert response.status_code == 200
    assert "nothing was changed" in _text(response)
    assert webwork.state.calls.count() == 0
    assert LeaveDecision.objects.get().state == "failed"


# ---------------------------------------------------------------------------
def test_double_tap_and_back_button_resubmit_send_one_put(webwork, manager):
    first, second = webwork.state.leaves_for(WS_A, status="pending")[:2]
    webwork.state.calls.clear()
    taps = [manager.post(f"/w/{WS_A}/leaves/{first['id']}/approve/", headers=HTMX) for _ in "ab"]
    resubmits = [manager.post(f"/w/{WS_A}/leaves/{second['id']}/approve/") for _ in "abc"]
    assert [r.status_code for r in taps] == [200, 200]
    assert [r.status_code for r in resubmits] == [302, 302, 302]
    assert "Already approved by you" in _text(taps[1])
    assert webwork.state.calls.count("PUT", first["id"]) == 1
    assert webwork.state.calls.count("PUT", second["id"]) == 1
    assert AuditEntry.objects.count() == 2


@pytest.mark.parametrize(
    "refusal",
    [
        None,  # WebWork's own answer: 422 "already approved"
        {"status": 200, "body": {"success": False, "message": "Leave request is not pending"}},
        {"status": 409, "body": {"success": False, "message": "Conflict"}},
    ],
    ids=["422", "200-success-false", "409"],
)
def test_a_leave_decided_elsewhere_says_by_whom_and_sends_one_put(webwork, manager, refusal):
    leave = webwork.state.leaves_for(WS_A, status="pending")[0]
    webwork.state.decide(leave["id"], "approved", by_user_id=1001)
    if refusal:
        webwork.state.add_fault(path="/reject$", method="PUT", **refusal)
    webwork.state.calls.clear()
    response = manager.post(
        f"/w/{WS_A}/leaves/{leave['id']}/reject/", {"reason": "No"}, headers=HTMX
    )
    assert response.status_code == 200
    assert f"Already approved by {OWNER_NAME}" in _text(response)
    assert webwork.state.leave(leave["id"])["status"] == "approved"
    # A second tap is answered from our own record: WebWork is not asked again.
    again = manager.post(f"/w/{WS_A}/leaves/{leave['id']}/reject/", {"reason": "No"}, headers=HTMX)
    assert "Already approved" in _text(again)
    assert webwork.state.calls.count("PUT") == 1
    assert AuditEntry.objects.get().outcome == "already_decided"


def test_a_decision_webwork_undid_shows_pending_again_and_may_be_made_again(webwork, manager):
    """WebWork can put a decided leave back to pending: our record then stops answering."""
    leave_id = _first_page_pending_ids(webwork)[0]
    url = f"/w/{WS_A}/leaves/{leave_id}/approve/"
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False) as clock:
        assert "Approved" in _text(manager.post(url, headers=HTMX))
        webwork.state.decide(leave_id, "pending", by_user_id=1001)
        # Until a fresher read, our record is what we know: a repeat tap costs WebWork nothing.
        assert "Already approved by you" in _text(manager.post(url, headers=HTMX))
        assert webwork.state.calls.count("PUT", leave_id) == 1
        # A minute on, the pending list is read again and shows the leave pending: so does the
        # inbox, and a tap decides it again.
        clock.shift(61)
        assert f'id="leave-{leave_id}"' in _text(manager.get(f"/w/{WS_A}/"))
        again = _text(manager.post(url, headers=HTMX))
        assert "Approved" in again
        assert "Already" not in again
        assert webwork.state.calls.count("PUT", leave_id) == 2
        assert webwork.state.leave(leave_id)["status"] == "approved"
        # The new decision answers repeat taps again; the old one is kept in the audit log.
        assert "Already approved by you" in _text(manager.post(url, headers=HTMX))
        assert f'id="leave-{leave_id}"' not in _text(manager.get(f"/w/{WS_A}/"))
    assert webwork.state.calls.count("PUT", leave_id) == 2
    outcomes = list(
        AuditEntry.objects.filter(leave_id=leave_id)
        .order_by("id")
        .values_list("outcome", flat=True)
    )
    assert outcomes == ["done", "superseded", "done"]
    assert LeaveDecision.objects.get(leave_id=leave_id).state == "done"


def _first_page_pending_ids(webwork) -> list[str]:
    pending = webwork.state.leaves_for(WS_A, status="pending")
    return [lv["id"] for lv in sorted(pending, key=lambda lv: (lv["created_at"], lv["id"]))]


# ---------------------------------------------------------------------------
CREATE_FAULTS = [
    None,
    {"drop": True, "when": "after"},
    {"status": 502, "when": "after"},
    {"malformed": "html", "when": "after"},
    {"status": 502},
    {"drop": True},
    {"status": 503, "when": "after"},
    {"status": 429, "retry_after": "1"},
]


def test_two_hundred_faulty_submissions_never_file_a_request_twice(
    webwork, manager, record_property, settings
):
    """Each request is submitted (same form, same key) until it is filed, as a person would."""
    # Two hundred submissions in seconds: far past one person's minute. WebWork's limit and our
    # own allowance are tested elsewhere (test_rate_budget.py).
    webwork.state.config.update(rate_limit=0)
    settings.WEBWORK_CALLS_PER_MINUTE = 0
    members = [
        m["id"]
        for m in webwork.state.members_for(WS_A)
        if m["status"] == "active" and m["current_role"] == "Regular User"
    ][:10]
    first_monday = dt.date(2031, 1, 6)
    faults = itertools.cycle(CREATE_FAULTS)
    submissions = filed = 0
    intended = []
    while submissions < 200:
        index = len(intended)
        member = members[index % len(members)]
        day = first_monday + dt.timedelta(weeks=index // len(members))
        key = uuid.uuid4().hex
        intended.append((member, day))
        fault = next(faults)
        if fault:
            webwork.state.add_fault(path="^/api/v2/leaves$", method="POST", times=1, **fault)
        form = {
            "member": member,
            "policy": 101,
            "start": day.isoformat(),
            "end": day.isoformat(),
            "leave_period": "0",
            "request_key": key,
        }
        for _ in range(4):
            response = manager.post(f"/w/{WS_A}/leaves/new/", form)
            submissions += 1
            assert response.status_code in (200, 302)
            if response.status_code == 302:
                filed += 1
                break
        webwork.state.clear_faults()
    assert filed == len(intended)
    for member, day in intended:
        copies = [
            lv
            for lv in webwork.state.leaves_for(WS_A, user_id=member)
            if lv["start_date"] == day.isoformat()
        ]
        assert len(copies) == 1, (member, day)
    # No POST ever met WebWork's "already requested" refusal: nothing was sent twice.
    posts = webwork.state.calls.records(method="POST", path="^/api/v2/leaves$")
    record_property("submissions", submissions)
    record_property("requests_filed", filed)
    record_property("upstream_posts", len(posts))
    assert not [call for call in posts if call["status"] == 422]
    assert submissions >= 200
