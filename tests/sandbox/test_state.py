import threading
import time
from datetime import date

import pytest
import requests

from sandbox.state import Config, SandboxState


class FakeClock:
    def __init__(self, now=500.0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock(sandbox):
    fake = FakeClock()
    sandbox.state.clock = fake
    yield fake
    sandbox.state.clock = time.monotonic


def _api(sandbox, method, path, token, **kwargs):
    return requests.request(
        method,
        f"{sandbox.api_url}{path}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
        **kwargs,
    )


def _refresh(sandbox, refresh_token):
    return requests.post(
        f"{sandbox.oauth_url}/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=("sandbox-client", "sandbox-secret"),
        timeout=5,
    )


# ---------------------------------------------------------------------- rate limit


def test_rate_limit_slides_with_the_clock(sandbox, clock):
    sandbox.state.config.rate_limit = 3
    token = sandbox.state.issue_tokens(1001)["access_token"]
    remaining = []
    for offset in (0, 10, 20):
        clock.now = 500 + offset
        response = _api(sandbox, "GET", "/workspaces", token)
        remaining.append(response.headers["X-RateLimit-Remaining"])
    assert remaining == ["2", "1", "0"]
    clock.now = 530
    limited = _api(sandbox, "GET", "/workspaces", token)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "30"  # the call at 500 frees its slot at 560
    assert limited.json()["message"]
    clock.now = 560
    assert _api(sandbox, "GET", "/workspaces", token).status_code == 200
    clock.now = 561
    assert _api(sandbox, "GET", "/workspaces", token).status_code == 429


def test_rate_limit_is_per_token_by_default_and_per_user_on_request(sandbox, clock):
    sandbox.state.config.rate_limit = 1
    first = sandbox.state.issue_tokens(1001)["access_token"]
    second = sandbox.state.issue_tokens(1001)["access_token"]
    assert _api(sandbox, "GET", "/workspaces", first).status_code == 200
    assert _api(sandbox, "GET", "/workspaces", second).status_code == 200
    sandbox.state.reset_rate_limits()
    sandbox.state.config.rate_limit_per = "user"
    assert _api(sandbox, "GET", "/workspaces", first).status_code == 200
    assert _api(sandbox, "GET", "/workspaces", second).status_code == 429


def test_rejected_calls_do_not_use_the_budget(sandbox, clock):
    sandbox.state.config.rate_limit = 2
    token = sandbox.state.issue_tokens(1001)["access_token"]
    for _ in range(2):
        _api(sandbox, "GET", "/workspaces", token)
    for _ in range(5):
        assert _api(sandbox, "GET", "/workspaces", token).status_code == 429
    clock.now += 60
    assert _api(sandbox, "GET", "/workspaces", token).headers["X-RateLimit-Remaining"] == "1"


def test_zero_rate_limit_means_unlimited(sandbox):
    sandbox.state.config.rate_limit = 0
    token = sandbox.state.issue_tokens(1001)["access_token"]
    for _ in range(70):
        response = _api(sandbox, "GET", "/workspaces", token)
        assert response.status_code == 200
    assert "X-RateLimit-Limit" not in response.headers


def test_unauthenticated_answers_carry_rate_headers(sandbox):
    response = requests.get(f"{sandbox.api_url}/workspaces", timeout=5)
    assert response.status_code == 401
    assert response.headers["X-RateLimit-Limit"] == "60"
    assert response.headers["X-RateLimit-Remaining"] == "60"


# ---------------------------------------------------------------------- tokens


def test_short_token_ttl_expires_tokens(sandbox, clock):
    sandbox.state.config.token_ttl = 2
    tokens = sandbox.state.issue_tokens(1001)
    assert tokens["expires_in"] == 2
    assert _api(sandbox, "GET", "/workspaces", tokens["access_token"]).status_code == 200
    clock.now += 2
    assert _api(sandbox, "GET", "/workspaces", tokens["access_token"]).status_code == 401


def test_expire_access_tokens_of_one_user(sandbox):
    owner = sandbox.state.issue_tokens(1001)["access_token"]
    manager = sandbox.state.issue_tokens(1002)["access_token"]
    assert sandbox.state.expire_access_tokens(user_id=1002) == 1
    assert _api(sandbox, "GET", "/workspaces", owner).status_code == 200
    assert _api(sandbox, "GET", "/workspaces", manager).status_code == 401


def test_revoke_refresh_tokens_of_one_user(sandbox):
    owner = sandbox.state.issue_tokens(1001)["refresh_token"]
    manager = sandbox.state.issue_tokens(1002)["refresh_token"]
    assert sandbox.state.revoke_refresh_tokens(user_id=1001) == 1
    assert _refresh(sandbox, owner).json()["error"] == "invalid_grant"
    assert _refresh(sandbox, manager).status_code == 200


def test_reusing_a_rotated_refresh_token_can_revoke_the_whole_login(sandbox):
    sandbox.state.config.revoke_family_on_reuse = True
    first = sandbox.state.issue_tokens(1001)
    second = _refresh(sandbox, first["refresh_token"]).json()
    assert _refresh(sandbox, first["refresh_token"]).status_code == 400
    assert _api(sandbox, "GET", "/workspaces", second["access_token"]).status_code == 401
    assert _refresh(sandbox, second["refresh_token"]).status_code == 400


def test_reusing_a_rotated_refresh_token_keeps_the_new_one_by_default(sandbox):
    first = sandbox.state.issue_tokens(1001)
    second = _refresh(sandbox, first["refresh_token"]).json()
    assert _refresh(sandbox, first["refresh_token"]).status_code == 400
    assert _api(sandbox, "GET", "/workspaces", second["access_token"]).status_code == 200


def test_expired_refresh_token_is_invalid_grant(sandbox, clock):
    tokens = sandbox.state.issue_tokens(1001)
    clock.now += Config.refresh_ttl
    assert _refresh(sandbox, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_config_update_validates():
    config = Config()
    config.update(rate_limit="10", latency_ms=5, rate_limit_per="user")
    assert (config.rate_limit, config.latency_ms, config.rate_limit_per) == (10, 5, "user")
    for bad in ({"colour": 1}, {"rate_limit": -1}, {"token_ttl": 0}, {"rate_limit_per": "ip"}):
        with pytest.raises(ValueError):  # noqa: PT011
            config.update(**bad)


# ---------------------------------------------------------------------- changes elsewhere


def test_decide_elsewhere_then_approve_is_422(sandbox, owner_headers):
    leave = sandbox.state.leaves_for(1, status="pending")[0]
    decided = sandbox.state.decide(leave["id"], "approved", 1002)
    assert (decided["status"], decided["approved_by"]) == ("approved", 1002)
    assert decided["decided_at"]
    response = requests.put(
        f"{sandbox.api_url}/leaves/{leave['id']}/reject",
        json={"workspace_id": 1},
        headers=owner_headers,
        timeout=5,
    )
    assert response.status_code == 422
    assert response.json()["message"] == "Leave request is already approved"


def test_decide_can_reopen_a_leave(sandbox):
    leave = sandbox.state.leaves_for(1, status="rejected")[0]
    reopened = sandbox.state.decide(leave["id"], "pending", 1001)
    assert reopened["status"] == "pending"
    assert reopened["rejected_by"] is reopened["reject_reason"] is reopened["decided_at"] is None
    with pytest.raises(ValueError, match="status"):
        sandbox.state.decide(leave["id"], "cancelled", 1001)
    with pytest.raises(KeyError):
        sandbox.state.decide("no-such-leave", "approved", 1001)


def test_set_role_takes_effect_immediately(sandbox):
    token = sandbox.state.issue_tokens(1002)["access_token"]
    assert _api(sandbox, "GET", "/leaves", token, params={"workspace_id": 1}).status_code == 200
    member = sandbox.state.set_role(1, 1002, "Team manager")
    assert member["current_role"] == "Team manager"
    assert _api(sandbox, "GET", "/leaves", token, params={"workspace_id": 1}).status_code == 403
    with pytest.raises(ValueError, match="role"):
        sandbox.state.set_role(1, 1002, "Boss")


def test_member_who_left_loses_access(sandbox):
    token = sandbox.state.issue_tokens(1002)["access_token"]
    sandbox.state.set_member_status(1, 1002, "left")
    assert _api(sandbox, "GET", "/workspaces", token).json()["data"] == []
    assert _api(sandbox, "GET", "/leaves", token, params={"workspace_id": 1}).status_code == 403


def test_add_leave_is_served_by_the_api(sandbox, owner_headers):
    added = sandbox.state.add_leave(
        1, 1003, date(2031, 6, 2), date(2031, 6, 4), note="Added in a test", created_by=1001
    )
    assert added["status"] == "pending"
    assert added["policy_id"] == 101
    assert added["total"] == {"days": 3, "hours": 24}
    response = requests.get(
        f"{sandbox.api_url}/leaves",
        params={"workspace_id": 1, "id": added["id"]},
        headers=owner_headers,
        timeout=5,
    )
    assert response.json()["data"] == [added]


def test_add_leave_can_be_decided_and_hour_based(sandbox):
    added = sandbox.state.add_leave(
        1,
        1003,
        date(2031, 6, 2),
        policy_id=104,
        start_time="09:00",
        end_time="10:30",
        status="rejected",
        decided_by=1002,
        reject_reason="Busy",
        show_end_date=False,
    )
    assert "end_date" not in added
    assert (added["status"], added["rejected_by"], added["reject_reason"]) == (
        "rejected",
        1002,
        "Busy",
    )
    assert added["total"]["hours"] == 1.5
    with pytest.raises(KeyError):
        sandbox.state.add_leave(1, 3001, date(2031, 6, 2))
    with pytest.raises(KeyError):
        sandbox.state.add_leave(1, 1003, date(2031, 6, 2), policy_id=201)


def test_accessors(sandbox):
    state = sandbox.state
    assert len(state.members_for(2)) == 12
    assert [p["name"] for p in state.policies_for(2)][:2] == ["Annual leave", "Sick leave"]
    mine = state.leaves_for(1, user_id=1003)
    assert mine
    assert all(lv["user_id"] == 1003 for lv in mine)
    assert all(lv["status"] == "approved" for lv in state.leaves_for(1, status="approved"))
    assert [w["id"] for w in state.workspaces_for(1001)] == [1, 2]
    assert state.leave(mine[0]["id"]) == mine[0]


def test_sandbox_fixture_dirties_the_state(sandbox):
    sandbox.state.add_fault(path=".*", status=500)
    sandbox.state.config.rate_limit = 1
    sandbox.state.token_prefix = "X-"
    sandbox.state.set_role(1, 1002, "Regular User")
    requests.get(f"{sandbox.api_url}/workspaces", timeout=5)
    assert len(sandbox.state.calls) == 1


def test_sandbox_fixture_starts_clean(sandbox):
    state = sandbox.state
    assert state.faults == []
    assert len(state.calls) == 0
    assert state.config == Config()
    assert state.token_prefix == ""
    assert state.membership(1, 1002).role == "Executive manager"
    assert state.access_tokens == {}
    assert state.seed_options.anchor == state.wall().date()


@pytest.mark.sandbox_seed(members=10, teams=2, policies=2, leaves=30)
def test_sandbox_seed_marker_sizes_the_world(sandbox):
    assert len(sandbox.state.members_for(1)) == 10
    assert len(sandbox.state.policies_for(1)) == 2
    assert 25 <= len(sandbox.state.leaves_for(1)) <= 30


# ---------------------------------------------------------------------- OAuth edge cases


def _code(sandbox, client_id="sandbox-client"):
    response = requests.get(
        f"{sandbox.oauth_url}/authorize",
        params={
            "client_id": client_id,
            "redirect_uri": "http://127.0.0.1:9/cb",
            "response_type": "code",
            "login_hint": "owner@sandbox.test",
        },
        allow_redirects=False,
        timeout=5,
    )
    return response.headers["Location"].split("code=")[1].split("&")[0]


def _exchange(sandbox, code, auth=("sandbox-client", "sandbox-secret")):
    return requests.post(
        f"{sandbox.oauth_url}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "http://127.0.0.1:9/cb",
        },
        auth=auth,
        timeout=5,
    )


def test_codes_expire_after_ten_minutes(sandbox, clock):
    fresh, stale = _code(sandbox), _code(sandbox)
    clock.now += 599
    assert _exchange(sandbox, fresh).status_code == 200
    clock.now += 1
    response = _exchange(sandbox, stale)
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")


def test_code_of_another_client_is_invalid_grant(sandbox):
    sandbox.state.register_client("other-app", "other-secret")
    code = _code(sandbox, "other-app")
    response = _exchange(sandbox, code)
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")


def test_replaying_a_code_revokes_the_tokens_it_gave(sandbox):
    code = _code(sandbox)
    tokens = _exchange(sandbox, code).json()
    assert _exchange(sandbox, code).status_code == 400
    assert _api(sandbox, "GET", "/workspaces", tokens["access_token"]).status_code == 401


def test_concurrent_approvals_decide_a_leave_once(sandbox):
    leave_id = sandbox.state.leaves_for(1, status="pending")[0]["id"]
    tokens = [sandbox.state.issue_tokens(user)["access_token"] for user in (1001, 1002) * 10]
    results = []

    def approve(token):
        response = _api(
            sandbox, "PUT", f"/leaves/{leave_id}/approve", token, json={"workspace_id": 1}
        )
        results.append(response.status_code)

    threads = [threading.Thread(target=approve, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(results) == [200] + [422] * 19
    assert sandbox.state.calls.count("PUT", "/approve$") == 20


def test_server_errors_answer_an_envelope_without_a_traceback():
    from sandbox.app import create_app

    app = create_app(SandboxState(members=4, leaves=0))

    def boom():
        raise RuntimeError("secret internals")

    app.add_url_rule("/api/v2/boom", "boom", boom)
    response = app.test_client().get("/api/v2/boom")
    assert response.status_code == 500
    body = response.get_json()
    assert body["success"] is False
    assert body["meta"]["api_version"] == "2.0.0"
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_balance_window_defaults_follow_the_given_end(sandbox, owner_headers):
    def balances(**params):
        response = requests.get(
            f"{sandbox.api_url}/leaves/balances",
            params={"workspace_id": 1, "user_id": 1003, **params},
            headers=owner_headers,
            timeout=5,
        )
        assert response.status_code == 200, response.text
        return response.json()["data"]

    sandbox.state.add_leave(1, 1003, date(2040, 3, 5), date(2040, 3, 7), status="approved")
    expected = balances(date_from="2040-01-01", date_to="2040-12-31")
    assert expected[0]["leave_information"][0]["balance"] == "22 days"
    assert balances(date_from="2040-01-01") == expected
    assert balances(date_to="2040-12-31") == expected
