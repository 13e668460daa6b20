import email.utils
import json
import logging
import random
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import date
from datetime import time as clock_time
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from dashboard.webwork import (
    AuthExpired,
    BadResponse,
    Forbidden,
    Leave,
    NoLongerPending,
    NotFound,
    OverBudget,
    RateLimited,
    RateLimitStatus,
    Unavailable,
    ValidationFailed,
    WebWorkClient,
    WebWorkError,
    record_calls,
    refresh_access_token,
    requester,
    transport,
)
from dashboard.webwork.error_mapping import parse_retry_after

from .support import (
    BASE,
    CLIENT_SECRET,
    FRESH_TOKEN,
    LEAVE_ID,
    REFRESH_TOKEN,
    TOKEN,
    envelope,
    failure,
    pages,
)

TOKEN_URL = "http://webwork.test/oauth/token"
LEAVE = {"id": LEAVE_ID, "user_id": 100, "status": "pending", "start_date": "2025-03-03"}


def query(call: Any) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(call.request.url).query))


def path(call: Any) -> str:
    return urlsplit(call.request.url).path


def bearer(call: Any) -> str:
    return call.request.headers.get("Authorization", "")


def sent_json(call: Any) -> Any:
    return json.loads(call.request.body)


def connect_refused() -> requests.ConnectionError:
    reason = NewConnectionError(None, "Failed to establish a new connection: refused")
    return requests.ConnectionError(MaxRetryError(None, "/", reason))


def connection_reset() -> requests.ConnectionError:
    reset = ConnectionResetError(104, "Connection reset by peer")
    return requests.ConnectionError(ProtocolError("Connection aborted.", reset))


def leaves_page(first_id: int, count: int, last_page: int | None) -> dict:
    data = [{"id": f"leave-{n}", "status": "pending"} for n in range(first_id, first_id + count)]
    return envelope(data, pagination=None if last_page is None else pages(last_page))


# --------------------------------------------------------------------------- outgoing requests


def test_list_workspaces_sends_the_bearer_token_and_asks_for_full_pages(mocked, client):
    mocked.get(f"{BASE}/workspaces", json=envelope([{"id": 1, "role": "Owner"}]))

    workspaces = client.list_workspaces()

    assert [w.id for w in workspaces] == [1]
    call = mocked.calls[0]
    assert path(call) == "/api/v2/workspaces"
    assert query(call) == {"page": "1", "per_page": "100"}
    assert bearer(call) == f"Bearer {TOKEN}"
    assert call.request.headers["User-Agent"].startswith("webwork-leave-dashboard/")
    assert call.request.headers["Accept"] == "application/json"


def test_every_call_uses_a_3s_connect_and_5s_read_timeout_by_default(mocked, client):
    mocked.get(f"{BASE}/workspaces", json=envelope([]))

    client.list_workspaces()

    assert mocked.calls[0].request.req_kwargs["timeout"] == (3.0, 5.0)


def test_the_caller_may_pass_another_timeout(mocked, make_client):
    mocked.get(f"{BASE}/workspaces", json=envelope([]))

    make_client(timeout=(1.0, 30.0)).list_workspaces()

    assert mocked.calls[0].request.req_kwargs["timeout"] == (1.0, 30.0)


def test_get_member_asks_for_the_member_within_the_workspace(mocked, client):
    mocked.get(
        f"{BASE}/members/100",
        json=envelope({"id": 100, "email": "j@example.com", "firstname": "J", "lastname": "D"}),
    )

    member = client.get_member(workspace_id=1, user_id=100)

    assert member.full_name == "J D"
    assert query(mocked.calls[0]) == {"workspace_id": "1"}


def test_get_member_accepts_a_list_of_one(mocked, client):
    mocked.get(f"{BASE}/members/100", json=envelope([{"id": 100, "email": "j@example.com"}]))

    assert client.get_member(workspace_id=1, user_id=100).id == 100


@pytest.mark.parametrize("data", [None, {}, []])
def test_get_member_with_empty_data_is_not_found(mocked, client, data):
    mocked.get(f"{BASE}/members/100", json=envelope(data))

    with pytest.raises(NotFound):
        client.get_member(workspace_id=1, user_id=100)


def test_iter_members_sends_the_filters_given(mocked, client):
    mocked.get(f"{BASE}/members", json=envelope([{"id": 1}, {"id": 2}]))

    members = list(client.iter_members(workspace_id=3, status="active", email="a+b@example.com"))

    assert [m.id for m in members] == [1, 2]
    assert query(mocked.calls[0]) == {
        "workspace_id": "3",
        "status": "active",
        "email": "a+b@example.com",
        "page": "1",
        "per_page": "100",
    }


def test_iter_leaves_sends_filters_in_webwork_format(mocked, client):
    mocked.get(f"{BASE}/leaves", json=envelope([LEAVE]))

    leaves = list(
        client.iter_leaves(
            workspace_id=1,
            status="pending",
            user_id=100,
            policy_id=7,
            is_paid=False,
            date_from=date(2025, 1, 1),
            date_to=date(2025, 12, 31),
            leave_id=LEAVE_ID,
        )
    )

    assert [leave.id for leave in leaves] == [LEAVE_ID]
    assert query(mocked.calls[0]) == {
        "workspace_id": "1",
        "id": LEAVE_ID,
        "user_id": "100",
        "policy_id": "7",
        "is_paid": "no",
        "status": "pending",
        "date_from": "2025-01-01",
        "date_to": "2025-12-31",
        "page": "1",
        "per_page": "100",
    }


def test_iter_leaves_sends_only_the_filters_given(mocked, client):
    mocked.get(f"{BASE}/leaves", json=envelope([]))

    list(client.iter_leaves(workspace_id=1, is_paid=True))

    assert query(mocked.calls[0]) == {
        "workspace_id": "1",
        "is_paid": "yes",
        "page": "1",
        "per_page": "100",
    }


def test_get_leave_filters_by_id_and_returns_the_match(mocked, client):
    mocked.get(f"{BASE}/leaves", json=envelope([LEAVE]))

    leave = client.get_leave(workspace_id=1, leave_id=LEAVE_ID)

    assert leave.id == LEAVE_ID
    assert leave.is_pending
    assert query(mocked.calls[0])["id"] == LEAVE_ID
    assert query(mocked.calls[0])["workspace_id"] == "1"


@pytest.mark.parametrize("data", [[], None, [{"id": "some-other-leave"}]])
def test_get_leave_without_a_match_is_not_found(mocked, client, data):
    mocked.get(f"{BASE}/leaves", json=envelope(data))

    with pytest.raises(NotFound):
        client.get_leave(workspace_id=1, leave_id=LEAVE_ID)


@pytest.mark.parametrize(
    "bad_id", ["../workspaces", "a/b", "a?b=1", "a#b", "", "%2e%2e", "a b", "..", "-x", None, 5]
)
@pytest.mark.parametrize("action", ["get", "approve", "reject"])
def test_leave_ids_that_could_change_the_path_are_refused_without_a_call(
    mocked, client, bad_id, action
):
    calls = {
        "get": lambda: client.get_leave(workspace_id=1, leave_id=bad_id),
        "approve": lambda: client.approve_leave(workspace_id=1, leave_id=bad_id),
        "reject": lambda: client.reject_leave(workspace_id=1, leave_id=bad_id, reason="No"),
    }

    with pytest.raises(NotFound):
        calls[action]()

    assert len(mocked.calls) == 0


@pytest.mark.parametrize("bad", ["1", True, 1.0, None])
def test_workspace_id_must_be_an_int(mocked, client, bad):
    with pytest.raises(TypeError):
        client.get_member(workspace_id=bad, user_id=1)

    assert len(mocked.calls) == 0


def test_list_policies_accepts_an_object_keyed_by_id(mocked, client):
    mocked.get(
        f"{BASE}/leaves/policies",
        json=envelope({"7": {"name": "Vacation", "time_unit": "days"}, "9": {"name": "Overtime"}}),
    )

    policies = client.list_policies(workspace_id=1)

    assert [(p.id, p.name) for p in policies] == [(7, "Vacation"), (9, "Overtime")]
    assert query(mocked.calls[0])["workspace_id"] == "1"


def test_iter_balances_sends_the_window_and_parses_each_member(mocked, client):
    mocked.get(
        f"{BASE}/leaves/balances",
        json=envelope(
            [
                {
                    "user_id": 100,
                    "user_name": "John Doe",
                    "leave_information": [{"leave_type": "Vacation", "balance": "10 days"}],
                    "total_balance": None,
                }
            ]
        ),
    )

    balances = list(
        client.iter_balances(
            workspace_id=1, date_from=date(2025, 1, 1), date_to=date(2025, 12, 31), user_id=100
        )
    )

    assert balances[0].for_policy("Vacation").text == "10 days"
    assert query(mocked.calls[0]) == {
        "workspace_id": "1",
        "date_from": "2025-01-01",
        "date_to": "2025-12-31",
        "user_id": "100",
        "page": "1",
        "per_page": "100",
    }


def test_create_leave_posts_json_without_the_fields_not_given(mocked, client):
    mocked.post(f"{BASE}/leaves", status=201, json=envelope(None, message="Created"))

    result = client.create_leave(
        workspace_id=1, user_id=100, policy_id=7, start=date(2026, 2, 10), end=date(2026, 2, 12)
    )

    assert result is None
    call = mocked.calls[0]
    assert call.request.method == "POST"
    assert path(call) == "/api/v2/leaves"
    assert bearer(call) == f"Bearer {TOKEN}"
    assert call.request.headers["Content-Type"] == "application/json"
    assert sent_json(call) == {
        "workspace_id": 1,
        "user_id": 100,
        "policy_id": 7,
        "start": "2026-02-10",
        "end": "2026-02-12",
    }


def test_create_hour_based_leave_sends_times_as_hh_mm(mocked, client):
    mocked.post(f"{BASE}/leaves", status=201, json=envelope())

    client.create_leave(
        workspace_id=1,
        user_id=100,
        policy_id=8,
        start=date(2026, 2, 10),
        end=date(2026, 2, 10),
        leave_period=0,
        start_time=clock_time(9, 0, 59),
        end_time=clock_time(13, 30),
        reason="Dentist",
    )

    assert sent_json(mocked.calls[0]) == {
        "workspace_id": 1,
        "user_id": 100,
        "policy_id": 8,
        "start": "2026-02-10",
        "end": "2026-02-10",
        "leave_period": 0,
        "start_time": "09:00",
        "end_time": "13:30",
        "reason": "Dentist",
    }


@pytest.mark.parametrize(("status", "body"), [(201, ""), (200, ""), (204, "")])
def test_create_leave_accepts_a_success_without_a_body(mocked, client, status, body):
    mocked.post(f"{BASE}/leaves", status=status, body=body)

    assert (
        client.create_leave(
            workspace_id=1, user_id=1, policy_id=1, start=date(2026, 1, 1), end=date(2026, 1, 1)
        )
        is None
    )


def test_approve_leave_puts_the_workspace_id_and_returns_the_updated_leave(mocked, client):
    mocked.put(
        f"{BASE}/leaves/{LEAVE_ID}/approve",
        json=envelope({**LEAVE, "status": "approved", "approved_by": 101}),
    )

    leave = client.approve_leave(workspace_id=1, leave_id=LEAVE_ID)

    assert leave is not None
    assert leave.status == "approved"
    assert leave.decided_by == 101
    call = mocked.calls[0]
    assert call.request.method == "PUT"
    assert path(call) == f"/api/v2/leaves/{LEAVE_ID}/approve"
    assert sent_json(call) == {"workspace_id": 1}
    assert bearer(call) == f"Bearer {TOKEN}"


@pytest.mark.parametrize("data", [None, {}, {"message": "ok"}, "done"])
def test_approve_without_a_leave_in_the_answer_returns_none(mocked, client, data):
    mocked.put(f"{BASE}/leaves/{LEAVE_ID}/approve", json=envelope(data))

    assert client.approve_leave(workspace_id=1, leave_id=LEAVE_ID) is None


def test_reject_leave_sends_the_reason(mocked, client):
    mocked.put(
        f"{BASE}/leaves/{LEAVE_ID}/reject",
        json=envelope({**LEAVE, "status": "rejected", "reject_reason": "Busy week"}),
    )

    leave = client.reject_leave(workspace_id=1, leave_id=LEAVE_ID, reason="Busy week")

    assert leave.reject_reason == "Busy week"
    call = mocked.calls[0]
    assert path(call) == f"/api/v2/leaves/{LEAVE_ID}/reject"
    assert sent_json(call) == {"workspace_id": 1, "reason": "Busy week"}


# --------------------------------------------------------------------------- status to error


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, ValidationFailed),
        (401, AuthExpired),
        (403, Forbidden),
        (404, NotFound),
        (422, ValidationFailed),
        (429, RateLimited),
        (500, Unavailable),
        (502, Unavailable),
        (503, Unavailable),
        (504, Unavailable),
    ],
)
def test_each_error_status_maps_to_its_error(mocked, make_client, status, error_class):
    mocked.get(
        f"{BASE}/leaves",
        status=status,
        json=failure("Something is wrong", error="some_code"),
        headers={"X-Request-Id": "req-123"},
    )

    with pytest.raises(error_class) as caught:
        list(make_client(max_attempts=1).iter_leaves(workspace_id=1))

    error = caught.value
    assert error.status == status
    assert error.code == "some_code"
    assert error.request_id == "req-123"
    assert error.message == "Something is wrong"


@pytest.mark.parametrize("status", [405, 409, 410, 418])
def test_other_client_errors_are_plain_webwork_errors(mocked, client, status):
    mocked.get(f"{BASE}/leaves", status=status, json=failure())

    with pytest.raises(WebWorkError) as caught:
        list(client.iter_leaves(workspace_id=1))

    assert type(caught.value) is WebWorkError
    assert caught.value.retryable is False
    assert len(mocked.calls) == 1


def test_error_status_with_an_html_body_still_maps_by_status(mocked, client):
    mocked.get(f"{BASE}/leaves", status=404, body="<html>Not Found</html>")

    with pytest.raises(NotFound) as caught:
        list(client.iter_leaves(workspace_id=1))

    assert caught.value.message == NotFound.default_message


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_422_on_a_decision_means_the_leave_is_no_longer_pending(mocked, client, action):
    mocked.put(
        f"{BASE}/leaves/{LEAVE_ID}/{action}",
        status=422,
        json=failure("Leave request is not pending", errors={"status": ["Already approved."]}),
    )

    decide = {
        "approve": lambda: client.approve_leave(workspace_id=1, leave_id=LEAVE_ID),
        "reject": lambda: client.reject_leave(workspace_id=1, leave_id=LEAVE_ID, reason="No"),
    }[action]

    with pytest.raises(NoLongerPending) as caught:
        decide()

    assert caught.value.status == 422
    assert caught.value.message == "Leave request is not pending"
    assert caught.value.field_errors == {"status": ["Already approved."]}
    assert len(mocked.calls) == 1


def test_422_on_create_is_a_validation_failure_with_field_errors(mocked, client):
    mocked.post(
        f"{BASE}/leaves",
        status=422,
        json=failure(
            "The given data was invalid.",
            errors={"reason": ["The reason field is required."], "end": "Bad end", "x": 5},
        ),
    )

    with pytest.raises(ValidationFailed) as caught:
        client.create_leave(
            workspace_id=1, user_id=1, policy_id=1, start=date(2026, 1, 2), end=date(2026, 1, 1)
        )

    assert caught.value.field_errors == {
        "reason": ["The reason field is required."],
        "end": ["Bad end"],
    }


def test_decision_on_an_unknown_leave_is_not_found(mocked, client):
    mocked.put(f"{BASE}/leaves/{LEAVE_ID}/approve", status=404, json=failure("Not found"))

    with pytest.raises(NotFound):
        client.approve_leave(workspace_id=1, leave_id=LEAVE_ID)


@pytest.mark.parametrize(
    ("header", "retry_after"),
    [("7", 7.0), ("0", 0.0), ("2.5", 2.5), ("999999", 3600.0), ("soon", None), ("", None)],
)
def test_429_reads_retry_after_in_seconds(mocked, make_client, header, retry_after):
    mocked.get(f"{BASE}/leaves", status=429, json=failure(), headers={"Retry-After": header})

    with pytest.raises(RateLimited) as caught:
        list(make_client(max_attempts=1).iter_leaves(workspace_id=1))

    assert caught.value.retry_after == retry_after
    assert caught.value.retryable is True


def test_429_reads_retry_after_as_an_http_date(mocked, make_client):
    when = email.utils.formatdate(time.time() + 120, usegmt=True)
    mocked.get(f"{BASE}/leaves", status=429, json=failure(), headers={"Retry-After": when})

    with pytest.raises(RateLimited) as caught:
        list(make_client(max_attempts=1).iter_leaves(workspace_id=1))

    assert 115 <= caught.value.retry_after <= 121


def test_429_without_retry_after_has_none(mocked, make_client):
    mocked.get(f"{BASE}/leaves", status=429, json=failure())

    with pytest.raises(RateLimited) as caught:
        list(make_client(max_attempts=1).iter_leaves(workspace_id=1))

    assert caught.value.retry_after is None


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("120", 120.0),
        ("  30 ", 30.0),
        ("3601", 3600.0),
        ("9" * 40, None),
        ("-5", None),
        ("1e3", None),
        ("NaN", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("Wed, 21 Oct 2015 07:29:00 GMT", 60.0),
        ("Sun, 06 Nov 9999 08:49:37 GMT", 3600.0),
        ("Wed, 99 Foo 2015 07:28:00 GMT", None),
        ("tomorrow", None),
    ],
)
def test_retry_after_parsing_is_capped_and_tolerant(header, seconds):
    now = email.utils.parsedate_to_datetime("Wed, 21 Oct 2015 07:28:00 GMT").timestamp()

    assert parse_retry_after(header, now=now) == seconds


@settings(max_examples=200, deadline=None, database=None)
@given(header=st.text(max_size=40))
def test_retry_after_parsing_never_crashes(header):
    seconds = parse_retry_after(header)

    assert seconds is None or 0 <= seconds <= 3600


def test_connect_error_is_unavailable_and_not_sent(mocked, make_client):
    mocked.get(f"{BASE}/leaves", body=connect_refused())

    with pytest.raises(Unavailable) as caught:
        list(make_client(max_attempts=1).iter_leaves(workspace_id=1))

    assert caught.value.request_sent is False
    assert caught.value.status is None
    assert isinstance(caught.value.__cause__, requests.ConnectionError)


def test_connect_timeout_is_unavailable_and_not_sent(mocked, make_client):
    mocked.get(f"{BASE}/leaves", body=requests.ConnectTimeout("connect timed out"))

    with pytest.raises(Unavailable) as caught:
        list(make_client(max_attempts=1).iter_leaves(workspace_id=1))

    assert caught.value.request_sent is False


@pytest.mark.parametrize(
    "exc",
    [
        requests.ReadTimeout("read timed out"),
        connection_reset(),
        requests.exceptions.ChunkedEncodingError("broken body"),
    ],
    ids=["read-timeout", "reset", "chunked"],
)
def test_failure_after_sending_is_unavailable_and_may_have_been_sent(mocked, make_client, exc):
    mocked.get(f"{BASE}/leaves", body=exc)

    with pytest.raises(Unavailable) as caught:
        list(make_client(max_attempts=1).iter_leaves(workspace_id=1))

    assert caught.value.request_sent is True
    assert caught.value.__cause__ is exc


@pytest.mark.parametrize(
    "body",
    [
        "<html><body>Maintenance</body></html>",
        '{"success": true, "data": [',
        "",
        "[1, 2, 3]",
        '"just a string"',
        "[" * 100_000,
        b"\xff\xfe\x00garbage",
    ],
    ids=["html", "truncated", "empty", "array", "string", "deep", "binary"],
)
def test_unreadable_success_answer_is_a_bad_response(mocked, client, body):
    mocked.get(f"{BASE}/leaves", status=200, body=body)

    with pytest.raises(BadResponse) as caught:
        list(client.iter_leaves(workspace_id=1))

    assert caught.value.retryable is False
    assert len(mocked.calls) == 1


def test_success_false_on_200_is_a_bad_response_carrying_the_message(mocked, client):
    mocked.put(
        f"{BASE}/leaves/{LEAVE_ID}/approve",
        json=failure("Leave already approved", error="already_decided"),
    )

    with pytest.raises(BadResponse) as caught:
        client.approve_leave(workspace_id=1, leave_id=LEAVE_ID)

    assert caught.value.status == 200
    assert caught.value.code == "already_decided"
    assert caught.value.message == "Leave already approved"


@pytest.mark.parametrize("data", ["text", 5, [1, 2]])
def test_list_data_of_the_wrong_shape_is_a_bad_response(mocked, client, data):
    mocked.get(f"{BASE}/leaves", json=envelope(data))

    with pytest.raises(BadResponse):
        list(client.iter_leaves(workspace_id=1))


def test_redirects_are_not_followed(mocked, client):
    mocked.get(
        f"{BASE}/leaves", status=302, headers={"Location": "http://elsewhere.test/login"}, body=""
    )

    with pytest.raises(BadResponse):
        list(client.iter_leaves(workspace_id=1))

    assert len(mocked.calls) == 1


# --------------------------------------------------------------------------- retries


def test_get_is_retried_through_two_503s(mocked, client, sleeps):
    mocked.get(f"{BASE}/leaves", status=503, json=failure())
    mocked.get(f"{BASE}/leaves", status=503, json=failure())
    mocked.get(f"{BASE}/leaves", json=envelope([LEAVE]))

    leaves = list(client.iter_leaves(workspace_id=1))

    assert [leave.id for leave in leaves] == [LEAVE_ID]
    assert len(mocked.calls) == 3
    assert len(sleeps.waits) == 2


def test_get_gives_up_after_three_attempts(mocked, client, sleeps):
    mocked.get(f"{BASE}/leaves", status=500, json=failure())

    with pytest.raises(Unavailable):
        list(client.iter_leaves(workspace_id=1))

    assert len(mocked.calls) == 3
    assert len(sleeps.waits) == 2


@pytest.mark.parametrize(
    "exc", [connect_refused(), requests.ReadTimeout("slow"), connection_reset()]
)
def test_get_is_retried_after_transport_failures(mocked, client, exc):
    mocked.get(f"{BASE}/leaves", body=exc)
    mocked.get(f"{BASE}/leaves", json=envelope([LEAVE]))

    assert len(list(client.iter_leaves(workspace_id=1))) == 1
    assert len(mocked.calls) == 2


@pytest.mark.parametrize("seed", range(20))
def test_backoff_gaps_are_jittered_within_the_cap(mocked, make_client, sleeps, seed):
    mocked.get(f"{BASE}/leaves", status=503, json=failure())
    client = make_client(
        max_attempts=6,
        backoff_base=0.25,
        backoff_cap=1.0,
        max_retry_wait=5.0,
        rng=random.Random(seed),
    )

    with pytest.raises(Unavailable):
        list(client.iter_leaves(workspace_id=1))

    assert len(sleeps.waits) == 5
    ceilings = [0.25, 0.5, 1.0, 1.0, 1.0]
    for wait, ceiling in zip(sleeps.waits, ceilings, strict=True):
        assert 0 <= wait <= ceiling


def test_backoff_gaps_are_randomised(mocked, make_client, sleeps):
    mocked.get(f"{BASE}/leaves", status=503, json=failure())

    for seed in range(5):
        with pytest.raises(Unavailable):
            list(make_client(max_attempts=2, rng=random.Random(seed)).iter_leaves(workspace_id=1))

    assert len(set(sleeps.waits)) == 5


def test_429_with_a_short_retry_after_is_waited_then_retried(mocked, client, sleeps):
    mocked.get(f"{BASE}/leaves", status=429, json=failure(), headers={"Retry-After": "1"})
    mocked.get(f"{BASE}/leaves", json=envelope([LEAVE]))

    assert len(list(client.iter_leaves(workspace_id=1))) == 1
    assert sleeps.waits == [1.0]
    assert len(mocked.calls) == 2


@pytest.mark.parametrize(
    "header",
    ["3600", "3", "in an hour, as an HTTP date"],
    ids=["an-hour", "just-over", "http-date"],
)
def test_429_with_a_long_retry_after_is_raised_without_sleeping(mocked, client, sleeps, header):
    if header.startswith("in an hour"):  # made now: the test's clock, not collection time
        header = email.utils.formatdate(time.time() + 3600, usegmt=True)
    mocked.get(f"{BASE}/leaves", status=429, json=failure(), headers={"Retry-After": header})

    with pytest.raises(RateLimited) as caught:
        list(client.iter_leaves(workspace_id=1))

    assert caught.value.retry_after > 2.0
    assert sleeps.waits == []
    assert len(mocked.calls) == 1


def test_a_background_caller_may_wait_longer_for_retry_after(mocked, make_client, sleeps):
    mocked.get(f"{BASE}/leaves", status=429, json=failure(), headers={"Retry-After": "20"})
    mocked.get(f"{BASE}/leaves", json=envelope([]))

    list(make_client(max_retry_wait=30.0).iter_leaves(workspace_id=1))

    assert sleeps.waits == [20.0]


def test_429_with_garbage_retry_after_backs_off_like_a_failure(mocked, client, sleeps):
    mocked.get(f"{BASE}/leaves", status=429, json=failure(), headers={"Retry-After": "later"})
    mocked.get(f"{BASE}/leaves", json=envelope([]))

    list(client.iter_leaves(workspace_id=1))

    assert len(sleeps.waits) == 1
    assert 0 <= sleeps.waits[0] <= 0.25


@pytest.mark.parametrize(
    "failure_answer",
    [
        {"status": 503, "json": failure()},
        {"status": 502, "body": "Bad Gateway"},
        {"status": 500, "json": failure()},
        {"body": requests.ReadTimeout("slow")},
        {"body": connection_reset()},
    ],
    ids=["503", "502", "500", "read-timeout", "reset"],
)
@pytest.mark.parametrize("action", ["approve", "reject", "create"])
def test_writes_are_never_retried_and_may_have_been_applied(
    mocked, client, sleeps, failure_answer, action
):
    for method, url in [
        (responses.PUT, f"{BASE}/leaves/{LEAVE_ID}/approve"),
        (responses.PUT, f"{BASE}/leaves/{LEAVE_ID}/reject"),
        (responses.POST, f"{BASE}/leaves"),
    ]:
        mocked.add(method, url, **failure_answer)
        mocked.add(method, url, json=envelope())
    calls = {
        "approve": lambda: client.approve_leave(workspace_id=1, leave_id=LEAVE_ID),
        "reject": lambda: client.reject_leave(workspace_id=1, leave_id=LEAVE_ID, reason="No"),
        "create": lambda: client.create_leave(
            workspace_id=1, user_id=1, policy_id=1, start=date(2026, 1, 1), end=date(2026, 1, 1)
        ),
    }

    with pytest.raises(Unavailable) as caught:
        calls[action]()

    assert caught.value.request_sent is True
    assert len(mocked.calls) == 1
    assert sleeps.waits == []


def test_put_is_never_retried_after_a_timeout(mocked, client, sleeps):
    mocked.put(f"{BASE}/leaves/{LEAVE_ID}/approve", body=requests.ReadTimeout("slow"))
    mocked.put(f"{BASE}/leaves/{LEAVE_ID}/approve", json=envelope())

    with pytest.raises(Unavailable) as caught:
        client.approve_leave(workspace_id=1, leave_id=LEAVE_ID)

    assert caught.value.request_sent is True
    assert len(mocked.calls) == 1


def test_write_that_could_not_connect_reports_it_was_not_sent(mocked, client):
    mocked.put(f"{BASE}/leaves/{LEAVE_ID}/approve", body=connect_refused())

    with pytest.raises(Unavailable) as caught:
        client.approve_leave(workspace_id=1, leave_id=LEAVE_ID)

    assert caught.value.request_sent is False
    assert len(mocked.calls) == 1


def test_429_on_a_write_is_not_retried(mocked, client, sleeps):
    mocked.put(
        f"{BASE}/leaves/{LEAVE_ID}/approve", status=429, headers={"Retry-After": "1"}, json={}
    )

    with pytest.raises(RateLimited):
        client.approve_leave(workspace_id=1, leave_id=LEAVE_ID)

    assert len(mocked.calls) == 1
    assert sleeps.waits == []


@pytest.mark.parametrize("status", [400, 403, 404, 422])
def test_client_errors_are_not_retried(mocked, client, sleeps, status):
    mocked.get(f"{BASE}/leaves", status=status, json=failure())

    with pytest.raises(WebWorkError):
        list(client.iter_leaves(workspace_id=1))

    assert len(mocked.calls) == 1
    assert sleeps.waits == []


def test_bad_response_is_not_retried(mocked, client):
    mocked.get(f"{BASE}/leaves", body="<html>oops</html>")

    with pytest.raises(BadResponse):
        list(client.iter_leaves(workspace_id=1))

    assert len(mocked.calls) == 1


# --------------------------------------------------------------------------- gate and 429 hold
class RecordingGate:
    """A CallGate that notes each call's kind and refuses once `refuse_after` have passed."""

    def __init__(self, refuse_after: int | None = None) -> None:
        self.kinds: list[str] = []
        self.refuse_after = refuse_after

    def admit(self, kind: str, *, deadline: float | None) -> None:
        if self.refuse_after is not None and len(self.kinds) >= self.refuse_after:
            raise OverBudget(retry_after=12.0)
        self.kinds.append(kind)


def test_every_attempt_passes_the_gate_first_retries_included(mocked, make_client):
    gate = RecordingGate()
    mocked.get(f"{BASE}/leaves", status=503, json=failure())
    mocked.get(f"{BASE}/leaves", status=503, json=failure())
    mocked.get(f"{BASE}/leaves", json=envelope([LEAVE]))
    mocked.put(f"{BASE}/leaves/{LEAVE_ID}/approve", json=envelope(LEAVE))
    client = make_client(gate=gate)

    assert len(list(client.iter_leaves(workspace_id=1))) == 1
    client.approve_leave(workspace_id=1, leave_id=LEAVE_ID)

    assert gate.kinds == ["read", "read", "read", "decision"]
    assert len(mocked.calls) == 4


def test_a_gate_refusal_sends_nothing_and_is_not_retried(mocked, make_client, sleeps):
    mocked.get(f"{BASE}/leaves", json=envelope([LEAVE]))
    client = make_client(gate=RecordingGate(refuse_after=0))

    with pytest.raises(OverBudget) as caught:
        list(client.iter_leaves(workspace_id=1))

    assert caught.value.retry_after == 12.0
    assert len(mocked.calls) == 0
    assert sleeps.waits == []


def test_a_429_holds_back_every_later_call_of_the_client(mocked, client, sleeps):
    mocked.get(f"{BASE}/leaves", status=429, json=failure(), headers={"Retry-After": "30"})
    mocked.get(f"{BASE}/leaves/policies", json=envelope([]))

    with pytest.raises(RateLimited):
        list(client.iter_leaves(workspace_id=1))
    with pytest.raises(RateLimited) as caught:
        client.list_policies(workspace_id=1)

    assert 25 < caught.value.retry_after <= 30
    assert [path(call) for call in mocked.calls] == ["/api/v2/leaves"]  # policies never sent
    assert sleeps.waits == []


def test_a_429_stops_the_retries_of_a_sibling_read(mocked, make_client):
    """Two reads of one page share a client: while one backs off after a 503, the other meets a
    429 with Retry-After 30; the first then gives up instead of trying again."""
    mocked.get(f"{BASE}/leaves", status=503, json=failure())
    mocked.get(f"{BASE}/leaves/policies", status=429, json=failure(), headers={"Retry-After": "30"})
    sibling_outcome: list[Exception] = []

    def sleep(seconds: float) -> None:  # the first read's back-off: the sibling runs meanwhile
        if not sibling_outcome:
            try:
                client.list_policies(workspace_id=1)
            except RateLimited as exc:
                sibling_outcome.append(exc)

    client = make_client(sleep=sleep)
    with pytest.raises(RateLimited):
        list(client.iter_leaves(workspace_id=1))

    assert isinstance(sibling_outcome[0], RateLimited)
    assert [path(call) for call in mocked.calls] == ["/api/v2/leaves", "/api/v2/leaves/policies"]


def test_a_short_429_hold_is_waited_for_by_a_sibling(mocked, client, sleeps):
    mocked.get(f"{BASE}/leaves/policies", status=429, json=failure(), headers={"Retry-After": "1"})
    mocked.get(f"{BASE}/leaves/policies", json=envelope([]))
    mocked.get(f"{BASE}/leaves", json=envelope([LEAVE]))

    client.list_policies(workspace_id=1)  # waits its own Retry-After once, then succeeds
    assert len(list(client.iter_leaves(workspace_id=1))) == 1  # the hold (fake time) is waited

    assert len(sleeps.waits) == 2
    assert sleeps.waits[0] == 1.0
    assert 0.9 < sleeps.waits[1] <= 1.0
    assert len(mocked.calls) == 3


# --------------------------------------------------------------------------- deadline


def test_no_retry_wait_runs_past_the_deadline(mocked, make_client, sleeps):
    mocked.get(f"{BASE}/leaves", status=429, json=failure(), headers={"Retry-After": "1"})
    client = make_client(deadline=time.monotonic() + 0.5)

    with pytest.raises(RateLimited):
        list(client.iter_leaves(workspace_id=1))

    assert sleeps.waits == []
    assert len(mocked.calls) == 1


def test_timeouts_shrink_to_fit_the_deadline(mocked, make_client):
    mocked.get(f"{BASE}/workspaces", json=envelope([]))

    make_client(deadline=time.monotonic() + 1.0).list_workspaces()

    connect, read = mocked.calls[0].request.req_kwargs["timeout"]
    assert 0 < connect <= 1.0
    assert 0 < read <= 1.0


def test_nothing_is_sent_once_the_deadline_has_passed(mocked, make_client):
    mocked.get(f"{BASE}/workspaces", json=envelope([]))

    with pytest.raises(Unavailable) as caught:
        make_client(deadline=time.monotonic() - 1).list_workspaces()

    assert caught.value.request_sent is False
    assert len(mocked.calls) == 0


# --------------------------------------------------------------------------- 401 and re-auth


class TokenSource:
    """An on_unauthorized callback that hands out a fresh token and counts its calls."""

    def __init__(self, token: str | None = FRESH_TOKEN) -> None:
        self.token = token
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self) -> str | None:
        with self._lock:
            self.calls += 1
        return self.token


def test_401_gets_a_fresh_token_and_repeats_the_get_once(mocked, make_client):
    mocked.get(f"{BASE}/leaves", status=401, json=failure("Unauthenticated."))
    mocked.get(f"{BASE}/leaves", json=envelope([LEAVE]))
    source = TokenSource()

    leaves = list(make_client(on_unauthorized=source).iter_leaves(workspace_id=1))

    assert len(leaves) == 1
    assert source.calls == 1
    assert [bearer(call) for call in mocked.calls] == [f"Bearer {TOKEN}", f"Bearer {FRESH_TOKEN}"]


def test_401_on_a_put_is_repeated_once_with_the_fresh_token(mocked, make_client):
    url = f"{BASE}/leaves/{LEAVE_ID}/approve"
    mocked.put(url, status=401, json=failure("Unauthenticated."))
    mocked.put(url, json=envelope({**LEAVE, "status": "approved"}))
    source = TokenSource()

    leave = make_client(on_unauthorized=source).approve_leave(workspace_id=1, leave_id=LEAVE_ID)

    assert leave.status == "approved"
    assert source.calls == 1
    assert [bearer(call) for call in mocked.calls] == [f"Bearer {TOKEN}", f"Bearer {FRESH_TOKEN}"]
    assert [sent_json(call) for call in mocked.calls] == [{"workspace_id": 1}] * 2


def test_401_again_after_a_fresh_token_is_auth_expired_without_a_loop(mocked, make_client):
    mocked.get(f"{BASE}/leaves", status=401, json=failure("Unauthenticated."))
    source = TokenSource()
    client = make_client(on_unauthorized=source)

    with pytest.raises(AuthExpired):
        list(client.iter_leaves(workspace_id=1))
    with pytest.raises(AuthExpired):
        list(client.iter_leaves(workspace_id=1))

    assert source.calls == 1
    assert len(mocked.calls) == 3


def test_401_without_a_callback_is_auth_expired(mocked, client):
    mocked.get(f"{BASE}/leaves", status=401, json=failure("Unauthenticated."))

    with pytest.raises(AuthExpired) as caught:
        list(client.iter_leaves(workspace_id=1))

    assert caught.value.status == 401
    assert len(mocked.calls) == 1


@pytest.mark.parametrize("answer", [None, "", TOKEN])
def test_401_when_no_new_token_comes_is_auth_expired_without_a_repeat(mocked, make_client, answer):
    mocked.get(f"{BASE}/leaves", status=401, json=failure())
    source = TokenSource(answer)

    with pytest.raises(AuthExpired):
        list(make_client(on_unauthorized=source).iter_leaves(workspace_id=1))

    assert source.calls == 1
    assert len(mocked.calls) == 1


def test_a_failing_token_refresh_propagates_its_own_error(mocked, make_client):
    mocked.get(f"{BASE}/leaves", status=401, json=failure())

    def refresh_fails() -> str:
        raise AuthExpired("Refresh token revoked.", code="invalid_grant")

    with pytest.raises(AuthExpired) as caught:
        list(make_client(on_unauthorized=refresh_fails).iter_leaves(workspace_id=1))

    assert caught.value.code == "invalid_grant"


def test_later_calls_use_the_fresh_token(mocked, make_client):
    mocked.get(f"{BASE}/workspaces", status=401, json=failure())
    mocked.get(f"{BASE}/workspaces", json=envelope([]))
    mocked.get(f"{BASE}/leaves", json=envelope([]))
    client = make_client(on_unauthorized=TokenSource())

    client.list_workspaces()
    list(client.iter_leaves(workspace_id=1))

    assert bearer(mocked.calls[-1]) == f"Bearer {FRESH_TOKEN}"


def test_concurrent_401s_on_page_threads_refresh_once(mocked, make_client):
    def answer(request):
        page = int(dict(parse_qsl(urlsplit(request.url).query))["page"])
        if page == 1:
            return 200, {}, json.dumps(leaves_page(0, 1, last_page=4))
        if request.headers["Authorization"] == f"Bearer {TOKEN}":
            return 401, {}, json.dumps(failure())
        return 200, {}, json.dumps(leaves_page(page * 10, 1, last_page=4))

    mocked.add_callback(responses.GET, f"{BASE}/leaves", callback=answer)
    source = TokenSource()

    leaves = list(make_client(on_unauthorized=source).iter_leaves(workspace_id=1))

    assert [leave.id for leave in leaves] == ["leave-0", "leave-20", "leave-30", "leave-40"]
    assert source.calls == 1


# --------------------------------------------------------------------------- pagination


def paged_leaves(pages_total: int, per_page: int = 3, hold_page: int | None = None):
    """A callback serving `pages_total` pages; `hold_page` answers only after the others."""
    others_done = threading.Event()
    served: list[int] = []
    lock = threading.Lock()

    def answer(request):
        page = int(dict(parse_qsl(urlsplit(request.url).query))["page"])
        if page == hold_page:
            others_done.wait(timeout=2)
        body = leaves_page((page - 1) * per_page, per_page, last_page=pages_total)
        with lock:
            served.append(page)
            if len(served) == pages_total - 1 and hold_page is not None:
                others_done.set()
        return 200, {}, json.dumps(body)

    return answer, served


def test_all_pages_are_fetched_and_items_keep_page_order(mocked, client):
    answer, served = paged_leaves(5, hold_page=2)
    mocked.add_callback(responses.GET, f"{BASE}/leaves", callback=answer)

    leaves = list(client.iter_leaves(workspace_id=1, status="pending"))

    assert [leave.id for leave in leaves] == [f"leave-{n}" for n in range(15)]
    assert sorted(served) == [1, 2, 3, 4, 5]
    assert served[-1] == 2  # page 2 answered last, yet its items came second
    for call in mocked.calls:
        assert query(call)["status"] == "pending"
        assert query(call)["per_page"] == "100"
        assert bearer(call) == f"Bearer {TOKEN}"


def test_pages_after_the_first_are_fetched_concurrently(mocked, make_client):
    # Each of pages 2-4 waits for the others: this only finishes if they are in flight together.
    barrier = threading.Barrier(3, timeout=2)

    def answer(request):
        page = int(dict(parse_qsl(urlsplit(request.url).query))["page"])
        if page > 1:
            barrier.wait()
        return 200, {}, json.dumps(leaves_page(page * 10, 1, last_page=4))

    mocked.add_callback(responses.GET, f"{BASE}/leaves", callback=answer)

    leaves = list(make_client(page_workers=4).iter_leaves(workspace_id=1))

    assert [leave.id for leave in leaves] == ["leave-10", "leave-20", "leave-30", "leave-40"]


def test_pages_expected_from_last_time_are_asked_for_with_the_first(mocked, make_client):
    # Pages 1-3 wait for one another: this only finishes if they are in flight together.
    barrier = threading.Barrier(3, timeout=2)

    def answer(request):
        page = int(dict(parse_qsl(urlsplit(request.url).query))["page"])
        if page <= 3:
            barrier.wait()
        return 200, {}, json.dumps(leaves_page(page * 10, 1, last_page=4))

    mocked.add_callback(responses.GET, f"{BASE}/leaves", callback=answer)

    leaves = list(make_client(page_workers=4).iter_leaves(workspace_id=1, expect_pages=3))

    assert [leave.id for leave in leaves] == ["leave-10", "leave-20", "leave-30", "leave-40"]


def test_pages_expected_beyond_a_shrunk_list_are_not_yielded(mocked, make_client):
    def answer(request):
        page = int(dict(parse_qsl(urlsplit(request.url).query))["page"])
        return 200, {}, json.dumps(leaves_page(page * 10, 1 if page <= 2 else 0, last_page=2))

    mocked.add_callback(responses.GET, f"{BASE}/leaves", callback=answer)

    leaves = list(make_client(page_workers=4).iter_leaves(workspace_id=1, expect_pages=4))

    assert [leave.id for leave in leaves] == ["leave-10", "leave-20"]
    assert len(mocked.calls) == 4


def test_missing_pagination_means_a_single_page(mocked, client):
    mocked.get(f"{BASE}/leaves", json=leaves_page(0, 3, last_page=None))

    assert len(list(client.iter_leaves(workspace_id=1))) == 3
    assert len(mocked.calls) == 1


@pytest.mark.parametrize("last_page", [0, -3, "x", None, "2"])
def test_odd_last_page_values_are_read_tolerantly(mocked, client, last_page):
    body = envelope([LEAVE], pagination={"last_page": last_page})
    mocked.get(f"{BASE}/leaves", json=body)

    list(client.iter_leaves(workspace_id=1))

    assert len(mocked.calls) == (2 if last_page == "2" else 1)


def test_a_lying_last_page_is_refused_before_fetching_more(mocked, client):
    mocked.get(f"{BASE}/leaves", json=envelope([LEAVE], pagination=pages(1_000_000)))

    with pytest.raises(BadResponse):
        list(client.iter_leaves(workspace_id=1))

    assert len(mocked.calls) == 1


def test_pages_up_to_the_bound_are_followed(mocked, client, monkeypatch):
    monkeypatch.setattr(requester, "MAX_PAGES", 6)
    answer, _ = paged_leaves(6, per_page=1)
    mocked.add_callback(responses.GET, f"{BASE}/leaves", callback=answer)

    assert len(list(client.iter_leaves(workspace_id=1))) == 6


def test_pages_past_their_data_yield_nothing_more(mocked, client):
    mocked.get(f"{BASE}/leaves", json=envelope([LEAVE], pagination=pages(3)))
    mocked.get(f"{BASE}/leaves", json=envelope([], pagination=pages(3)))

    assert len(list(client.iter_leaves(workspace_id=1))) == 1
    assert len(mocked.calls) == 3


def test_an_error_on_a_later_page_is_raised(mocked, client):
    def answer(request):
        page = int(dict(parse_qsl(urlsplit(request.url).query))["page"])
        if page == 3:
            return 403, {}, json.dumps(failure("No access"))
        return 200, {}, json.dumps(leaves_page(page, 1, last_page=4))

    mocked.add_callback(responses.GET, f"{BASE}/leaves", callback=answer)

    with pytest.raises(Forbidden):
        list(client.iter_leaves(workspace_id=1))


def test_a_later_page_is_retried_on_its_own(mocked, client, sleeps):
    failed = threading.Event()

    def answer(request):
        page = int(dict(parse_qsl(urlsplit(request.url).query))["page"])
        if page == 2 and not failed.is_set():
            failed.set()
            return 503, {}, json.dumps(failure())
        return 200, {}, json.dumps(leaves_page(page, 1, last_page=3))

    mocked.add_callback(responses.GET, f"{BASE}/leaves", callback=answer)

    assert len(list(client.iter_leaves(workspace_id=1))) == 3
    assert len(mocked.calls) == 4
    assert len(sleeps.waits) == 1


def test_stopping_early_does_not_hang(mocked, client):
    answer, _ = paged_leaves(8, per_page=2)
    mocked.add_callback(responses.GET, f"{BASE}/leaves", callback=answer)

    leaves = client.iter_leaves(workspace_id=1)
    first = next(leaves)
    third = [next(leaves), next(leaves)][-1]
    leaves.close()

    assert (first.id, third.id) == ("leave-0", "leave-2")


# --------------------------------------------------------------------------- rate limit headers


def test_rate_limit_headers_of_the_last_response_are_tracked(mocked, make_client):
    mocked.get(
        f"{BASE}/workspaces",
        json=envelope([]),
        headers={"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "57"},
    )
    mocked.get(
        f"{BASE}/leaves",
        status=429,
        json=failure(),
        headers={"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "0", "Retry-After": "60"},
    )
    client = make_client()
    assert client.rate_limit is None
    before = time.time()

    client.list_workspaces()
    first = client.rate_limit
    with pytest.raises(RateLimited):
        list(client.iter_leaves(workspace_id=1))

    assert (first.limit, first.remaining) == (60, 57)
    assert before <= first.observed_at <= time.time()
    assert (client.rate_limit.limit, client.rate_limit.remaining) == (60, 0)


def test_rate_limit_is_kept_when_a_response_lacks_the_headers(mocked, client):
    mocked.get(
        f"{BASE}/workspaces",
        json=envelope([]),
        headers={"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "12"},
    )
    mocked.get(f"{BASE}/leaves", json=envelope([]), headers={"X-RateLimit-Remaining": "lots"})

    client.list_workspaces()
    list(client.iter_leaves(workspace_id=1))

    assert isinstance(client.rate_limit, RateLimitStatus)
    assert client.rate_limit.remaining == 12


# --------------------------------------------------------------------------- call recording


def test_record_calls_lists_method_path_status_and_time(mocked, client):
    mocked.get(f"{BASE}/members", json=envelope([]))
    mocked.put(f"{BASE}/leaves/{LEAVE_ID}/approve", status=422, json=failure())

    with record_calls() as calls:
        list(client.iter_members(workspace_id=1, email="secret.person@example.com"))
        with pytest.raises(NoLongerPending):
            client.approve_leave(workspace_id=1, leave_id=LEAVE_ID)

    assert [(c.method, c.path, c.status) for c in calls] == [
        ("GET", "/members?workspace_id&email&per_page&page", 200),
        ("PUT", f"/leaves/{LEAVE_ID}/approve", 422),
    ]
    assert all(c.elapsed_ms >= 0 for c in calls)
    assert "secret.person" not in repr(calls)


def test_record_calls_sees_calls_made_on_page_threads(mocked, client):
    answer, _ = paged_leaves(4, per_page=1)
    mocked.add_callback(responses.GET, f"{BASE}/leaves", callback=answer)

    with record_calls() as calls:
        list(client.iter_leaves(workspace_id=1))

    assert len(calls) == 4
    assert {c.status for c in calls} == {200}


def test_record_calls_notes_transport_failures(mocked, make_client):
    mocked.get(f"{BASE}/leaves", body=requests.ReadTimeout("slow"))

    with record_calls() as calls, pytest.raises(Unavailable):
        list(make_client(max_attempts=2).iter_leaves(workspace_id=1))

    assert [(c.status, c.error) for c in calls] == [(None, "ReadTimeout")] * 2


def test_nested_recorders_each_see_the_calls_inside_them(mocked, client):
    mocked.get(f"{BASE}/workspaces", json=envelope([]))

    with record_calls() as outer:
        client.list_workspaces()
        with record_calls() as inner:
            client.list_workspaces()

    assert len(outer) == 2
    assert len(inner) == 1


def test_calls_outside_a_recorder_are_not_kept(mocked, client):
    mocked.get(f"{BASE}/workspaces", json=envelope([]))
    client.list_workspaces()

    with record_calls() as calls:
        pass

    assert calls == []


def test_each_call_is_logged_once_without_query_values(mocked, client, caplog):
    caplog.set_level(logging.DEBUG, logger="dashboard.webwork")
    mocked.get(f"{BASE}/members", json=envelope([]))

    list(client.iter_members(workspace_id=1, email="secret.person@example.com"))

    lines = [r.getMessage() for r in caplog.records if r.name == "dashboard.webwork"]
    assert len(lines) == 1
    assert lines[0].startswith("webwork GET /members?workspace_id&email&per_page&page -> 200 in ")
    assert "secret.person" not in caplog.text


# --------------------------------------------------------------------------- secrets


def test_tokens_never_appear_in_errors_reprs_or_logs(mocked, make_client, caplog):
    caplog.set_level(logging.DEBUG)
    echo = f"Token {TOKEN} / {FRESH_TOKEN} rejected, header was Bearer {TOKEN}"
    mocked.get(
        f"{BASE}/leaves",
        status=401,
        json=failure(echo, error=f"bad_token {TOKEN}", errors={"token": [echo]}),
    )
    client = make_client(on_unauthorized=TokenSource())

    with pytest.raises(AuthExpired) as caught:
        list(client.iter_leaves(workspace_id=1))

    error = caught.value
    texts = [
        str(error),
        repr(error),
        error.message,
        str(error.code),
        repr(error.field_errors),
        repr(client),
        caplog.text,
    ]
    for text in texts:
        assert TOKEN not in text
        assert FRESH_TOKEN not in text


def test_transport_errors_do_not_carry_the_token_in_their_message(mocked, client):
    mocked.put(f"{BASE}/leaves/{LEAVE_ID}/approve", body=requests.ReadTimeout(f"Bearer {TOKEN}"))

    with pytest.raises(Unavailable) as caught:
        client.approve_leave(workspace_id=1, leave_id=LEAVE_ID)

    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(caught.value)


# --------------------------------------------------------------------------- OAuth refresh


def test_refresh_posts_a_form_and_returns_the_new_tokens(mocked):
    mocked.post(
        TOKEN_URL,
        json={
            "access_token": FRESH_TOKEN,
            "token_type": "Bearer",
            "expires_in": 1296000,
            "refresh_token": "canary-rotated-0000",
            "scope": "read write",
        },
    )

    tokens = refresh_access_token(
        token_url=TOKEN_URL,
        client_id="dashboard",
        client_secret=CLIENT_SECRET,
        refresh_token=REFRESH_TOKEN,
    )

    assert tokens.access_token == FRESH_TOKEN
    assert tokens.refresh_token == "canary-rotated-0000"
    assert tokens.expires_in == 1296000
    call = mocked.calls[0]
    assert call.request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert dict(parse_qsl(call.request.body)) == {
        "grant_type": "refresh_token",
        "refresh_token": REFRESH_TOKEN,
        "client_id": "dashboard",
        "client_secret": CLIENT_SECRET,
    }
    assert "Authorization" not in call.request.headers
    assert call.request.req_kwargs["timeout"] == (3.0, 5.0)


@pytest.mark.parametrize("status", [400, 401])
@pytest.mark.parametrize("code", ["invalid_grant", "invalid_client"])
def test_refresh_refused_is_auth_expired_with_the_oauth_code(mocked, status, code):
    mocked.post(
        TOKEN_URL,
        status=status,
        json={"error": code, "error_description": f"Token {REFRESH_TOKEN} was revoked"},
    )

    with pytest.raises(AuthExpired) as caught:
        refresh_access_token(
            token_url=TOKEN_URL,
            client_id="dashboard",
            client_secret=CLIENT_SECRET,
            refresh_token=REFRESH_TOKEN,
        )

    assert caught.value.code == code
    assert REFRESH_TOKEN not in str(caught.value)
    assert len(mocked.calls) == 1


@pytest.mark.parametrize(
    "answer",
    [{"status": 503, "body": "down"}, {"body": requests.ReadTimeout("slow")}],
    ids=["503", "timeout"],
)
def test_refresh_failure_upstream_is_unavailable_and_never_retried(mocked, answer):
    mocked.post(TOKEN_URL, **answer)
    mocked.post(TOKEN_URL, json={"access_token": FRESH_TOKEN})

    with pytest.raises(Unavailable):
        refresh_access_token(
            token_url=TOKEN_URL,
            client_id="dashboard",
            client_secret=CLIENT_SECRET,
            refresh_token=REFRESH_TOKEN,
        )

    assert len(mocked.calls) == 1


def test_refresh_answer_without_access_token_is_a_bad_response(mocked):
    mocked.post(TOKEN_URL, json={"token_type": "Bearer"})

    with pytest.raises(BadResponse):
        refresh_access_token(
            token_url=TOKEN_URL,
            client_id="dashboard",
            client_secret=CLIENT_SECRET,
            refresh_token=REFRESH_TOKEN,
        )


def test_refresh_never_logs_token_values(mocked, caplog):
    caplog.set_level(logging.DEBUG)
    mocked.post(TOKEN_URL, json={"access_token": FRESH_TOKEN, "refresh_token": "canary-r2"})

    tokens = refresh_access_token(
        token_url=TOKEN_URL,
        client_id="dashboard",
        client_secret=CLIENT_SECRET,
        refresh_token=REFRESH_TOKEN,
    )

    for secret in (FRESH_TOKEN, "canary-r2", REFRESH_TOKEN, CLIENT_SECRET):
        assert secret not in caplog.text
        assert secret not in repr(tokens)


# --------------------------------------------------------------------------- the session


def test_one_pooled_session_is_shared_and_never_retries_by_itself():
    session = transport._get_session()
    adapter = session.get_adapter(BASE)

    assert transport._get_session() is session
    assert adapter.max_retries.total == 0
    assert adapter._pool_maxsize >= 20


def test_the_shared_session_keeps_no_cookies(mocked, client):
    mocked.get(f"{BASE}/workspaces", json=envelope([]), headers={"Set-Cookie": "sid=abc; Path=/"})

    client.list_workspaces()
    client.list_workspaces()

    assert "Cookie" not in mocked.calls[1].request.headers


def test_client_needs_an_http_base_url():
    with pytest.raises(ValueError, match="base_url"):
        WebWorkClient(base_url="ftp://webwork.test", access_token=TOKEN)


# --------------------------------------------------------------------------- real sockets
# The classification of transport failures depends on how urllib3 wraps them, so these run
# against real loopback sockets rather than mocked exceptions.


@contextmanager
def listening_socket() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield sock
    finally:
        sock.close()


def base_url(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}/api/v2"


@contextmanager
def resetting_server() -> Iterator[tuple[str, list[bytes]]]:
    """Reads each request, then resets the connection without answering."""
    received: list[bytes] = []
    stop = threading.Event()
    with listening_socket() as sock:
        sock.settimeout(0.05)

        def serve() -> None:
            while not stop.is_set():
                try:
                    conn, _ = sock.accept()
                except OSError:
                    continue
                conn.settimeout(2)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                received.append(data)
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            yield base_url(sock), received
        finally:
            stop.set()
            thread.join(timeout=2)


def test_connection_refused_fails_fast_as_not_sent(make_client):
    with listening_socket() as sock:
        url = base_url(sock)
    client = make_client(base_url=url, max_attempts=1)
    started = time.monotonic()

    with pytest.raises(Unavailable) as caught:
        client.approve_leave(workspace_id=1, leave_id=LEAVE_ID)

    assert caught.value.request_sent is False
    assert time.monotonic() - started < 1.0


def test_a_silent_server_is_a_read_timeout_after_sending(make_client):
    with listening_socket() as sock:
        client = make_client(base_url=base_url(sock), timeout=(1.0, 0.1))

        with pytest.raises(Unavailable) as caught:
            client.approve_leave(workspace_id=1, leave_id=LEAVE_ID)

    assert caught.value.request_sent is True
    assert isinstance(caught.value.__cause__, requests.ReadTimeout)


def test_put_is_never_retried_after_a_connection_reset(make_client, caplog):
    caplog.set_level(logging.DEBUG)
    with resetting_server() as (url, received):
        client = make_client(base_url=url)

        with pytest.raises(Unavailable) as caught:
            client.approve_leave(workspace_id=1, leave_id=LEAVE_ID)

    assert caught.value.request_sent is True
    assert len(received) == 1
    assert received[0].startswith(f"PUT /api/v2/leaves/{LEAVE_ID}/approve ".encode())
    assert f"Bearer {TOKEN}".encode() in received[0]
    assert TOKEN not in caplog.text


def test_get_is_retried_after_a_connection_reset(make_client, sleeps):
    with resetting_server() as (url, received), pytest.raises(Unavailable):
        make_client(base_url=url).list_workspaces()

    assert len(received) == 3
    assert len(sleeps.waits) == 2


# --------------------------------------------------------------------------- any answer


statuses = st.sampled_from([200, 201, 204, 301, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=10,
)
envelopes = st.fixed_dictionaries(
    {"success": st.sampled_from([True, False, None, "false"]), "data": json_values},
    optional={
        "meta": st.fixed_dictionaries(
            {}, optional={"pagination": st.dictionaries(st.just("last_page"), json_values)}
        ),
        "message": json_values,
        "errors": json_values,
    },
)
bodies = (
    st.binary(max_size=50)
    | json_values.map(json.dumps)
    | envelopes.map(json.dumps)
    | st.lists(st.fixed_dictionaries({"id": json_values}, optional={"status": json_values}))
    .map(lambda items: {"success": True, "data": items})
    .map(json.dumps)
)


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(status=statuses, body=bodies, retry_after=st.text(max_size=12))
def test_any_upstream_answer_becomes_records_or_a_webwork_error(
    make_client, status, body, retry_after
):
    client = make_client(max_attempts=2)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(
            responses.GET,
            f"{BASE}/leaves",
            status=status,
            body=body,
            headers={"Retry-After": retry_after},
        )
        mock.add(
            responses.PUT,
            f"{BASE}/leaves/{LEAVE_ID}/approve",
            status=status,
            body=body,
            headers={"Retry-After": retry_after},
        )
        try:
            leaves = list(client.iter_leaves(workspace_id=1))
        except WebWorkError:
            pass
        else:
            assert all(isinstance(leave, Leave) for leave in leaves)
        with suppress(WebWorkError):
            client.approve_leave(workspace_id=1, leave_id=LEAVE_ID)
