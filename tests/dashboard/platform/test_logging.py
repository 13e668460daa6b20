"""The request log: one JSON line per request, with its id, user, workspace and upstream calls,
and never a token, a secret, a cookie or an OAuth code, read from the configured handler."""

import io
import json
import logging
import re
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.test import Client

from dashboard.platform.logging import REDACTED, JsonFormatter, RedactSecretsFilter, redact
from tests.oauth_flow import authorize, finish_login, start_login

CANARY = "CANARY-"


@pytest.fixture
def log_lines():
    """What the configured JSON handler writes, as a function returning the parsed lines.

    The root logger goes to INFO for the test (test settings keep it at WARNING), so every
    request line and every INFO line of the dashboard is written through the real formatter
    and filter.
    """
    root = logging.getLogger()
    handler = next(h for h in root.handlers if h.name == "console")
    buffer = io.StringIO()
    old_stream = handler.setStream(buffer)
    old_level = root.level
    root.setLevel(logging.INFO)

    def read(*, raw: bool = False):
        text = buffer.getvalue()
        if raw:
            return text
        return [json.loads(line) for line in text.splitlines()]

    read.clear = lambda: (buffer.seek(0), buffer.truncate())
    try:
        yield read
    finally:
        root.setLevel(old_level)
        handler.setStream(old_stream)


def request_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == "dashboard.request"]


def canary_sign_in(client: Client, webwork, persona: str = "manager@sandbox.test") -> dict:
    """Sign in with canary tokens; return the values that must never be logged."""
    webwork.state.token_prefix = "AT-" + CANARY
    webwork.state.refresh_prefix = "RT-" + CANARY
    callback = authorize(start_login(client), persona)
    response = finish_login(client, callback)
    assert response.status_code == 302, response.content[:300]
    query = parse_qs(urlsplit(callback).query)
    return {"code": query["code"][0], "state": query["state"][0]}


@pytest.mark.django_db
def test_one_json_line_per_request_with_id_user_workspace_and_upstream_calls(
    webwork, browser_client, log_lines
):
    canary_sign_in(browser_client, webwork)
    user_id = browser_client.session["_auth_user_id"]
    log_lines.clear()
    webwork.state.calls.clear()

    inbox = browser_client.get("/w/1/")
    upstream_for_inbox = webwork.state.calls.count()
    health = browser_client.get("/healthz")
    missing = browser_client.get("/w/1/nowhere/")

    lines = request_lines(log_lines())
    assert [(line["method"], line["path"], line["status"]) for line in lines] == [
        ("GET", "/w/1/", inbox.status_code),
        ("GET", "/healthz", health.status_code),
        ("GET", "/w/1/nowhere/", missing.status_code),
    ]
    inbox_line, health_line, missing_line = lines
    assert inbox.status_code == 200
    assert missing.status_code == 404
    # The id is the one the response carries, a fresh one per request.
    assert inbox_line["request_id"] == inbox["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", inbox_line["request_id"])
    assert len({line["request_id"] for line in lines}) == 3
    # Who and where.
    assert str(inbox_line["user_id"]) == user_id
    assert inbox_line["workspace_id"] == 1
    assert health_line["workspace_id"] is None
    assert missing_line["user_id"] is not None
    # The upstream calls are those WebWork saw, each named without query values, and timed.
    assert upstream_for_inbox > 0
    assert inbox_line["upstream_calls"] == upstream_for_inbox
    assert len(inbox_line["upstream"]) == min(upstream_for_inbox, 20)
    for call in inbox_line["upstream"]:
        assert re.fullmatch(r"(GET|POST|PUT) /[\w/{}-]*(\?[\w&]+)? (\d{3}|None)", call), call
    # The time spent upstream (summed over calls, which may run in parallel) and in all.
    assert inbox_line["upstream_ms"] > 0
    assert inbox_line["duration_ms"] > 0
    assert inbox_line["level"] == "INFO"
    assert {"ts", "msg", "htmx"} <= inbox_line.keys()


@pytest.mark.django_db
def test_a_well_formed_incoming_request_id_is_kept_and_a_bad_one_replaced(client, log_lines):
    good = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a9c2e-0001")
    bad = client.get("/healthz", HTTP_X_REQUEST_ID="x\r\nforged: 1")
    first, second = request_lines(log_lines())
    assert first["request_id"] == good["X-Request-Id"] == "lb-7f3a9c2e-0001"
    assert second["request_id"] == bad["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", second["request_id"])


@pytest.mark.django_db
def test_a_newline_in_the_path_cannot_forge_a_second_line(client, log_lines):
    client.get("/w/1/%0A%7B%22logger%22%3A%22dashboard.request%22%7D")
    text = log_lines(raw=True)
    lines = request_lines(log_lines())
    assert len(lines) == 1
    assert "\n" in lines[0]["path"]
    assert len([line for line in text.splitlines() if '"dashboard.request"' in line]) == 1


@pytest.mark.django_db
def test_no_token_secret_cookie_or_code_is_ever_logged(
    webwork, browser_client, log_lines, settings
):
    """Sign in, use pages, have the access token refreshed, sign out: log everything."""
    logging.getLogger().setLevel(logging.DEBUG)
    oauth = canary_sign_in(browser_client, webwork)
    browser_client.get("/w/1/")
    browser_client.get("/w/1/leaves/?status=pending&q=code%3Dabc")
    browser_client.get("/w/1/balances/", HTTP_HX_REQUEST="true")
    webwork.state.expire_access_tokens()
    cache.clear()
    browser_client.get("/w/1/policies/")  # 401, refresh with the refresh token, repeat
    cookies = {name: morsel.value for name, morsel in browser_client.cookies.items()}
    browser_client.post("/accounts/logout/")
    browser_client.get("/accounts/webwork/login/callback/?code=forged-code-123&state=forged")

    text = log_lines(raw=True)
    lines = log_lines()
    assert len(request_lines(lines)) >= 8
    assert any(line["logger"] == "dashboard.webwork" for line in lines)  # DEBUG lines too
    forbidden = {
        "OAuth code": oauth["code"],
        "OAuth state": oauth["state"],
        "forged code": "forged-code-123",
        "SECRET_KEY": settings.SECRET_KEY,
        "client secret": settings.WEBWORK_CLIENT_SECRET,
        **{
            f"encryption key {i}": k for i, k in enumerate(settings.TOKEN_ENCRYPTION_KEY.split(","))
        },
        **{f"cookie {name}": value for name, value in cookies.items() if value},
    }
    assert cookies, "the client had cookies to leak"
    # The code was exchanged and the refresh token used: both kinds of token were in play.
    assert webwork.state.calls.count(method="POST", path="^/oauth/token$") == 2
    for what, value in forbidden.items():
        assert value not in text, f"{what} is in the log"
    assert CANARY not in text  # every access and refresh token the sandbox issued
    assert not re.search(r"(?<![\w])code=(?!\[redacted\])", text)
    # The callbacks were logged: by path, without their query.
    callbacks = [line for line in request_lines(lines) if "callback" in line["path"]]
    assert len(callbacks) == 2
    assert all("?" not in line["path"] for line in callbacks)


# --------------------------------------------------------------------------- the formatter


def _format(message, *args, exc_info=None, **extra) -> dict:
    record = logging.LogRecord("t", logging.WARNING, __file__, 1, message, args, exc_info)
    record.__dict__.update(extra)
    RedactSecretsFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def test_token_like_values_are_masked_wherever_they_appear():
    line = _format(
        "calling %s with %s",
        "https://x.test/cb?code=abc123&state=s3cr3t&next=/w/1/",
        "Authorization: Bearer AT-CANARY-1",
        cookie_header="sessionid=sess-value; csrftoken=csrf-value",
        body={"access_token": "AT-CANARY-2", "refresh_token": "RT-CANARY-3"},
        upstream=["GET /leaves?workspace_id&page 200"],
        status_code=200,
    )
    text = json.dumps(line)
    for value in ("abc123", "s3cr3t", "AT-CANARY", "RT-CANARY", "sess-value", "csrf-value"):
        assert value not in text
    assert "next=/w/1/" in line["msg"]
    assert line["upstream"] == ["GET /leaves?workspace_id&page 200"]
    assert line["status_code"] == 200


def test_names_that_only_end_like_a_secret_are_left_alone():
    assert redact("status_code=502 barcode=123 postcode: 75001") == (
        "status_code=502 barcode=123 postcode: 75001"
    )
    assert redact("code=abc") == f"code={REDACTED}"
    assert redact('{"code": "abc"}') == f'{{"code": "{REDACTED}"}}'
    assert redact("Authorization: Basic dXNlcjpwYXNz") == f"Authorization: Basic {REDACTED}"


def test_extras_named_like_credentials_are_never_written():
    line = _format(
        "token stored",
        access_token="opaque-value-without-a-pattern",
        client_secret="another-opaque-value",
        token_count=3,
        reauth_token=None,
    )
    assert line["access_token"] == REDACTED
    assert line["client_secret"] == REDACTED
    assert line["token_count"] == 3
    assert line["reauth_token"] is None
    assert "opaque" not in json.dumps(line)


def test_configured_secrets_are_masked_even_without_a_telltale_name(settings):
    settings.WEBWORK_CLIENT_SECRET = "plain-words-client-secret-value"
    try:
        raise RuntimeError(f"upstream said no to {settings.WEBWORK_CLIENT_SECRET}")
    except RuntimeError:
        line = _format("failed with %s", settings.SECRET_KEY, exc_info=sys.exc_info())
    assert settings.SECRET_KEY not in json.dumps(line)
    assert "plain-words-client-secret-value" not in line["exc"]
    assert REDACTED in line["exc"]
    assert line["msg"] == f"failed with {REDACTED}"


@pytest.mark.django_db
def test_server_timing_gives_durations_and_the_upstream_count_only(webwork, manager_client):
    cache.clear()
    webwork.state.calls.clear()
    cold = manager_client.get("/w/1/calendar/")
    made = webwork.state.calls.count(path="^/api/v2/")
    warm = manager_client.get("/w/1/calendar/")
    pattern = r'app;dur=(\d+\.\d), upstream;dur=(\d+\.\d);desc="(\d+) calls"'
    cold_timing = re.fullmatch(pattern, cold["Server-Timing"])
    warm_timing = re.fullmatch(pattern, warm["Server-Timing"])
    assert cold_timing, cold["Server-Timing"]
    assert warm_timing, warm["Server-Timing"]
    assert int(cold_timing.group(3)) == made > 0
    assert float(cold_timing.group(2)) > 0
    assert float(cold_timing.group(1)) >= float(cold_timing.group(2)) / made  # parallel calls
    assert warm_timing.group(2, 3) == ("0.0", "0")
