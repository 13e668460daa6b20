import requests


def _control(sandbox, method, path, **kwargs):
    return requests.request(method, f"{sandbox.control_url}{path}", timeout=5, **kwargs)


def test_healthz(sandbox):
    body = _control(sandbox, "GET", "/healthz").json()
    assert body["ok"] is True


def test_reset_with_options(sandbox):
    response = _control(
        sandbox,
        "POST",
        "/reset",
        json={
            "members": 12,
            "teams": 3,
            "policies": 5,
            "leaves": 40,
            "seed": 7,
            "anchor": "2027-01-15",
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["anchor"] == "2027-01-15"
    assert len(sandbox.state.members_for(1)) == 12
    assert len(sandbox.state.policies_for(1)) == 5
    assert sandbox.state.seed_options.seed == 7
    assert (
        _control(sandbox, "POST", "/reset").json()["anchor"]
        == sandbox.state.wall().date().isoformat()
    )
    assert len(sandbox.state.members_for(1)) == 40


def test_reset_refuses_unknown_or_bad_options(sandbox):
    assert _control(sandbox, "POST", "/reset", json={"size": 3}).status_code == 400
    assert _control(sandbox, "POST", "/reset", json={"members": 2}).status_code == 400
    assert _control(sandbox, "POST", "/reset", json={"anchor": "soon"}).status_code == 400


def test_reset_clears_tokens_faults_and_calls(sandbox, owner_headers):
    sandbox.state.add_fault(path="x")
    requests.get(f"{sandbox.api_url}/workspaces", headers=owner_headers, timeout=5)
    _control(sandbox, "POST", "/reset", json={"hostile": True})
    assert sandbox.state.faults == []
    assert len(sandbox.state.calls) == 0
    stale = requests.get(f"{sandbox.api_url}/workspaces", headers=owner_headers, timeout=5)
    assert stale.status_code == 401
    assert sandbox.state.seed_options.hostile is True


def test_config_get_and_put(sandbox):
    before = _control(sandbox, "GET", "/config").json()
    assert before["rate_limit"] == 60
    assert before["token_ttl"] == 15 * 24 * 3600
    after = _control(
        sandbox, "PUT", "/config", json={"rate_limit": 5, "token_ttl": 2, "latency_ms": 10}
    ).json()
    assert (after["rate_limit"], after["token_ttl"], after["latency_ms"]) == (5, 2, 10)
    assert sandbox.state.config.rate_limit == 5
    assert _control(sandbox, "PUT", "/config", json={"rate_limit": "x"}).status_code == 400
    assert _control(sandbox, "PUT", "/config", json={"speed": 1}).status_code == 400


def test_tokens_issue_expire_and_revoke(sandbox):
    issued = _control(
        sandbox, "POST", "/tokens/issue", json={"email": "manager@sandbox.test", "scope": "read"}
    ).json()
    assert issued["scope"] == "read"
    headers = {"Authorization": f"Bearer {issued['access_token']}"}
    assert requests.get(f"{sandbox.api_url}/workspaces", headers=headers, timeout=5).ok
    assert _control(sandbox, "POST", "/tokens/expire", json={"user_id": 1002}).json() == {
        "expired": 1
    }
    assert (
        requests.get(f"{sandbox.api_url}/workspaces", headers=headers, timeout=5).status_code == 401
    )
    assert _control(sandbox, "POST", "/tokens/revoke").json() == {"revoked": 1}
    unknown = _control(sandbox, "POST", "/tokens/issue", json={"email": "x@y.test"})
    assert unknown.status_code == 404


def test_decide_a_leave(sandbox):
    leave = sandbox.state.leaves_for(1, status="pending")[0]
    response = _control(
        sandbox,
        "POST",
        f"/leaves/{leave['id']}/decide",
        json={"status": "rejected", "by_user_id": 1002, "reason": "Decided elsewhere"},
    )
    assert response.status_code == 200
    assert response.json()["reject_reason"] == "Decided elsewhere"
    assert sandbox.state.leave(leave["id"])["rejected_by"] == 1002
    missing = _control(
        sandbox, "POST", "/leaves/nope/decide", json={"status": "approved", "by_user_id": 1}
    )
    assert missing.status_code == 404
    bad = _control(
        sandbox, "POST", f"/leaves/{leave['id']}/decide", json={"status": "maybe", "by_user_id": 1}
    )
    assert bad.status_code == 400


def test_set_role(sandbox):
    response = _control(
        sandbox, "PUT", "/roles", json={"workspace_id": 1, "user_id": 1003, "role": "Owner"}
    )
    assert response.json()["current_role"] == "Owner"
    assert sandbox.state.membership(1, 1003).role == "Owner"
    not_member = _control(
        sandbox, "PUT", "/roles", json={"workspace_id": 3, "user_id": 1003, "role": "Owner"}
    )
    assert not_member.status_code == 404
    assert (
        _control(
            sandbox, "PUT", "/roles", json={"workspace_id": 1, "user_id": 1003, "role": "King"}
        ).status_code
        == 400
    )


def test_rate_limits_can_be_forgotten(sandbox, owner_headers):
    sandbox.state.config.rate_limit = 1
    url = f"{sandbox.api_url}/workspaces"
    requests.get(url, headers=owner_headers, timeout=5)
    assert requests.get(url, headers=owner_headers, timeout=5).status_code == 429
    _control(sandbox, "DELETE", "/rate-limits")
    assert requests.get(url, headers=owner_headers, timeout=5).status_code == 200


def test_index_points_to_the_endpoints(sandbox):
    body = requests.get(sandbox.url, timeout=5).json()
    assert body["api_url"] == sandbox.api_url
    assert body["oauth_url"] == sandbox.oauth_url
