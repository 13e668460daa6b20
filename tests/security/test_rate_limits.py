"""S-24: per-person limits on our own workspace pages and actions, 429 with Retry-After."""

import datetime as dt
import json

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from dashboard.platform import ratelimit
from tests.oauth_flow import LOGIN_URL, csrf_token

pytestmark = pytest.mark.django_db

WS = 1
HTMX = {"HX-Request": "true"}
WRITES, PAGES = 30, 120  # the production defaults (config/settings/base.py)


@pytest.fixture
def limits(settings):
    settings.RATE_LIMIT_WRITES = WRITES
    settings.RATE_LIMIT_PAGES = PAGES
    ratelimit._local.clear()
    yield
    ratelimit._local.clear()


def _pending_id(webwork) -> str:
    return webwork.state.leaves_for(WS, status="pending")[0]["id"]


@time_machine.travel("2026-11-28 10:00:05 +0000", tick=False)
def test_the_31st_decision_in_a_minute_is_refused_with_retry_after(limits, manager_client, webwork):
    url = f"/w/{WS}/leaves/{_pending_id(webwork)}/approve/"
    statuses = [manager_client.post(url, headers=HTMX).status_code for _ in range(40)]
    assert statuses[:WRITES] == [200] * WRITES
    assert statuses[WRITES:] == [429] * (40 - WRITES)
    refused = manager_client.post(url, headers=HTMX)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "56"  # seconds left in the minute, rounded up
    toast = json.loads(refused["HX-Trigger"])["toast"]
    assert toast["message"] == "Too many actions in the last minute. Wait a moment, then try again."
    # One decision reached WebWork; repeats and refusals cost nothing upstream.
    assert webwork.state.calls.count(method="PUT") == 1


def test_page_views_beyond_the_limit_get_a_friendly_429_page(limits, manager_client, webwork):
    with time_machine.travel("2026-11-28 10:00:00 +0000", tick=False) as clock:
        statuses = [manager_client.get(f"/w/{WS}/policies/").status_code for _ in range(PAGES)]
        assert set(statuses) == {200}
        refused = manager_client.get(f"/w/{WS}/policies/")
        assert refused.status_code == 429
        assert "Slow down a little" in refused.content.decode()
        assert "Too many page views" in refused.content.decode()
        # A write has its own allowance.
        approve = f"/w/{WS}/leaves/{_pending_id(webwork)}/approve/"
        assert manager_client.post(approve, headers=HTMX).status_code == 200
        # The next minute starts afresh.
        clock.shift(60)
        assert manager_client.get(f"/w/{WS}/policies/").status_code == 200


@time_machine.travel("2026-11-28 10:00:00 +0000", tick=False)
def test_limits_are_per_person(limits, manager_client, owner_client, webwork):
    for _ in range(PAGES + 1):
        manager_client.get(f"/w/{WS}/policies/")
    assert manager_client.get(f"/w/{WS}/policies/").status_code == 429
    assert owner_client.get(f"/w/{WS}/policies/").status_code == 200


@time_machine.travel("2026-11-28 10:00:00 +0000", tick=False)
def test_sign_in_pages_and_health_checks_are_not_counted(limits, manager_client):
    for _ in range(PAGES + 5):
        manager_client.get(f"/w/{WS}/policies/")
    assert manager_client.get(f"/w/{WS}/policies/").status_code == 429
    assert manager_client.get("/healthz").status_code == 200
    assert manager_client.get("/accounts/login/").status_code in (200, 302)


@time_machine.travel("2026-11-28 10:00:00 +0000", tick=False)
def test_with_the_cache_down_each_process_still_limits(limits, manager_client, monkeypatch):
    class DownCache:
        is_down = True

        def add(self, *args, **kwargs):
            raise AssertionError("a cache that is down is not asked")

        incr = add

    monkeypatch.setattr(ratelimit, "cache", DownCache())
    statuses = [manager_client.get(f"/w/{WS}/policies/").status_code for _ in range(PAGES + 1)]
    assert statuses.count(429) == 1
    assert statuses[-1] == 429


def test_a_limit_of_zero_turns_it_off(settings, manager_client):
    settings.RATE_LIMIT_PAGES = 0
    statuses = {manager_client.get(f"/w/{WS}/policies/").status_code for _ in range(PAGES + 5)}
    assert statuses == {200}


SIGN_IN = 20  # RATE_LIMIT_SIGN_IN's default


@time_machine.travel("2026-11-28 10:00:00 +0000", tick=False)
def test_sign_in_starts_and_callbacks_are_limited_per_address(settings, webwork, limits):
    settings.RATE_LIMIT_SIGN_IN = SIGN_IN
    client = Client(HTTP_HOST="127.0.0.1:8000")
    token = csrf_token(client)
    starts = [
        client.post(LOGIN_URL, {"csrfmiddlewaretoken": token}).status_code for _ in range(SIGN_IN)
    ]
    assert set(starts) == {302}  # each to WebWork's authorize page
    webwork.state.calls.clear()
    refused = client.post(LOGIN_URL, {"csrfmiddlewaretoken": token})
    assert refused.status_code == 429
    assert refused["Retry-After"] == "61"
    assert "Too many sign-in attempts" in refused.content.decode()
    callback = client.get(f"{LOGIN_URL}callback/?code=x&state=y")
    assert callback.status_code == 429  # counted together, and WebWork is not asked
    assert webwork.state.calls.count() == 0
    # Another address has its own count; the admin's form shares this one.
    other = client.post(LOGIN_URL, {"csrfmiddlewaretoken": token}, REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 302
    assert client.post("/admin/login/", {"username": "a", "password": "b"}).status_code == 429
    # A minute on, the address may try again.
    with time_machine.travel("2026-11-28 10:01:00 +0000", tick=False):
        assert client.post(LOGIN_URL, {"csrfmiddlewaretoken": token}).status_code == 302


def test_admin_password_guessing_is_locked_out_for_an_hour(db):
    get_user_model().objects.create_superuser("admin", "admin@example.test", "right-horse-9")
    start = dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = Client(HTTP_HOST="127.0.0.1:8000")
        guesses = [
            client.post("/admin/login/", {"username": "admin", "password": f"guess-{n}"})
            for n in range(5)
        ]
        # The form again, with an error, four times; the fifth wrong password locks it.
        assert [r.status_code for r in guesses] == [200, 200, 200, 200, 429]
        right = {"username": "admin", "password": "right-horse-9"}
        locked = client.post("/admin/login/", right)
        assert locked.status_code == 429
        assert "five wrong passwords" in locked.content.decode()
        assert "_auth_user_id" not in client.session
        clock.shift(61 * 60)
        assert client.post("/admin/login/", right).status_code == 302
        assert client.get("/admin/").status_code == 200
