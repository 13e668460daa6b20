import json
import time

import pytest
import requests

from sandbox.calls import CallLog


class FakeClock:
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock(sandbox):
    fake = FakeClock()
    sandbox.state.clock = fake
    yield fake
    sandbox.state.clock = time.monotonic


def _get(sandbox, token, path, **params):
    return requests.get(
        f"{sandbox.api_url}{path}",
        params=params,
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )


def test_every_api_call_is_recorded(sandbox):
    token = sandbox.state.issue_tokens(1002)["access_token"]
    _get(sandbox, token, "/leaves", workspace_id=1, status="pending")
    _get(sandbox, token, "/nope")
    records = sandbox.state.calls.records()
    assert [(r["method"], r["path"], r["status"]) for r in records] == [
        ("GET", "/api/v2/leaves", 200),
        ("GET", "/api/v2/nope", 404),
    ]
    first = records[0]
    assert first["query"] == {"workspace_id": "1", "status": "pending"}
    assert first["user_id"] == 1002
    assert first["token_id"] == sandbox.state.token_id_for(token)
    assert first["fault"] is None
    assert isinstance(first["at"], float)
    assert first["wall"]


def test_tokens_never_appear_in_the_log(sandbox):
    sandbox.state.token_prefix = "AT-CANARY-"
    sandbox.state.refresh_prefix = "RT-CANARY-"
    tokens = sandbox.state.issue_tokens(1001)
    assert tokens["access_token"].startswith("AT-CANARY-")
    assert tokens["refresh_token"].startswith("RT-CANARY-")
    _get(sandbox, tokens["access_token"], "/workspaces")
    requests.post(
        f"{sandbox.oauth_url}/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=("sandbox-client", "sandbox-secret"),
        timeout=5,
    )
    dumped = json.dumps(sandbox.state.calls.records())
    assert "CANARY" not in dumped
    assert len(sandbox.state.calls) == 2


def test_oauth_calls_record_client_and_user(sandbox):
    requests.get(
        f"{sandbox.oauth_url}/authorize",
        params={
            "client_id": "sandbox-client",
            "redirect_uri": "http://127.0.0.1:9/cb",
            "response_type": "code",
            "login_hint": "manager@sandbox.test",
        },
        allow_redirects=False,
        timeout=5,
    )
    requests.post(
        f"{sandbox.oauth_url}/token",
        data={
            "grant_type": "authorization_code",
            "code": "nope",
            "client_id": "sandbox-client",
            "client_secret": "sandbox-secret",
        },
        timeout=5,
    )
    authorize, token = sandbox.state.calls.records()
    assert (authorize["client_id"], authorize["user_id"], authorize["status"]) == (
        "sandbox-client",
        1002,
        302,
    )
    assert (token["client_id"], token["status"]) == ("sandbox-client", 400)


def test_control_calls_are_not_recorded(sandbox):
    requests.get(f"{sandbox.control_url}/healthz", timeout=5)
    requests.get(f"{sandbox.control_url}/calls", timeout=5)
    assert len(sandbox.state.calls) == 0


def test_count_filters_by_method_path_regex_and_time(sandbox, clock):
    token = sandbox.state.issue_tokens(1001)["access_token"]
    _get(sandbox, token, "/workspaces")
    clock.advance(10)
    since = sandbox.state.calls.now()
    _get(sandbox, token, "/leaves", workspace_id=1)
    _get(sandbox, token, "/leaves/policies", workspace_id=1)
    calls = sandbox.state.calls
    assert calls.count() == 3
    assert calls.count(method="GET") == 3
    assert calls.count(method="POST") == 0
    assert calls.count(path="^/api/v2/leaves$") == 1
    assert calls.count(path="/leaves") == 2
    assert calls.count(since=since) == 2
    assert calls.count(path="workspaces", since=since) == 0
    assert calls.counts() == {
        "GET /api/v2/leaves": 1,
        "GET /api/v2/leaves/policies": 1,
        "GET /api/v2/workspaces": 1,
    }
    calls.clear()
    assert calls.count() == 0


def test_max_in_window_finds_the_busiest_rolling_window(sandbox, clock):
    state = sandbox.state
    state.config.rate_limit = 0
    one = state.issue_tokens(1001)["access_token"]
    two = state.issue_tokens(1002)["access_token"]
    for step in (0, 10, 20, 50, 59):  # five calls inside one minute
        clock.now = 1000 + step
        _get(sandbox, one, "/workspaces")
    for step in (61, 62, 130):
        clock.now = 1000 + step
        _get(sandbox, one, "/workspaces")
        _get(sandbox, two, "/workspaces")
    calls = state.calls
    one_id = state.token_id_for(one)
    assert calls.max_in_window(60, token_id=one_id) == 6  # 10, 20, 50, 59, 61, 62
    assert calls.max_in_window(60, token_id=state.token_id_for(two)) == 2
    assert calls.max_in_window(60) == 8
    assert calls.max_in_window(1, token_id=one_id) == 1
    assert calls.max_in_window(60, user_id=1002) == 2


def test_call_log_unit():
    clock = FakeClock(0)
    log = CallLog(clock)
    for at, path in ((0, "/a"), (5, "/b"), (5.5, "/a")):
        log.append(
            {
                "at": at,
                "method": "GET",
                "path": path,
                "status": 200,
                "token_id": None,
                "user_id": None,
            }
        )
    assert log.max_in_window(5) == 2
    assert log.max_in_window(6) == 3
    assert log.count(path="^/a$", since=1) == 1
    assert log.records(status=200)[0]["path"] == "/a"


def test_calls_over_http(sandbox, clock):
    token = sandbox.state.issue_tokens(1001)["access_token"]
    _get(sandbox, token, "/workspaces")
    clock.advance(5)
    _get(sandbox, token, "/leaves", workspace_id=1)
    body = requests.get(f"{sandbox.control_url}/calls", timeout=5).json()
    assert body["total"] == 2
    assert body["counts"] == {"GET /api/v2/leaves": 1, "GET /api/v2/workspaces": 1}
    assert body["now"] == clock.now
    since = clock.now
    filtered = requests.get(
        f"{sandbox.control_url}/calls", params={"since": since, "path": "leaves"}, timeout=5
    ).json()
    assert filtered["total"] == 1
    assert filtered["calls"][0]["query"] == {"workspace_id": "1"}
    assert requests.delete(f"{sandbox.control_url}/calls", timeout=5).status_code == 200
    assert len(sandbox.state.calls) == 0
