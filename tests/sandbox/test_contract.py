"""Contract checks for WebWork API v2 as the project understands it (docs: Part A).

Runs against the in-process sandbox by default. Point it at any other implementation with:

    WEBWORK_CONTRACT_API_URL       e.g. http://127.0.0.1:8001/api/v2
    WEBWORK_CONTRACT_OAUTH_URL     e.g. http://127.0.0.1:8001/oauth
    WEBWORK_CONTRACT_CLIENT_ID / WEBWORK_CONTRACT_CLIENT_SECRET
    WEBWORK_CONTRACT_LOGIN_HINT    email of an Owner / Executive manager (login_hint)
    WEBWORK_CONTRACT_NON_MANAGER_HINT   optional: email of a member who cannot manage
    WEBWORK_CONTRACT_REDIRECT_URI  optional, default http://127.0.0.1:8765/callback/
    WEBWORK_CONTRACT_CONTROL_URL   optional: a sandbox control API (/_sandbox) for the checks
                                   that need to change settings; they are skipped without it

The checks create leave requests two years ahead, where seeded data has none.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

TIMEOUT = 10
MANAGER_ROLES = {"Owner", "Executive manager"}
PAGINATION_KEYS = {"total", "per_page", "current_page", "last_page", "from", "to"}
LEAVE_FIELDS = {
    "id",
    "user_id",
    "status",
    "note",
    "is_paid",
    "created_by",
    "approved_by",
    "rejected_by",
    "reject_reason",
    "start_date",
}
MEMBER_FIELDS = {
    "id",
    "email",
    "firstname",
    "lastname",
    "avatar",
    "current_role",
    "timezone",
    "status",
    "team_name",
    "title",
}
POLICY_FIELDS = {
    "id",
    "name",
    "time_unit",
    "duration",
    "hours_per_day",
    "is_paid",
    "allow_negative_balance",
    "reason_required",
}
BALANCE_TEXT = re.compile(r"^-?\d+(\.\d+)? (days|hours)$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"WEBWORK_CONTRACT_{name}") or default


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


def working_days(start: date, end: date) -> int:
    return sum(1 for n in range((end - start).days + 1) if (start + timedelta(n)).weekday() < 5)


def plus_working_days(start: date, count: int) -> date:
    """The date of the count-th working day, counting start (a weekday) as the first."""
    day, left = start, count - 1
    while left:
        day += timedelta(days=1)
        left -= day.weekday() < 5
    return day


def monday(year: int, month: int, week: int = 0) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7 + 7 * week)


def number(text: str) -> float:
    return float(text.split()[0])


@dataclass
class Target:
    api_url: str
    oauth_url: str
    client_id: str
    client_secret: str
    login_hint: str
    non_manager_hint: str | None
    redirect_uri: str
    control_url: str | None

    # ---------------------------------------------------------------- OAuth

    def authorize(self, **params) -> requests.Response:
        query = {
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "response_type": "code",
            "scope": "read write",
            "state": "st-123",
        }
        query.update(params)
        query = {k: v for k, v in query.items() if v is not None}
        return requests.get(
            f"{self.oauth_url}/authorize", params=query, allow_redirects=False, timeout=TIMEOUT
        )

    def code(self, hint: str | None = None, **params) -> str:
        response = self.authorize(login_hint=hint or self.login_hint, **params)
        assert response.status_code in (302, 303), response.text
        query = parse_qs(urlsplit(response.headers["Location"]).query)
        return query["code"][0]

    def token_request(self, data: dict, auth=None) -> requests.Response:
        body = dict(data)
        if auth is None:
            body.setdefault("client_id", self.client_id)
            body.setdefault("client_secret", self.client_secret)
        return requests.post(f"{self.oauth_url}/token", data=body, auth=auth, timeout=TIMEOUT)

    def exchange(self, code: str, verifier: str | None = None, **extra) -> requests.Response:
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri}
        if verifier is not None:
            data["code_verifier"] = verifier
        data.update(extra)
        return self.token_request(data)

    def login(self, hint: str | None = None, scope: str = "read write") -> dict:
        verifier, challenge = pkce_pair()
        code = self.code(hint, scope=scope, code_challenge=challenge, code_challenge_method="S256")
        response = self.exchange(code, verifier)
        assert response.status_code == 200, response.text
        return response.json()

    # ---------------------------------------------------------------- API and control

    def api(self, method: str, path: str, token: str | None, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(
            method, f"{self.api_url}{path}", headers=headers, timeout=TIMEOUT, **kwargs
        )

    def control(self, method: str, path: str, **kwargs) -> requests.Response:
        if not self.control_url:
            pytest.skip("needs a sandbox control API (WEBWORK_CONTRACT_CONTROL_URL)")
        response = requests.request(method, f"{self.control_url}{path}", timeout=TIMEOUT, **kwargs)
        assert response.status_code < 300, response.text
        return response


@dataclass
class Manager:
    """A logged-in Owner / Executive manager and the workspace checks run in."""

    target: Target
    token: str
    refresh_token: str
    user_id: int
    workspace_id: int
    workspaces: list[dict]

    def get(self, path: str, **params) -> requests.Response:
        return self.target.api("GET", path, self.token, params=params)

    def ws_get(self, path: str, **params) -> requests.Response:
        return self.get(path, workspace_id=self.workspace_id, **params)

    def send(self, method: str, path: str, body: dict) -> requests.Response:
        return self.target.api(method, path, self.token, json=body)

    def all_pages(self, path: str, **params) -> list[dict]:
        items, page = [], 1
        while True:
            response = self.ws_get(path, page=page, per_page=100, **params)
            assert response.status_code == 200, response.text
            body = response.json()
            items.extend(body["data"])
            if page >= body["meta"]["pagination"]["last_page"]:
                return items
            page += 1

    def create_leave(self, **fields) -> requests.Response:
        return self.send("POST", "/leaves", {"workspace_id": self.workspace_id, **fields})

    def find_leave(self, user_id: int, start: date, end: date) -> dict:
        response = self.ws_get(
            "/leaves",
            user_id=user_id,
            date_from=start.isoformat(),
            date_to=end.isoformat(),
            status="pending",
        )
        found = [lv for lv in response.json()["data"] if lv["start_date"] == start.isoformat()]
        assert len(found) == 1, response.text
        return found[0]


@pytest.fixture
def target(request):
    api_url = _env("API_URL")
    if api_url:
        found = Target(
            api_url=api_url.rstrip("/"),
            oauth_url=(_env("OAUTH_URL") or "").rstrip("/"),
            client_id=_env("CLIENT_ID", "sandbox-client"),
            client_secret=_env("CLIENT_SECRET", "sandbox-secret"),
            login_hint=_env("LOGIN_HINT", "owner@sandbox.test"),
            non_manager_hint=_env("NON_MANAGER_HINT"),
            redirect_uri=_env("REDIRECT_URI", "http://127.0.0.1:8765/callback/"),
            control_url=(_env("CONTROL_URL") or "").rstrip("/") or None,
        )
        if found.control_url:
            found.control("POST", "/reset")
        yield found
        if found.control_url:
            found.control("POST", "/reset")  # leave no changed settings behind
        return
    sandbox = request.getfixturevalue("sandbox")
    yield Target(
        api_url=sandbox.api_url,
        oauth_url=sandbox.oauth_url,
        client_id=sandbox.state.client.client_id,
        client_secret=sandbox.state.client.client_secret,
        login_hint="owner@sandbox.test",
        non_manager_hint="member@sandbox.test",
        redirect_uri="http://127.0.0.1:8765/callback/",
        control_url=sandbox.control_url,
    )


@pytest.fixture
def manager(target) -> Manager:
    tokens = target.login()
    response = target.api("GET", "/workspaces", tokens["access_token"], params={"per_page": 100})
    workspaces = response.json()["data"]
    managed = [w for w in workspaces if w["role"] in MANAGER_ROLES]
    assert managed, "the login hint must be an Owner or Executive manager somewhere"
    return Manager(
        target,
        tokens["access_token"],
        tokens["refresh_token"],
        managed[0]["user_id"],
        managed[0]["id"],
        workspaces,
    )


@pytest.fixture
def future(manager, member_id) -> int:
    """A year in which ``member_id`` has no leave at all (never one with seeded data).

    Against the in-process sandbox (reset before each test) that is two years ahead; against
    a long-running implementation the search starts at a random later year, so repeated runs
    do not trip over leave requests created by earlier ones.
    """
    year = datetime.now(UTC).year + 2
    if _env("API_URL"):
        year += secrets.randbelow(3000)
    for _ in range(20):
        taken = manager.ws_get(
            "/leaves", user_id=member_id, date_from=f"{year - 1}-12-01", date_to=f"{year}-12-31"
        )
        if not taken.json()["data"]:
            return year
        year += 1
    pytest.fail("no free year found for the member")


@pytest.fixture
def policies(manager) -> list[dict]:
    return manager.ws_get("/leaves/policies").json()["data"]


def _policy(policies, unit="days", negative=None) -> dict:
    for policy in policies:
        if policy["time_unit"] != unit:
            continue
        if negative is not None and policy["allow_negative_balance"] != negative:
            continue
        return policy
    pytest.skip(f"no {unit} policy (negative balance {negative}) in this workspace")


@pytest.fixture
def member_id(manager) -> int:
    members = manager.ws_get("/members", status="active", per_page=100).json()["data"]
    return next(m["id"] for m in members if m["id"] != manager.user_id)


def _errors(response: requests.Response) -> dict:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["success"] is False
    assert isinstance(body["message"], str)
    assert body["message"]
    assert isinstance(body["errors"], dict)
    for messages in body["errors"].values():
        assert messages
        assert all(isinstance(m, str) for m in messages)
    return body["errors"]


def _assert_error_envelope(response: requests.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False
    assert isinstance(body["message"], str)
    assert "error" in body
    assert body["meta"]["api_version"] == "2.0.0"
    return body


# ====================================================================== 1. authorize


def test_authorize_with_login_hint_redirects_with_code_and_state(target):
    response = target.authorize(login_hint=target.login_hint)
    assert response.status_code in (302, 303)
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == target.redirect_uri
    query = parse_qs(location.query)
    assert query["state"] == ["st-123"]
    assert len(query["code"][0]) >= 20


def test_authorize_echoes_state_exactly(target):
    tricky = "a b/c?d=é&e=%41+"
    response = target.authorize(login_hint=target.login_hint, state=tricky)
    assert parse_qs(urlsplit(response.headers["Location"]).query)["state"] == [tricky]


def test_authorize_keeps_the_redirect_uri_query(target):
    target.redirect_uri = "http://localhost:9999/cb?next=%2Fhome"
    response = target.authorize(login_hint=target.login_hint)
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["next"] == ["/home"]
    assert "code" in query


def test_authorize_refuses_unknown_client_without_redirect(target):
    response = target.authorize(client_id="no-such-client", login_hint=target.login_hint)
    assert response.status_code == 400
    assert "Location" not in response.headers


@pytest.mark.parametrize(
    "uri",
    [
        "https://evil.test/callback/",
        "http://127.0.0.1.evil.test/callback/",
        "http://evil.test/?http://127.0.0.1/",
        "ftp://127.0.0.1/callback/",
        "not a url",
    ],
)
def test_authorize_refuses_foreign_redirect_uri_without_redirect(target, uri):
    response = target.authorize(redirect_uri=uri, login_hint=target.login_hint)
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_authorize_rejects_other_response_types_by_redirect(target):
    response = target.authorize(response_type="token", login_hint=target.login_hint)
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["error"] == ["unsupported_response_type"]
    assert query["state"] == ["st-123"]
    assert "code" not in query


def test_authorize_rejects_unknown_scope_by_redirect(target):
    response = target.authorize(scope="read delete_everything", login_hint=target.login_hint)
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["error"] == ["invalid_scope"]
    assert "code" not in query


def test_authorize_accepts_admin_scope(target):
    code = target.code(scope="read write admin")
    response = target.exchange(code)
    assert set(response.json()["scope"].split()) == {"read", "write", "admin"}


def test_authorize_refuses_plain_pkce(target):
    response = target.authorize(
        login_hint=target.login_hint, code_challenge="x" * 43, code_challenge_method="plain"
    )
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["error"] == ["invalid_request"]
    assert query["state"] == ["st-123"]


# ====================================================================== 2. token


def test_code_exchange_answers_plain_oauth_json(target):
    response = target.exchange(target.code())
    assert response.status_code == 200
    body = response.json()
    assert "success" not in body
    assert body["token_type"] == "Bearer"
    assert body["access_token"]
    assert body["refresh_token"]
    assert body["access_token"] != body["refresh_token"]
    assert set(body["scope"].split()) == {"read", "write"}
    assert isinstance(body["expires_in"], int)
    assert body["expires_in"] > 0
    assert "no-store" in response.headers.get("Cache-Control", "")


def test_default_access_token_lifetime_is_15_days(target):
    if _env("API_URL"):
        pytest.skip("lifetime is configurable in other implementations")
    assert target.exchange(target.code()).json()["expires_in"] == 15 * 24 * 3600


def test_code_is_single_use(target):
    code = target.code()
    assert target.exchange(code).status_code == 200
    again = target.exchange(code)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_code_exchange_requires_the_same_redirect_uri(target):
    code = target.code()
    response = target.exchange(code, redirect_uri="http://127.0.0.1:8765/other/")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_unknown_code_is_invalid_grant(target):
    response = target.exchange("not-a-code")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_pkce_verifier_must_match_the_challenge(target):
    verifier, challenge = pkce_pair()
    pkce = {"code_challenge": challenge, "code_challenge_method": "S256"}

    missing = target.exchange(target.code(**pkce))
    wrong = target.exchange(target.code(**pkce), verifier=pkce_pair()[0])
    right = target.exchange(target.code(**pkce), verifier=verifier)

    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_grant")
    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_grant")
    assert right.status_code == 200


def test_wrong_client_secret_is_invalid_client(target):
    response = target.exchange(target.code(), client_secret="wrong")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_unknown_client_is_invalid_client(target):
    response = target.token_request(
        {"grant_type": "refresh_token", "refresh_token": "x", "client_id": "nobody"}
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_http_basic_client_authentication_is_accepted(target):
    code = target.code()
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": target.redirect_uri}
    response = target.token_request(data, auth=(target.client_id, target.client_secret))
    assert response.status_code == 200
    assert response.json()["access_token"]


def test_unknown_grant_type_is_unsupported(target):
    response = target.token_request({"grant_type": "password", "username": "a", "password": "b"})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_refresh_rotates_and_reuse_is_invalid_grant(target):
    first = target.login()
    second = target.token_request(
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert rotated["access_token"] != first["access_token"]
    assert rotated["token_type"] == "Bearer"
    assert set(rotated["scope"].split()) == {"read", "write"}

    reuse = target.token_request(
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert reuse.status_code == 400
    assert reuse.json()["error"] == "invalid_grant"

    third = target.token_request(
        {"grant_type": "refresh_token", "refresh_token": rotated["refresh_token"]}
    )
    assert third.status_code == 200
    assert target.api("GET", "/workspaces", third.json()["access_token"]).status_code == 200


def test_refresh_may_narrow_the_scope(target):
    tokens = target.login()
    response = target.token_request(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "scope": "read"}
    )
    assert response.status_code == 200
    assert response.json()["scope"] == "read"


def test_revoked_refresh_token_is_invalid_grant(target):
    tokens = target.login()
    target.control("POST", "/tokens/revoke")
    response = target.token_request(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")


# ====================================================================== 3. auth on the API


@pytest.mark.parametrize("header", [None, "Bearer ", "Bearer not-a-token", "Basic abc"])
def test_missing_or_invalid_token_is_401(target, header):
    headers = {"Authorization": header} if header else {}
    response = target.api("GET", "/workspaces", None, headers=headers)
    _assert_error_envelope(response, 401)
    assert "invalid_token" in response.headers["WWW-Authenticate"]


def test_expired_token_is_401_and_refresh_recovers(target):
    tokens = target.login()
    assert target.api("GET", "/workspaces", tokens["access_token"]).status_code == 200
    target.control("POST", "/tokens/expire")
    expired = target.api("GET", "/workspaces", tokens["access_token"])
    _assert_error_envelope(expired, 401)
    assert 'error="invalid_token"' in expired.headers["WWW-Authenticate"]
    fresh = target.token_request(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    ).json()
    assert target.api("GET", "/workspaces", fresh["access_token"]).status_code == 200


def test_read_only_token_cannot_write(target, manager):
    token = target.login(scope="read")["access_token"]
    ws = manager.workspace_id
    assert target.api("GET", "/leaves", token, params={"workspace_id": ws}).status_code == 200
    created = target.api("POST", "/leaves", token, json={"workspace_id": ws})
    approved = target.api("PUT", f"/leaves/{'0' * 8}/approve", token, json={"workspace_id": ws})
    _assert_error_envelope(created, 403)
    _assert_error_envelope(approved, 403)


# ====================================================================== 4. who may act


def test_workspaces_list_role_and_user_id(manager):
    response = manager.get("/workspaces")
    body = response.json()
    assert body["success"] is True
    assert body["meta"]["pagination"]["total"] == len(manager.workspaces)
    for workspace in body["data"]:
        assert isinstance(workspace["id"], int)
        assert isinstance(workspace["owner_id"], int)
        assert workspace["user_id"] == manager.user_id
        assert isinstance(workspace["workspace_name"], str)
        assert workspace["role"] in {
            "Owner",
            "Project viewer",
            "Executive manager",
            "Team manager",
            "Project manager",
            "Regular User",
        }
        assert workspace["status"] in {"active", "inactive", "left", "unknown"}
        datetime.strptime(workspace["created_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
        datetime.strptime(workspace["activated_at"], "%Y-%m-%d %H:%M:%S")


def test_identity_comes_from_workspaces_and_member(manager):
    response = manager.ws_get(f"/members/{manager.user_id}")
    assert response.status_code == 200
    me = response.json()["data"]
    assert me["id"] == manager.user_id
    assert me["email"].lower() == manager.target.login_hint.lower()
    assert isinstance(me["firstname"], str)


@pytest.mark.parametrize(
    "path", ["/members", "/leaves", "/leaves/policies", "/leaves/balances", "/members/1"]
)
def test_missing_or_bad_workspace_id_is_422(manager, path):
    assert "workspace_id" in _errors(manager.get(path))
    assert "workspace_id" in _errors(manager.get(path, workspace_id="abc"))


@pytest.mark.parametrize("path", ["/members", "/leaves", "/leaves/policies", "/leaves/balances"])
def test_foreign_workspace_is_403(manager, path):
    foreign = max(w["id"] for w in manager.workspaces) + 1
    _assert_error_envelope(manager.get(path, workspace_id=foreign), 403)
    _assert_error_envelope(manager.get(path, workspace_id=987654), 403)


def test_members_who_cannot_manage_get_403(target, manager):
    if not target.non_manager_hint:
        pytest.skip("set WEBWORK_CONTRACT_NON_MANAGER_HINT")
    token = target.login(target.non_manager_hint)["access_token"]
    workspaces = target.api("GET", "/workspaces", token).json()["data"]
    unmanaged = [w for w in workspaces if w["role"] not in MANAGER_ROLES]
    assert unmanaged
    for workspace in unmanaged:
        for path in ("/leaves", "/members", "/leaves/policies", "/leaves/balances"):
            response = target.api("GET", path, token, params={"workspace_id": workspace["id"]})
            _assert_error_envelope(response, 403)
        approve = target.api(
            "PUT", f"/leaves/{'0' * 8}/approve", token, json={"workspace_id": workspace["id"]}
        )
        _assert_error_envelope(approve, 403)


def test_role_change_takes_effect_at_once(target, manager):
    target.control(
        "PUT",
        "/roles",
        json={
            "workspace_id": manager.workspace_id,
            "user_id": manager.user_id,
            "role": "Team manager",
        },
    )
    _assert_error_envelope(manager.ws_get("/leaves"), 403)
    roles = {w["id"]: w["role"] for w in manager.get("/workspaces").json()["data"]}
    assert roles[manager.workspace_id] == "Team manager"


# ====================================================================== 5. envelope, pagination


def test_success_envelope_shape(manager):
    body = manager.ws_get("/members", per_page=5).json()
    assert body["success"] is True
    assert isinstance(body["data"], list)
    assert body["meta"]["api_version"] == "2.0.0"
    assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$", body["meta"]["timestamp"])
    assert set(body["meta"]["pagination"]) == PAGINATION_KEYS


def test_pagination_walks_every_member_once(manager):
    first = manager.ws_get("/members", per_page=7).json()["meta"]["pagination"]
    total, seen = first["total"], []
    assert first["per_page"] == 7
    assert first["last_page"] == -(-total // 7)
    for page in range(1, first["last_page"] + 1):
        body = manager.ws_get("/members", per_page=7, page=page).json()
        pagination = body["meta"]["pagination"]
        assert pagination["current_page"] == page
        assert pagination["from"] == (page - 1) * 7 + 1
        assert pagination["to"] == pagination["from"] + len(body["data"]) - 1
        seen.extend(m["id"] for m in body["data"])
    assert len(seen) == total
    assert len(set(seen)) == total


def test_default_page_size_is_20(manager):
    assert manager.ws_get("/leaves").json()["meta"]["pagination"]["per_page"] == 20


def test_page_past_the_end_is_empty(manager):
    pagination = manager.ws_get("/members").json()["meta"]["pagination"]
    body = manager.ws_get("/members", page=pagination["last_page"] + 1).json()
    assert body["data"] == []
    assert body["meta"]["pagination"]["total"] == pagination["total"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": 0}, "page"),
        ({"page": "x"}, "page"),
        ({"per_page": 0}, "per_page"),
        ({"per_page": 101}, "per_page"),
        ({"per_page": "many"}, "per_page"),
    ],
)
def test_bad_pagination_is_422(manager, params, field):
    assert field in _errors(manager.ws_get("/leaves", **params))


def test_per_page_100_is_allowed(manager):
    assert manager.ws_get("/leaves", per_page=100).status_code == 200


def test_unknown_route_is_404_envelope(manager):
    _assert_error_envelope(manager.get("/no-such-thing"), 404)
    _assert_error_envelope(manager.get(f"/leaves/{'0' * 8}"), 404)


def test_wrong_method_is_405_envelope(manager):
    response = manager.target.api("DELETE", "/leaves", manager.token)
    _assert_error_envelope(response, 405)


# ====================================================================== 6. members


def test_member_objects_have_documented_fields(manager):
    for member in manager.all_pages("/members"):
        assert set(member) >= MEMBER_FIELDS
        assert isinstance(member["id"], int)


@pytest.mark.parametrize("field", ["email", "status", "role"])
def test_member_filters(manager, field):
    everyone = manager.all_pages("/members")
    key = "current_role" if field == "role" else field
    value = everyone[len(everyone) // 2][key]
    found = manager.all_pages("/members", **{field: value})
    expected = [m["id"] for m in everyone if m[key] == value]
    assert [m["id"] for m in found] == expected
    assert found


def test_bad_member_filter_is_422(manager):
    assert "status" in _errors(manager.ws_get("/members", status="sleeping"))


def test_unknown_member_is_404(manager):
    _assert_error_envelope(manager.ws_get("/members/987654321"), 404)


# ====================================================================== 7-8. leaves


def test_leave_objects(manager):
    leaves = manager.all_pages("/leaves")
    assert leaves
    for leave in leaves:
        assert set(leave) >= LEAVE_FIELDS
        assert UUID.match(leave["id"])
        assert leave["status"] in {"pending", "approved", "rejected"}
        assert leave["is_paid"] in {"yes", "no"}
        date.fromisoformat(leave["start_date"])
        if "end_date" in leave:
            assert leave["end_date"] >= leave["start_date"]
        if leave.get("leave_period") in (1, 2):
            assert leave.get("end_date", leave["start_date"]) == leave["start_date"]
        if leave.get("start_time"):
            assert re.match(r"^\d{2}:\d{2}$", leave["start_time"])
            assert leave["start_time"] < leave["end_time"]
        if leave["status"] == "approved":
            assert leave["approved_by"]
        if leave["status"] == "rejected":
            assert leave["rejected_by"]


def test_missing_end_date_means_one_day(manager):
    single = [lv for lv in manager.all_pages("/leaves") if "end_date" not in lv]
    if not single:
        pytest.skip("this implementation always sends end_date")
    leave = single[0]
    day = date.fromisoformat(leave["start_date"])
    next_day = (day + timedelta(days=1)).isoformat()
    same = manager.ws_get("/leaves", id=leave["id"], date_from=leave["start_date"])
    after = manager.ws_get("/leaves", id=leave["id"], date_from=next_day)
    assert [lv["id"] for lv in same.json()["data"]] == [leave["id"]]
    assert after.json()["data"] == []
    if "total" in leave:
        assert leave["total"]["days"] <= 1


def test_leaves_are_ordered_by_creation(manager):
    leaves = manager.all_pages("/leaves")
    keys = [(lv["created_at"], lv["id"]) for lv in leaves]
    assert keys == sorted(keys)


def _pick(leaves, field):
    values = [lv[field] for lv in leaves if lv.get(field) is not None]
    return values[len(values) // 3]


@pytest.mark.parametrize(
    "field", ["id", "user_id", "policy_id", "is_paid", "status:pending", "status:rejected"]
)
def test_leave_filters_match_client_side_filtering(manager, field):
    everything = manager.all_pages("/leaves")
    if ":" in field:
        field, value = field.split(":")
    else:
        value = _pick(everything, field)
    expected = [lv["id"] for lv in everything if lv.get(field) == value]
    found = [lv["id"] for lv in manager.all_pages("/leaves", **{field: value})]
    assert found == expected
    assert found


def _overlaps(leave, start: str | None, end: str | None) -> bool:
    last = leave.get("end_date") or leave["start_date"]
    return (start is None or last >= start) and (end is None or leave["start_date"] <= end)


def test_date_filters_select_overlapping_leaves(manager):
    everything = manager.all_pages("/leaves")
    multi = next(lv for lv in everything if lv.get("end_date", lv["start_date"]) > lv["start_date"])
    first, last = multi["start_date"], multi["end_date"]
    day_before = (date.fromisoformat(first) - timedelta(days=1)).isoformat()
    day_after = (date.fromisoformat(last) + timedelta(days=1)).isoformat()
    windows = [
        (last, last),  # only its last day
        (first, first),  # only its first day
        (day_before, day_before),  # just before it
        (day_after, None),  # open-ended after it
        (None, day_before),  # open-ended before it
    ]
    for start, end in windows:
        params = {k: v for k, v in (("date_from", start), ("date_to", end)) if v}
        found = [lv["id"] for lv in manager.all_pages("/leaves", **params)]
        expected = [lv["id"] for lv in everything if _overlaps(lv, start, end)]
        assert found == expected, (start, end)
    inside = manager.all_pages("/leaves", date_from=last, date_to=last)
    outside = manager.all_pages("/leaves", date_from=day_after, date_to=day_after)
    assert multi["id"] in {lv["id"] for lv in inside}
    assert multi["id"] not in {lv["id"] for lv in outside}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2030-02-10", "date_to": "2030-02-09"}, "date_to"),
        ({"date_from": "10/02/2030"}, "date_from"),
        ({"date_to": "2030-02-30"}, "date_to"),
        ({"status": "cancelled"}, "status"),
        ({"is_paid": "maybe"}, "is_paid"),
        ({"user_id": "me"}, "user_id"),
    ],
)
def test_bad_leave_filters_are_422(manager, params, field):
    assert field in _errors(manager.ws_get("/leaves", **params))


# ====================================================================== 9. create


def test_create_without_fields_lists_every_missing_field(manager):
    errors = _errors(manager.create_leave())
    assert {"policy_id", "user_id", "start", "end"} <= set(errors)


def test_create_without_workspace_is_422(manager):
    errors = _errors(manager.send("POST", "/leaves", {"policy_id": 1}))
    assert "workspace_id" in errors


def test_create_in_foreign_workspace_is_403(manager):
    foreign = max(w["id"] for w in manager.workspaces) + 1
    _assert_error_envelope(manager.send("POST", "/leaves", {"workspace_id": foreign}), 403)


def test_create_validates_each_field(manager, policies, member_id, future):
    day_policy = _policy(policies, "days")
    start = monday(future, 3)
    base = {
        "policy_id": day_policy["id"],
        "user_id": member_id,
        "start": start.isoformat(),
        "end": start.isoformat(),
        "reason": "Contract check",
    }
    cases = [
        ({"policy_id": 987654}, "policy_id"),
        ({"user_id": 987654}, "user_id"),
        ({"start": "03/01/2030"}, "start"),
        ({"end": "2030-13-01"}, "end"),
        ({"end": (start - timedelta(days=1)).isoformat()}, "end"),
        ({"leave_period": 7}, "leave_period"),
        ({"leave_period": 1, "end": (start + timedelta(days=2)).isoformat()}, "leave_period"),
    ]
    for change, field in cases:
        errors = _errors(manager.create_leave(**{**base, **change}))
        assert field in errors, (change, errors)
        assert set(errors) <= {*base, "leave_period", "start_time", "end_time", "workspace_id"}


def test_create_requires_times_for_hour_based_policies(manager, policies, member_id, future):
    hour_policy = _policy(policies, "hours")
    day = monday(future, 4).isoformat()
    base = {
        "policy_id": hour_policy["id"],
        "user_id": member_id,
        "start": day,
        "end": day,
        "reason": "Contract check",
    }
    errors = _errors(manager.create_leave(**base))
    assert {"start_time", "end_time"} <= set(errors)
    errors = _errors(manager.create_leave(**base, start_time="9:00", end_time="25:00"))
    assert {"start_time", "end_time"} <= set(errors)
    errors = _errors(manager.create_leave(**base, start_time="14:00", end_time="13:00"))
    assert "end_time" in errors
    assert manager.create_leave(**base, start_time="09:00", end_time="11:30").status_code == 201


def test_create_requires_a_reason_when_the_policy_does(manager, policies, member_id, future):
    policy = next((p for p in policies if p["reason_required"]), None)
    if policy is None:
        pytest.skip("no policy requires a reason")
    day = monday(future, 5)
    fields = {"policy_id": policy["id"], "user_id": member_id}
    fields.update(start=day.isoformat(), end=day.isoformat())
    if policy["time_unit"] == "hours":
        fields.update(start_time="09:00", end_time="10:00")
    assert "reason" in _errors(manager.create_leave(**fields))
    assert "reason" in _errors(manager.create_leave(**fields, reason="   "))
    assert manager.create_leave(**fields, reason="Flu").status_code == 201


def test_create_succeeds_with_201_and_no_id(manager, policies, member_id, future):
    policy = _policy(policies, "days")
    start = monday(future, 6) + timedelta(days=2)  # a Wednesday: the range crosses a weekend
    end = plus_working_days(start, 4)
    response = manager.create_leave(
        policy_id=policy["id"],
        user_id=member_id,
        start=start.isoformat(),
        end=end.isoformat(),
        reason="Family trip ✈️",
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["success"] is True
    assert "data" not in body or not body["data"]
    assert body["meta"]["api_version"] == "2.0.0"

    leave = manager.find_leave(member_id, start, end)
    assert leave["status"] == "pending"
    assert leave["user_id"] == member_id
    assert leave["created_by"] == manager.user_id
    assert leave["note"] == "Family trip ✈️"
    assert leave["end_date"] == end.isoformat()
    assert leave["is_paid"] == policy["is_paid"]
    if "total" in leave:
        assert leave["total"]["days"] == 4


def test_create_half_day(manager, policies, member_id, future):
    policy = _policy(policies, "days")
    day = monday(future, 7) + timedelta(days=1)
    fields = {"policy_id": policy["id"], "user_id": member_id, "reason": "Notary"}
    fields.update(start=day.isoformat(), end=day.isoformat())
    assert manager.create_leave(**fields, leave_period=2).status_code == 201
    leave = manager.find_leave(member_id, day, day)
    assert leave["leave_period"] == 2
    if "total" in leave:
        assert leave["total"]["days"] == 0.5
    # The first half of the same day is still free; a full day is not.
    assert manager.create_leave(**fields, leave_period=1).status_code == 201
    assert "start" in _errors(manager.create_leave(**fields, leave_period=0))


def test_create_refuses_overlap_with_pending_or_approved(manager, policies, member_id, future):
    policy = _policy(policies, "days")
    start = monday(future, 8)
    fields = {"policy_id": policy["id"], "user_id": member_id, "reason": "Trip"}
    first = {**fields, "start": start.isoformat(), "end": (start + timedelta(3)).isoformat()}
    assert manager.create_leave(**first).status_code == 201
    overlapping = {**fields, "start": (start + timedelta(3)).isoformat()}
    overlapping["end"] = (start + timedelta(7)).isoformat()
    _errors(manager.create_leave(**overlapping))
    leave = manager.find_leave(member_id, start, start + timedelta(3))
    rejected = manager.send(
        "PUT", f"/leaves/{leave['id']}/reject", {"workspace_id": manager.workspace_id}
    )
    assert rejected.status_code == 200
    assert manager.create_leave(**overlapping).status_code == 201


def test_create_refuses_more_than_the_balance(manager, policies, member_id, future):
    policy = _policy(policies, "days", negative=False)
    start = monday(future, 9)
    end = plus_working_days(start, int(policy["duration"]) + 1)
    errors = _errors(
        manager.create_leave(
            policy_id=policy["id"],
            user_id=member_id,
            start=start.isoformat(),
            end=end.isoformat(),
            reason="Sabbatical",
        )
    )
    assert set(errors) <= {"policy_id", "start", "end", "user_id"}


# ====================================================================== 10. approve / reject


@pytest.fixture
def pending(manager, policies, member_id, future) -> dict:
    policy = _policy(policies, "days")
    start = monday(future, 10)
    end = start + timedelta(days=1)
    response = manager.create_leave(
        policy_id=policy["id"],
        user_id=member_id,
        start=start.isoformat(),
        end=end.isoformat(),
        reason="Conference",
    )
    assert response.status_code == 201
    return manager.find_leave(member_id, start, end)


def test_approve(manager, pending):
    response = manager.send(
        "PUT", f"/leaves/{pending['id']}/approve", {"workspace_id": manager.workspace_id}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True
    assert body["message"]
    assert body["data"]["id"] == pending["id"]
    assert body["data"]["status"] == "approved"
    assert body["data"]["approved_by"] == manager.user_id
    listed = manager.ws_get("/leaves", id=pending["id"]).json()["data"][0]
    assert listed["status"] == "approved"


def test_reject_with_reason(manager, pending):
    response = manager.send(
        "PUT",
        f"/leaves/{pending['id']}/reject",
        {"workspace_id": manager.workspace_id, "reason": "Release week — sorry"},
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["status"] == "rejected"
    assert data["rejected_by"] == manager.user_id
    assert data["reject_reason"] == "Release week — sorry"


def test_reject_without_reason_is_allowed(manager, pending):
    response = manager.send(
        "PUT", f"/leaves/{pending['id']}/reject", {"workspace_id": manager.workspace_id}
    )
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "rejected"


@pytest.mark.parametrize(
    ("first", "second"),
    [("approve", "approve"), ("approve", "reject"), ("reject", "approve"), ("reject", "reject")],
)
def test_deciding_twice_is_422(manager, pending, first, second):
    path = f"/leaves/{pending['id']}"
    body = {"workspace_id": manager.workspace_id}
    assert manager.send("PUT", f"{path}/{first}", body).status_code == 200
    again = manager.send("PUT", f"{path}/{second}", body)
    error = _assert_error_envelope(again, 422)
    assert "already" in error["message"].lower()
    assert ("approved" if first == "approve" else "rejected") in error["message"].lower()


def test_decision_made_elsewhere_is_422(target, manager, pending):
    target.control(
        "POST",
        f"/leaves/{pending['id']}/decide",
        json={"status": "rejected", "by_user_id": manager.user_id, "reason": "Elsewhere"},
    )
    response = manager.send(
        "PUT", f"/leaves/{pending['id']}/approve", {"workspace_id": manager.workspace_id}
    )
    assert "already rejected" in _assert_error_envelope(response, 422)["message"].lower()


def test_unknown_leave_is_404(manager):
    body = {"workspace_id": manager.workspace_id}
    missing = "00000000-0000-4000-8000-000000000000"
    _assert_error_envelope(manager.send("PUT", f"/leaves/{missing}/approve", body), 404)
    _assert_error_envelope(manager.send("PUT", f"/leaves/{missing}/reject", body), 404)


def test_leave_of_another_workspace_is_404(manager):
    others = [w for w in manager.workspaces if w["role"] in MANAGER_ROLES]
    if len(others) < 2:
        pytest.skip("the login hint manages only one workspace")
    other = others[1]["id"]
    leave = manager.get("/leaves", workspace_id=other, status="pending").json()["data"][0]
    response = manager.send(
        "PUT", f"/leaves/{leave['id']}/approve", {"workspace_id": manager.workspace_id}
    )
    _assert_error_envelope(response, 404)
    still = manager.get("/leaves", workspace_id=other, id=leave["id"]).json()["data"][0]
    assert still["status"] == "pending"


def test_decisions_in_a_foreign_workspace_are_403(manager, pending):
    foreign = max(w["id"] for w in manager.workspaces) + 1
    response = manager.send("PUT", f"/leaves/{pending['id']}/approve", {"workspace_id": foreign})
    _assert_error_envelope(response, 403)
    assert "workspace_id" in _errors(manager.send("PUT", f"/leaves/{pending['id']}/approve", {}))


# ====================================================================== 11. policies


def test_policies(policies):
    assert policies
    assert len({p["id"] for p in policies}) == len(policies)
    for policy in policies:
        assert set(policy) >= POLICY_FIELDS
        assert policy["time_unit"] in {"days", "hours"}
        assert policy["is_paid"] in {"yes", "no"}
        assert isinstance(policy["duration"], int | float)
        assert isinstance(policy["allow_negative_balance"], bool)
        assert isinstance(policy["reason_required"], bool)


# ====================================================================== 12. balances


def test_balances_shape(manager, policies):
    members = manager.all_pages("/members", status="active")
    balances = manager.all_pages("/leaves/balances")
    assert sorted(b["user_id"] for b in balances) == sorted(m["id"] for m in members)
    names = {p["name"] for p in policies}
    for entry in balances:
        assert isinstance(entry["user_name"], str)
        assert "total_balance" in entry
        assert {i["leave_type"] for i in entry["leave_information"]} == names
        for item in entry["leave_information"]:
            assert BALANCE_TEXT.match(item["balance"]), item


def test_balances_default_to_the_current_year(manager):
    year = datetime.now(UTC).year
    default = manager.ws_get("/leaves/balances", per_page=100).json()["data"]
    explicit = manager.ws_get(
        "/leaves/balances", per_page=100, date_from=f"{year}-01-01", date_to=f"{year}-12-31"
    ).json()["data"]
    assert default == explicit


def test_balances_filter_by_user(manager, member_id):
    data = manager.ws_get("/leaves/balances", user_id=member_id).json()["data"]
    assert [entry["user_id"] for entry in data] == [member_id]


def test_bad_balance_window_is_422(manager):
    errors = _errors(
        manager.ws_get("/leaves/balances", date_from="2030-05-02", date_to="2030-05-01")
    )
    assert "date_to" in errors


def _balance(manager, user_id, policy_name, year) -> str:
    data = manager.ws_get(
        "/leaves/balances", user_id=user_id, date_from=f"{year}-01-01", date_to=f"{year}-12-31"
    ).json()["data"]
    info = {i["leave_type"]: i["balance"] for i in data[0]["leave_information"]}
    return info[policy_name]


def _create_and_approve(manager, **fields) -> dict:
    response = manager.create_leave(reason="Balance check", **fields)
    assert response.status_code == 201, response.text
    start, end = date.fromisoformat(fields["start"]), date.fromisoformat(fields["end"])
    leave = manager.find_leave(fields["user_id"], start, end)
    approved = manager.send(
        "PUT", f"/leaves/{leave['id']}/approve", {"workspace_id": manager.workspace_id}
    )
    assert approved.status_code == 200
    return leave


def test_balance_counts_approved_working_days(manager, policies, member_id, future):
    policy = _policy(policies, "days")
    duration = policy["duration"]
    assert number(_balance(manager, member_id, policy["name"], future)) == duration
    assert _balance(manager, member_id, policy["name"], future).endswith(" days")

    wednesday = monday(future, 11) + timedelta(days=2)
    tuesday = wednesday + timedelta(days=6)  # Wed..Tue: 5 working days across a weekend
    _create_and_approve(
        manager,
        policy_id=policy["id"],
        user_id=member_id,
        start=wednesday.isoformat(),
        end=tuesday.isoformat(),
    )
    assert number(_balance(manager, member_id, policy["name"], future)) == duration - 5

    thursday = tuesday + timedelta(days=2)
    _create_and_approve(
        manager,
        policy_id=policy["id"],
        user_id=member_id,
        start=thursday.isoformat(),
        end=thursday.isoformat(),
        leave_period=1,
    )
    text = _balance(manager, member_id, policy["name"], future)
    assert number(text) == duration - 5.5
    assert text == f"{duration - 5.5:g} days"


def test_pending_leave_does_not_reduce_the_balance(manager, policies, member_id, future):
    policy = _policy(policies, "days")
    day = monday(future, 12)
    response = manager.create_leave(
        policy_id=policy["id"],
        user_id=member_id,
        start=day.isoformat(),
        end=day.isoformat(),
        reason="Pending",
    )
    assert response.status_code == 201
    assert number(_balance(manager, member_id, policy["name"], future)) == policy["duration"]


def test_balance_of_hour_based_policy_is_in_hours(manager, policies, member_id, future):
    policy = _policy(policies, "hours")
    day = monday(future, 2) + timedelta(days=4)
    _create_and_approve(
        manager,
        policy_id=policy["id"],
        user_id=member_id,
        start=day.isoformat(),
        end=day.isoformat(),
        start_time="13:00",
        end_time="15:30",
    )
    text = _balance(manager, member_id, policy["name"], future)
    assert text == f"{policy['duration'] - 2.5:g} hours"


def test_balance_window_counts_only_days_inside_it(manager, policies, member_id, future):
    policy = _policy(policies, "days")
    # Mon 28 Dec .. Fri 1 Jan spans two years; choose the real Monday of that week.
    start = date(future - 1, 12, 28)
    start -= timedelta(days=start.weekday())
    end = start + timedelta(days=4)
    _create_and_approve(
        manager,
        policy_id=policy["id"],
        user_id=member_id,
        start=start.isoformat(),
        end=end.isoformat(),
    )
    in_new_year = working_days(date(future, 1, 1), end)
    balance = number(_balance(manager, member_id, policy["name"], future))
    assert balance == policy["duration"] - in_new_year


# ====================================================================== 6. rate limit


def test_rate_limit_headers_count_down(manager):
    first = manager.get("/workspaces")
    second = manager.get("/workspaces")
    limit = int(first.headers["X-RateLimit-Limit"])
    assert limit > 0
    assert int(second.headers["X-RateLimit-Limit"]) == limit
    assert (
        int(second.headers["X-RateLimit-Remaining"])
        == int(first.headers["X-RateLimit-Remaining"]) - 1
    )


def test_rate_limit_answers_429_with_retry_after(target, manager):
    if target.control_url:
        target.control("PUT", "/config", json={"rate_limit": 5})
        target.control("DELETE", "/rate-limits")
    remaining = int(manager.get("/workspaces").headers["X-RateLimit-Remaining"])
    assert remaining < 100
    for _ in range(remaining):
        assert manager.get("/workspaces").status_code == 200
    limited = manager.get("/workspaces")
    _assert_error_envelope(limited, 429)
    retry_after = int(limited.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert limited.headers["X-RateLimit-Remaining"] == "0"
