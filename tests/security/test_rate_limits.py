"""S-24: per-person limits on our own workspace pages and actions, 429 with Retry-After."""

import json

import pytest
import time_machine

from dashboard.platform import ratelimit

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
