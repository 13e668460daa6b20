import threading
import time

import pytest
import requests

from sandbox.faults import FaultRule

OWNER = 1001


@pytest.fixture
def call(sandbox, owner_headers):
    def call(method, path, timeout=5, **kwargs):
        return requests.request(
            method, f"{sandbox.api_url}{path}", headers=owner_headers, timeout=timeout, **kwargs
        )

    return call


@pytest.fixture
def pending_id(sandbox):
    return sandbox.state.leaves_for(1, status="pending")[0]["id"]


def test_latency_rule_delays_only_matching_paths(sandbox, call):
    sandbox.state.add_fault(path="^/api/v2/workspaces$", latency_ms=300)
    started = time.perf_counter()
    assert call("GET", "/workspaces").status_code == 200
    slow = time.perf_counter() - started
    assert call("GET", "/leaves/policies", params={"workspace_id": 1}).status_code == 200
    assert slow >= 0.3  # a lower bound holds on any machine; an upper one would not
    delayed = {r["path"]: r.get("fault") for r in sandbox.state.calls.records()}
    assert delayed == {"/api/v2/workspaces": "latency", "/api/v2/leaves/policies": None}


def test_global_latency_applies_to_every_call(sandbox, call):
    sandbox.state.config.latency_ms = 150
    for path in ("/workspaces", "/leaves/policies?workspace_id=1"):
        started = time.perf_counter()
        call("GET", path)
        assert time.perf_counter() - started >= 0.15


def test_latency_beyond_the_client_timeout_times_out(sandbox, call):
    sandbox.state.add_fault(path="/workspaces$", latency_ms=2000)
    with pytest.raises(requests.exceptions.ReadTimeout):
        call("GET", "/workspaces", timeout=0.2)


def test_status_rule_for_the_next_n_requests(sandbox, call):
    sandbox.state.add_fault(path="/leaves$", status=503, retry_after=7, times=2)
    answers = [call("GET", "/leaves", params={"workspace_id": 1}) for _ in range(3)]
    assert [r.status_code for r in answers] == [503, 503, 200]
    body = answers[0].json()
    assert body["success"] is False
    assert body["message"]
    assert body["meta"]["api_version"] == "2.0.0"
    assert answers[0].headers["Retry-After"] == "7"
    assert sandbox.state.faults == []


def test_status_rule_with_custom_retry_after_text(sandbox, call):
    sandbox.state.add_fault(path="/balances$", status=429, retry_after="soon")
    response = call("GET", "/leaves/balances", params={"workspace_id": 1})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "soon"


def test_method_limits_a_rule(sandbox, call, pending_id):
    sandbox.state.add_fault(path="/approve$", method="put", status=500)
    assert call("GET", "/workspaces").status_code == 200
    response = call("PUT", f"/leaves/{pending_id}/approve", json={"workspace_id": 1})
    assert response.status_code == 500
    assert sandbox.state.leave(pending_id)["status"] == "pending"


def test_first_matching_rule_wins(sandbox, call):
    sandbox.state.add_fault(path="/workspaces$", status=502, times=1)
    sandbox.state.add_fault(path=".*", status=504)
    assert call("GET", "/workspaces").status_code == 502
    assert call("GET", "/workspaces").status_code == 504


def test_drop_resets_the_connection(sandbox, call):
    sandbox.state.add_fault(path="/workspaces$", drop=True, times=1)
    with pytest.raises(requests.exceptions.ConnectionError) as caught:
        call("GET", "/workspaces")
    assert "ConnectionResetError" in repr(caught.value)
    assert call("GET", "/workspaces").status_code == 200
    dropped = sandbox.state.calls.records(path="/workspaces$")[0]
    assert (dropped["status"], dropped["fault"]) == (None, "drop")


def test_drop_on_a_post_with_a_body(sandbox, call):
    sandbox.state.add_fault(path="^/api/v2/leaves$", method="POST", drop=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        call("POST", "/leaves", json={"workspace_id": 1, "note": "x" * 50_000})


def test_malformed_truncates_json(sandbox, call):
    sandbox.state.add_fault(path="/workspaces$", malformed=True)
    response = call("GET", "/workspaces")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    with pytest.raises(requests.exceptions.JSONDecodeError):
        response.json()


@pytest.mark.parametrize(("kind", "content_type"), [("html", "text/html"), ("empty", "json")])
def test_malformed_html_and_empty_bodies(sandbox, call, kind, content_type):
    sandbox.state.add_fault(path="/workspaces$", malformed=kind)
    response = call("GET", "/workspaces")
    assert response.status_code == 200
    assert content_type in response.headers["Content-Type"]
    with pytest.raises(requests.exceptions.JSONDecodeError):
        response.json()


def test_after_status_applies_the_change_then_fails(sandbox, call, pending_id):
    sandbox.state.add_fault(path="/approve$", status=502, when="after", times=1)
    response = call("PUT", f"/leaves/{pending_id}/approve", json={"workspace_id": 1})
    assert response.status_code == 502
    assert sandbox.state.leave(pending_id)["status"] == "approved"
    again = call("PUT", f"/leaves/{pending_id}/approve", json={"workspace_id": 1})
    assert again.status_code == 422


def test_after_drop_applies_the_change_then_resets(sandbox, call, pending_id):
    sandbox.state.add_fault(path="/reject$", drop=True, when="after")
    with pytest.raises(requests.exceptions.ConnectionError):
        call("PUT", f"/leaves/{pending_id}/reject", json={"workspace_id": 1, "reason": "No"})
    leave = sandbox.state.leave(pending_id)
    assert (leave["status"], leave["reject_reason"]) == ("rejected", "No")


def test_after_latency_applies_the_change_then_times_out(sandbox, call, pending_id):
    sandbox.state.add_fault(path="/approve$", latency_ms=1500, when="after")
    with pytest.raises(requests.exceptions.ReadTimeout):
        call("PUT", f"/leaves/{pending_id}/approve", json={"workspace_id": 1}, timeout=0.3)
    assert sandbox.state.leave(pending_id)["status"] == "approved"


def test_before_status_leaves_the_state_alone(sandbox, call, pending_id):
    sandbox.state.add_fault(path="/approve$", status=502)
    call("PUT", f"/leaves/{pending_id}/approve", json={"workspace_id": 1})
    assert sandbox.state.leave(pending_id)["status"] == "pending"


def test_after_malformed_on_create_still_creates(sandbox, call):
    user = next(m["id"] for m in sandbox.state.members_for(1) if m["status"] == "active")
    before = len(sandbox.state.leaves_for(1, user_id=user))
    sandbox.state.add_fault(path="^/api/v2/leaves$", method="POST", malformed=True, when="after")
    body = {"workspace_id": 1, "policy_id": 101, "user_id": user}
    response = call("POST", "/leaves", json={**body, "start": "2031-06-02", "end": "2031-06-03"})
    assert response.status_code == 200
    with pytest.raises(requests.exceptions.JSONDecodeError):
        response.json()
    assert len(sandbox.state.leaves_for(1, user_id=user)) == before + 1


def test_faults_apply_to_the_token_endpoint(sandbox):
    sandbox.state.add_fault(path="^/oauth/token$", status=503, times=1)
    response = requests.post(
        f"{sandbox.oauth_url}/token",
        data={"grant_type": "refresh_token", "refresh_token": "x"},
        auth=("sandbox-client", "sandbox-secret"),
        timeout=5,
    )
    assert response.status_code == 503
    assert response.json()["error"] == "temporarily_unavailable"
    assert sandbox.state.calls.count("POST", "^/oauth/token$") == 1


def test_reset_releases_requests_stuck_in_latency(sandbox, call):
    sandbox.state.add_fault(path="/workspaces$", latency_ms=30_000)
    result = {}

    def slow_call():
        started = time.perf_counter()
        result["status"] = call("GET", "/workspaces", timeout=10).status_code
        result["elapsed"] = time.perf_counter() - started

    worker = threading.Thread(target=slow_call)
    worker.start()
    time.sleep(0.2)
    sandbox.state.reset()
    worker.join(5)
    assert result["status"] == 503
    assert result["elapsed"] < 3
    assert len(sandbox.state.calls) == 0


def test_the_server_answers_other_requests_while_one_is_slow(sandbox, call):
    sandbox.state.add_fault(path="/workspaces$", latency_ms=800)
    worker = threading.Thread(target=call, args=("GET", "/workspaces"))
    worker.start()
    time.sleep(0.05)
    started = time.perf_counter()
    assert call("GET", "/leaves/policies", params={"workspace_id": 1}).status_code == 200
    assert time.perf_counter() - started < 0.5
    worker.join()


@pytest.mark.parametrize(
    "fields",
    [
        {"path": "("},
        {"when": "during"},
        {"status": 42},
        {"malformed": "xml"},
        {"times": 0},
        {"latency_ms": -1},
    ],
)
def test_bad_rules_are_refused(fields):
    with pytest.raises(ValueError):  # noqa: PT011
        FaultRule(**fields)


def test_unknown_rule_fields_are_refused():
    with pytest.raises(ValueError, match="colour"):
        FaultRule.from_dict({"path": "x", "colour": "red"})


def test_faults_over_http(sandbox, call):
    url = f"{sandbox.control_url}/faults"
    added = requests.post(url, json={"path": "/workspaces$", "status": 500, "times": 1}, timeout=5)
    assert added.status_code == 201
    rule = added.json()["faults"][0]
    assert rule["status"] == 500
    assert requests.get(url, timeout=5).json()["faults"][0]["id"] == rule["id"]
    assert call("GET", "/workspaces").status_code == 500
    assert requests.get(url, timeout=5).json()["faults"] == []

    several = requests.post(url, json={"rules": [{"path": "a"}, {"path": "b"}]}, timeout=5)
    assert len(several.json()["faults"]) == 2
    first_id = several.json()["faults"][0]["id"]
    assert requests.delete(f"{url}/{first_id}", timeout=5).status_code == 200
    assert [r["path"] for r in requests.get(url, timeout=5).json()["faults"]] == ["b"]
    assert requests.delete(url, timeout=5).status_code == 200
    assert requests.get(url, timeout=5).json()["faults"] == []
    bad = requests.post(url, json={"path": "x", "drop": True, "when": "later"}, timeout=5)
    assert bad.status_code == 400
    assert "when" in bad.json()["error"]
