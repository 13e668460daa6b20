"""S-25, S-26, S-28: security events are logged without secrets; errors show no internals."""

import json
import re
import secrets

import pytest
from django.test import Client

from dashboard.models import AuditEntry
from tests.oauth_flow import authorize, start_login

from .support import HOST, HTMX, MANAGER, ROOT, WS_A, WS_B, captured_logs

pytestmark = pytest.mark.django_db


def _lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def _request_lines(output: str) -> list[dict]:
    return [line for line in _lines(output) if line["logger"] == "dashboard.request"]


# --------------------------------------------------------------------------- S-26
class _Exploding:
    """Blows up when a template touches it."""

    @property
    def rows(self):
        raise RuntimeError("template-level failure with secret-looking SELECT * FROM users")


@pytest.mark.parametrize("where", ["view", "template"])
def test_a_crash_shows_a_plain_page_with_a_reference_and_no_internals(
    webwork, signed_in, monkeypatch, where
):
    client = signed_in(MANAGER)
    client.raise_request_exception = False
    if where == "view":

        def crash(**kwargs):
            raise RuntimeError("view-level failure with SELECT * FROM users")

        monkeypatch.setattr("dashboard.views.pages.inbox_get", crash)
    else:
        monkeypatch.setattr("dashboard.views.pages.inbox_get", lambda **kwargs: _Exploding())
    with captured_logs() as logs:
        page = client.get(f"/w/{WS_A}/")
        fragment = client.get(f"/w/{WS_A}/", headers=HTMX)
    for response in (page, fragment):
        assert response.status_code == 500
        text = response.content.decode()
        assert response["X-Request-Id"] in text
        for internal in ("Traceback", "SELECT", "RuntimeError", "settings", "SECRET", ".py"):
            assert internal not in text
        assert "Something went wrong on our side" in text
    assert "Try again" in json.loads(fragment["HX-Trigger"])["toast"]["message"]
    errors = [line for line in _lines(logs.output) if line["level"] == "ERROR"]
    assert errors
    assert any(page["X-Request-Id"] in json.dumps(line) for line in _lines(logs.output))


# --------------------------------------------------------------------------- S-25
def test_security_events_are_logged_with_who_what_where_and_no_secrets(webwork, signed_in):
    with captured_logs() as logs:
        # A forged sign-in: wrong state.
        attacker = Client(HTTP_HOST=HOST)
        callback = authorize(start_login(attacker), MANAGER)
        code = re.search(r"code=([^&]+)", callback).group(1)
        state = re.search(r"state=([^&]+)", callback).group(1)
        forged = callback.split("127.0.0.1:8000")[-1].replace(state, secrets.token_urlsafe(12))
        attacker.get(forged)
        # A real sign-in, a CSRF refusal, a denied workspace, a decision.
        client = signed_in(MANAGER)
        strict = Client(HTTP_HOST=HOST, enforce_csrf_checks=True)
        strict.cookies = client.cookies
        leave = webwork.state.leaves_for(WS_A, status="pending")[0]
        assert strict.post(f"/w/{WS_A}/leaves/{leave['id']}/approve/").status_code == 403
        assert client.get(f"/w/{WS_B}/").status_code == 404
        assert client.post(f"/w/{WS_A}/leaves/{leave['id']}/approve/").status_code == 302
    lines = _lines(logs.output)
    requests_logged = _request_lines(logs.output)
    user_id = int(client.session["_auth_user_id"])

    sign_in_failures = [line for line in lines if line["msg"] == "sign-in error"]
    assert sign_in_failures
    csrf = [line for line in lines if line["logger"] == "django.security.csrf"]
    assert csrf
    assert "CSRF" in csrf[0]["msg"]
    denied = [r for r in requests_logged if r["status"] == 404 and r["user_id"] == user_id]
    assert denied[0]["workspace_id"] == WS_B
    decision = next(
        r for r in requests_logged if r["path"].endswith("/approve/") and r["status"] == 302
    )
    assert decision["user_id"] == user_id
    assert decision["workspace_id"] == WS_A
    assert any(call.startswith("PUT /leaves/") for call in decision["upstream"])
    assert re.fullmatch(r"[0-9a-f]{32}", decision["request_id"])
    assert decision["ts"].endswith("+00:00")  # UTC
    entry = AuditEntry.objects.get()
    assert (entry.actor_id, entry.workspace_id, entry.leave_id, entry.outcome) == (
        user_id,
        WS_A,
        leave["id"],
        "done",
    )
    # Neither the authorization code nor the state reaches a log line or message. (Records
    # carry the request object itself; the formatter writes only its method and path.)
    assert code not in logs.output
    assert state not in logs.output
    assert code not in "".join(logs.raw.messages)


# --------------------------------------------------------------------------- S-28
# The WebWork client's two modules that speak HTTP: the session and one exchange, and the
# mapping of transport failures to typed errors.
# The WebWork client's door, and the one for chat webhooks (https, public addresses, timeouts).
HTTP_DOOR = (
    "dashboard/webwork/transport.py",
    "dashboard/webwork/error_mapping.py",
    "dashboard/platform/outbound.py",
)


def test_only_the_webwork_client_talks_http():
    offenders = []
    for folder in ("dashboard", "config"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text()
            relative = str(path.relative_to(ROOT))
            if relative in HTTP_DOOR:
                continue
            if re.search(
                r"^\s*(import requests|from requests\b|import urllib3|import httpx)", text, re.M
            ):
                offenders.append(relative)
            if re.search(r"\brequests\.(get|post|put|patch|delete|request)\(", text):
                offenders.append(relative)
    assert offenders == []
    transport = (ROOT / "dashboard/webwork/transport.py").read_text()
    for call in re.finditer(r"_get_session\(\)\.request\((?:[^()]|\([^()]*\))*\)", transport, re.S):
        assert "timeout=" in call.group(0)
