"""S-15/S-16: every write needs POST, a CSRF token and our own origin; HTMX included."""

import json
import uuid

import pytest
from django.test import Client

from dashboard.models import (
    AuditEntry,
    CalendarFeed,
    NotificationPreference,
    WorkspaceSettings,
    WorkspaceWebhook,
)

from .support import HOST, HTMX, MANAGER, WS_A, production_like

pytestmark = pytest.mark.django_db

EVIL = "https://evil.test"


@pytest.fixture
def strict(signed_in):
    """Mateo's browser, with CSRF checks enforced as in production."""
    return signed_in(MANAGER, enforce_csrf_checks=True)


def _writes(webwork) -> list[tuple[str, dict]]:
    """Every state-changing request the dashboard accepts, with valid data."""
    state = webwork.state
    pending = state.leaves_for(WS_A, status="pending")
    member = next(m for m in state.members_for(WS_A) if m["status"] == "active")
    policy = next(p for p in state.policies_for(WS_A) if p["time_unit"] == "days")
    return [
        (f"/w/{WS_A}/leaves/{pending[0]['id']}/approve/", {}),
        (f"/w/{WS_A}/leaves/{pending[1]['id']}/reject/", {"reason": "Short-staffed"}),
        (f"/w/{WS_A}/balances/refresh/", {}),
        (
            f"/w/{WS_A}/leaves/new/",
            {
                "member": member["id"],
                "policy": policy["id"],
                "start": "2031-05-05",
                "end": "2031-05-05",
                "request_key": uuid.uuid4().hex,
            },
        ),
        (f"/w/{WS_A}/settings/", {"holiday_country": "DE", "holiday_subdivision": ""}),
        (f"/w/{WS_A}/settings/zone/", {"timezone": "Asia/Tokyo"}),
        (f"/w/{WS_A}/feeds/", {"name": "Who's off"}),
        (f"/w/{WS_A}/notifications/", {"alerts_enabled": "on", "digest_hour": "8"}),
        (f"/w/{WS_A}/notifications/webhook/", {"url": "https://hooks.example.com/x"}),
        ("/accounts/logout/", {}),
    ]


def _upstream_writes(webwork) -> int:
    return webwork.state.calls.count(method="PUT") + webwork.state.calls.count(
        method="POST", path="^/api/"
    )


def test_writes_without_a_token_or_from_another_origin_are_refused(webwork, strict):
    token = strict.cookies["csrftoken"].value
    writes = _writes(webwork)
    webwork.state.calls.clear()
    refused = 0
    for url, data in writes:
        attempts = [
            strict.post(url, data),
            strict.post(url, data, headers=HTMX),
            strict.post(url, {**data, "csrfmiddlewaretoken": "x" * 32}),
            strict.post(url, {**data, "csrfmiddlewaretoken": token}, headers={"Origin": EVIL}),
            strict.post(url, data, headers={**HTMX, "X-CSRFToken": token, "Origin": EVIL}),
            strict.post(url, data, headers={**HTMX, "X-CSRFToken": token, "Origin": "null"}),
        ]
        for response in attempts:
            assert response.status_code == 403, url
            refused += 1
    assert refused == 6 * len(writes)
    assert _upstream_writes(webwork) == 0
    assert webwork.state.calls.count() == 0  # not even a read
    assert not AuditEntry.objects.exists()
    assert not WorkspaceSettings.objects.exists()
    assert not CalendarFeed.objects.exists()
    assert not NotificationPreference.objects.exists()
    assert not WorkspaceWebhook.objects.exists()
    assert strict.get(f"/w/{WS_A}/").status_code == 200  # still signed in


def test_over_https_a_foreign_referer_is_refused_too(webwork, signed_in, settings):
    client = signed_in(MANAGER, enforce_csrf_checks=True)
    session = client.cookies["sessionid"].value
    with production_like(settings):
        client.cookies["__Host-sessionid"] = session
        https = {"secure": True, "HTTP_HOST": "leave.example.com"}
        assert client.get(f"/w/{WS_A}/", **https).status_code == 200
        token = client.cookies["__Host-csrftoken"].value
        webwork.state.calls.clear()
        for url, data in _writes(webwork):
            response = client.post(
                url,
                {**data, "csrfmiddlewaretoken": token},
                HTTP_REFERER=f"{EVIL}/page",
                **https,
            )
            assert response.status_code == 403, url
        # The same request from our own page is accepted (the check is not just "refuse all").
        leave = webwork.state.leaves_for(WS_A, status="pending")[0]
        ok = client.post(
            f"/w/{WS_A}/leaves/{leave['id']}/approve/",
            {"csrfmiddlewaretoken": token},
            HTTP_REFERER=f"https://leave.example.com/w/{WS_A}/",
            **https,
        )
    assert ok.status_code == 302
    assert webwork.state.calls.count(method="PUT") == 1
    assert webwork.state.calls.count(method="POST", path="^/api/") == 0


def test_get_and_head_on_actions_are_405_and_call_nothing(webwork, strict):
    pending = webwork.state.leaves_for(WS_A, status="pending")
    webwork.state.calls.clear()
    for url in (
        f"/w/{WS_A}/leaves/{pending[0]['id']}/approve/",
        f"/w/{WS_A}/leaves/{pending[0]['id']}/reject/",
        f"/w/{WS_A}/balances/refresh/",
    ):
        for method in ("get", "head", "put", "delete", "patch"):
            response = getattr(strict, method)(url)
            assert response.status_code in (403, 405), (method, url)
            if method in ("get", "head"):
                assert response.status_code == 405, (method, url)
                assert "POST" in response["Allow"]
    assert _upstream_writes(webwork) == 0
    assert webwork.state.leave(pending[0]["id"])["status"] == "pending"


def test_htmx_post_with_the_header_token_works(webwork, strict):
    token = strict.cookies["csrftoken"].value
    leave = webwork.state.leaves_for(WS_A, status="pending")[0]
    response = strict.post(
        f"/w/{WS_A}/leaves/{leave['id']}/approve/",
        headers={**HTMX, "X-CSRFToken": token, "Origin": f"http://{HOST}"},
    )
    assert response.status_code == 200
    assert webwork.state.leave(leave["id"])["status"] == "approved"
    assert webwork.state.calls.count(method="PUT") == 1


def test_a_stale_token_in_an_old_tab_is_explained_not_swallowed(webwork, strict, signed_in):
    stale = strict.cookies["csrftoken"].value
    strict.post("/accounts/logout/", {"csrfmiddlewaretoken": stale})
    fresh = signed_in(MANAGER, full_flow=True, enforce_csrf_checks=True)
    # The old tab still holds `stale`; the new sign-in rotated the token.
    fresh_token = fresh.cookies["csrftoken"].value
    assert fresh_token != stale
    leave = webwork.state.leaves_for(WS_A, status="pending")[0]
    webwork.state.calls.clear()
    response = fresh.post(
        f"/w/{WS_A}/leaves/{leave['id']}/approve/", headers={**HTMX, "X-CSRFToken": stale}
    )
    assert response.status_code == 403
    trigger = json.loads(response["HX-Trigger"])
    assert "Reload the page" in trigger["toast"]["message"]
    assert trigger["toast"]["level"] == "error"
    assert webwork.state.leave(leave["id"])["status"] == "pending"
    assert _upstream_writes(webwork) == 0
    anonymous = Client(HTTP_HOST=HOST, enforce_csrf_checks=True)
    assert anonymous.post(f"/w/{WS_A}/leaves/{leave['id']}/approve/").status_code == 403
