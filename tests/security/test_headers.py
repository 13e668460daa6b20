"""S-18..S-20: CSP with a fresh nonce, no framing, baseline headers, no-store when signed in."""

import re
import subprocess

import pytest
from django.test import Client

from .support import (
    HOST,
    HTMX,
    MANAGER,
    OWNER,
    PYTHON,
    ROOT,
    WS_A,
    WS_B,
    exercise_dashboard,
    production_env,
    production_like,
)

pytestmark = pytest.mark.django_db

_NONCE = re.compile(r"'nonce-([A-Za-z0-9+/=_-]+)'")


def _directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    result = {}
    for part in policy.split(";"):
        name, *values = part.split()
        result[name] = values
    return result


def _anonymous_responses(client: Client) -> list:
    return [
        client.get("/accounts/login/"),
        client.get("/accounts/webwork/login/"),
        client.get("/accounts/logout/"),
        client.get("/healthz"),
        client.get(f"/w/{WS_A}/"),  # redirect to sign in
        client.get(f"/w/{WS_A}/", headers=HTMX),
        client.get("/no/such/page/"),
        client.get("/admin/login/"),
        client.post("/accounts/webwork/login/"),  # CSRF failure page
        client.get("/static/css/app.css"),
    ]


def _signed_in_responses(client: Client, webwork) -> list:
    pending = webwork.state.leaves_for(WS_A, status="pending")
    return [
        *exercise_dashboard(client, webwork),
        client.get("/workspaces/"),
        client.get(f"/w/{WS_B}/"),  # 404 for a workspace not managed
        client.get(f"/w/{WS_A}/leaves/{pending[-1]['id']}/approve/"),  # 405
        client.post(f"/w/{WS_A}/leaves/{pending[-1]['id']}/reject/", {}, headers=HTMX),
    ]


def _assert_baseline(response, label: str) -> None:
    assert response["X-Frame-Options"] == "DENY", label
    assert response["X-Content-Type-Options"] == "nosniff", label
    assert response["Referrer-Policy"] == "same-origin", label
    assert response["Cross-Origin-Opener-Policy"] == "same-origin", label
    csp = _directives(response)
    assert csp["frame-ancestors"] == ["'none'"], label
    assert csp["object-src"] == ["'none'"], label
    assert csp["base-uri"] == ["'none'"], label
    assert csp["default-src"] == ["'self'"], label
    for values in csp.values():
        assert "'unsafe-inline'" not in values, label
        assert "'unsafe-eval'" not in values, label
        assert "*" not in values, label
    assert "data:" not in csp["script-src"], label


def test_every_response_carries_the_security_headers(webwork, signed_in):
    anonymous = _anonymous_responses(Client(HTTP_HOST=HOST, enforce_csrf_checks=True))
    manager = signed_in(MANAGER)
    signed = _signed_in_responses(manager, webwork)
    owner = signed_in(OWNER)
    signed += [owner.get("/workspaces/"), owner.get(f"/w/{WS_B}/")]
    statuses = sorted({r.status_code for r in anonymous + signed})
    assert {200, 302, 403, 404, 405} <= set(statuses)
    for index, response in enumerate(anonymous + signed):
        _assert_baseline(response, f"#{index} {response.status_code}")
    for index, response in enumerate(signed):
        cache_control = response.get("Cache-Control", "")
        assert "no-store" in cache_control, index
        assert "private" in cache_control, index
    # Nothing here is HTTPS: HSTS is production's job and must not pin local hosts.
    assert not any(r.has_header("Strict-Transport-Security") for r in anonymous + signed)


def test_static_files_served_by_whitenoise_carry_a_strict_csp(settings, tmp_path):
    """In production whitenoise answers /static/ before the CSP middleware runs."""
    from django.core.management import call_command
    from django.http import HttpResponse
    from django.test import RequestFactory
    from whitenoise.middleware import WhiteNoiseMiddleware

    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", "--noinput", verbosity=0)
    whitenoise = WhiteNoiseMiddleware(lambda request: HttpResponse("not a static file"))
    for path in ("/static/css/app.css", "/static/icons/favicon.svg"):
        response = whitenoise(RequestFactory().get(path))
        assert response.status_code == 200, path
        assert response.__class__.__name__ != "HttpResponse", path  # whitenoise's own answer
        csp = _directives(response)
        assert csp["default-src"] == ["'none'"], path
        assert csp["frame-ancestors"] == ["'none'"], path
        assert "script-src" not in csp, path  # nothing static may run a script
        assert response["X-Frame-Options"] == "DENY", path


def test_html_pages_get_a_fresh_nonce_that_matches_their_scripts(webwork, signed_in):
    client = signed_in(MANAGER)
    nonces = []
    for url in (f"/w/{WS_A}/", f"/w/{WS_A}/", f"/w/{WS_A}/calendar/", "/accounts/logout/"):
        response = client.get(url)
        assert response.status_code == 200
        script_src = _directives(response)["script-src"]
        (nonce,) = _NONCE.findall(" ".join(script_src))
        html = response.content.decode()
        script_nonces = re.findall(r'<script[^>]* nonce="([^"]+)"', html)
        assert script_nonces, url
        assert set(script_nonces) == {nonce}, url
        assert len(nonce) >= 16
        nonces.append(nonce)
    assert len(set(nonces)) == len(nonces)


def test_form_action_allows_only_us_and_webwork(webwork, settings):
    response = Client(HTTP_HOST=HOST).get("/accounts/login/")
    assert _directives(response)["form-action"] == ["'self'", webwork.url]


def test_hsts_and_https_redirect_with_production_settings(webwork, settings):
    with production_like(settings) as prod:
        assert prod["SECURE_HSTS_SECONDS"] >= 31536000
        client = Client(HTTP_HOST="leave.example.com")
        secure = client.get("/accounts/login/", secure=True)
        plain = client.get("/accounts/login/")
        health = client.get("/healthz")
    hsts = secure["Strict-Transport-Security"]
    max_age = int(re.search(r"max-age=(\d+)", hsts).group(1))
    assert max_age >= 31536000
    assert "includeSubDomains" in hsts
    assert plain.status_code == 301
    assert plain["Location"] == "https://leave.example.com/accounts/login/"
    assert health.status_code == 200  # load balancers probe over plain HTTP
    _assert_baseline(secure, "https")


def test_deploy_checks_pass_with_production_settings():
    done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [PYTHON, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=production_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_deploy_checks_catch_what_check_deploy_does_not(settings):
    from dashboard.platform.checks import security_settings_check

    assert security_settings_check(None) == []
    settings.SECURE_CSP = {}
    settings.WEBWORK_PKCE = False
    settings.SOCIALACCOUNT_LOGIN_ON_GET = True
    settings.TOKEN_ENCRYPTION_KEY = ""
    settings.CACHES = {
        "default": {
            "BACKEND": "dashboard.platform.cache_backend.FailSoftRedisCache",
            "LOCATION": "redis://x",
        }
    }
    ids = {problem.id for problem in security_settings_check(None)}
    assert {
        "dashboard.E001",
        "dashboard.W002",
        "dashboard.E003",
        "dashboard.E004",
        "dashboard.W005",
    } <= ids
