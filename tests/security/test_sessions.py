"""S-12..S-14: a new session at sign-in, none after sign-out, idle and absolute timeouts."""

import datetime as dt
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.test import Client

from tests.oauth_flow import authorize, csrf_token, finish_login, start_login

from .support import HOST, MANAGER, WS_A, cache_settings, production_like

pytestmark = pytest.mark.django_db

IDLE = django_settings.SESSION_IDLE_TIMEOUT
ABSOLUTE = django_settings.SESSION_ABSOLUTE_TIMEOUT


def _signed_out(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_sign_in_issues_a_new_session_id(webwork):
    client = Client(HTTP_HOST=HOST)
    callback = authorize(start_login(client), MANAGER)
    before = client.cookies["sessionid"].value  # holds the pending OAuth state
    assert Session.objects.filter(session_key=before).exists()
    assert finish_login(client, callback).status_code == 302
    after = client.cookies["sessionid"].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert client.get(f"/w/{WS_A}/").status_code == 200


def test_sign_out_ends_the_server_session(webwork, signed_in):
    client = signed_in(MANAGER)
    key = client.cookies["sessionid"].value
    assert client.get(f"/w/{WS_A}/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    # The old cookie, replayed by someone who copied it, opens nothing.
    replay = Client(HTTP_HOST=HOST)
    replay.cookies["sessionid"] = key
    assert _signed_out(replay.get(f"/w/{WS_A}/"))
    assert _signed_out(replay.get("/workspaces/"))


REDIS_SESSIONS = "dashboard.webwork_oauth.sessions"  # base settings' engine with REDIS_URL


@pytest.mark.redis
def test_a_session_signed_out_while_redis_failed_is_not_revived_when_it_returns(
    webwork, signed_in, settings, redis_server
):
    """Sign-out deletes the session from the database, then from Redis. When that second
    delete cannot reach Redis (its breaker is open after a blip), the copy left there must not
    open anything once Redis answers again."""
    from dashboard.platform import cache_backend

    settings.CACHES = cache_settings(f"{redis_server.url}/0")
    settings.SESSION_ENGINE = REDIS_SESSIONS
    client = signed_in(MANAGER)
    key = client.cookies["sessionid"].value
    assert client.get(f"/w/{WS_A}/").status_code == 200  # the session is in Redis now
    location = f"{redis_server.url}/0"
    cache_backend._down_until[location] = time.monotonic() + 60  # a blip: Redis is skipped
    try:
        assert client.post("/accounts/logout/").status_code == 302
    finally:
        cache_backend._down_until.pop(location, None)  # Redis answers again
    assert not Session.objects.filter(session_key=key).exists()
    assert redis_server.client().keys("*cached_db*")  # the copy Redis still holds
    replay = Client(HTTP_HOST=HOST)
    replay.cookies["sessionid"] = key
    assert _signed_out(replay.get(f"/w/{WS_A}/"))
    assert _signed_out(replay.get(f"/w/{WS_A}/policies/"))
    assert not redis_server.client().keys("*cached_db*")  # forgotten once refused


def test_sign_out_needs_post_and_a_csrf_token(webwork, signed_in):
    client = signed_in(MANAGER, enforce_csrf_checks=True)
    assert client.get("/accounts/logout/").status_code == 200  # a confirmation page only
    assert client.post("/accounts/logout/").status_code == 403
    assert client.get(f"/w/{WS_A}/").status_code == 200  # still signed in
    token = client.cookies["csrftoken"].value
    assert client.post("/accounts/logout/", {"csrfmiddlewaretoken": token}).status_code == 302
    assert _signed_out(client.get(f"/w/{WS_A}/"))


def test_idle_timeout_signs_out_after_thirty_minutes_without_a_request(webwork, signed_in):
    assert IDLE == 30 * 60
    start = dt.datetime.now(dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = signed_in(MANAGER)
        clock.shift(IDLE - 60)
        assert client.get("/workspaces/").status_code == 200  # 29 minutes: still in
        clock.shift(IDLE - 60)
        assert client.get("/workspaces/").status_code == 200  # activity reset the clock
        clock.shift(IDLE + 60)
        response = client.get("/workspaces/")
    assert _signed_out(response)
    assert "_auth_user_id" not in client.session
    assert b"Your session expired" in client.get(response["Location"]).content


def test_absolute_timeout_signs_out_after_twelve_hours_even_when_active(webwork, signed_in):
    assert ABSOLUTE == 12 * 3600
    start = dt.datetime.now(dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = signed_in(MANAGER)
        elapsed = 0
        while elapsed + 20 * 60 <= ABSOLUTE:
            clock.shift(20 * 60)
            elapsed += 20 * 60
            assert client.get("/workspaces/").status_code == 200, elapsed
        clock.shift(ABSOLUTE - elapsed + 60)  # 12 h 1 min after signing in
        response = client.get("/workspaces/")
    assert _signed_out(response)


def test_htmx_requests_after_a_timeout_get_a_client_redirect(webwork, signed_in):
    start = dt.datetime.now(dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = signed_in(MANAGER)
        clock.shift(IDLE + 60)
        response = client.get(f"/w/{WS_A}/leaves/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/accounts/login/")


def test_session_and_csrf_cookies_are_secure_host_only_and_lax(webwork, settings):
    with production_like(settings) as prod:
        assert prod["SESSION_COOKIE_NAME"] == "__Host-sessionid"
        client = Client(HTTP_HOST="leave.example.com")
        page = client.get("/accounts/login/", secure=True)
        token = page.cookies[prod["CSRF_COOKIE_NAME"]].value
        start = client.post("/accounts/webwork/login/", {"csrfmiddlewaretoken": token}, secure=True)
        assert start.status_code == 302
        cookies = {**page.cookies, **start.cookies}
    assert set(cookies) == {"__Host-csrftoken", "__Host-sessionid"}
    for name, morsel in cookies.items():
        assert morsel["secure"] is True, name
        assert morsel["samesite"] == "Lax", name
        assert morsel["path"] == "/", name
        assert morsel["domain"] == "", name
    assert cookies["__Host-sessionid"]["httponly"] is True
    for name, morsel in cookies.items():  # neither outlives the longest session (12 h)
        assert 0 < int(morsel["max-age"]) <= ABSOLUTE, name


def test_csrf_token_rotates_at_sign_in(webwork):
    client = Client(HTTP_HOST=HOST)
    before = csrf_token(client)
    finish_login(client, authorize(start_login(client), MANAGER))
    assert client.cookies["csrftoken"].value != before


# --------------------------------------------------------------------------- back where you were
def _sign_in_again(client, next_url: str):
    """The sign-in page's form, posting its `next`, then WebWork and the callback."""
    token = csrf_token(client)
    start = client.post(
        "/accounts/webwork/login/", {"csrfmiddlewaretoken": token, "next": next_url}
    )
    return finish_login(client, authorize(start["Location"], MANAGER))


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_after_signing_in_again_an_action_returns_to_the_page_it_came_from(
    webwork, signed_in, htmx
):
    client = signed_in(MANAGER)
    assert client.get(f"/w/{WS_A}/calendar/").status_code == 200
    leave = webwork.state.leaves_for(WS_A, status="pending")[0]
    webwork.state.expire_access_tokens()
    webwork.state.revoke_refresh_tokens()  # WebWork wants a new sign-in
    page = f"http://{HOST}/w/{WS_A}/calendar/?month=2031-01"
    headers = {"HX-Request": "true", "HX-Current-URL": page} if htmx else {"Referer": page}
    response = client.post(f"/w/{WS_A}/leaves/{leave['id']}/approve/", headers=headers)
    location = response["HX-Redirect"] if htmx else response["Location"]
    assert location.startswith("/accounts/login/?next=")
    next_url = parse_qs(urlsplit(location).query)["next"][0]
    assert next_url == f"/w/{WS_A}/calendar/?month=2031-01"  # not the POST-only action
    done = _sign_in_again(Client(HTTP_HOST=HOST), next_url)
    assert done["Location"] == next_url
    assert webwork.state.leave(leave["id"])["status"] == "pending"


def test_an_action_from_a_foreign_page_returns_to_its_workspace(webwork, signed_in):
    client = signed_in(MANAGER)
    leave = webwork.state.leaves_for(WS_A, status="pending")[0]
    webwork.state.expire_access_tokens()
    webwork.state.revoke_refresh_tokens()
    response = client.post(
        f"/w/{WS_A}/leaves/{leave['id']}/approve/", headers={"Referer": "https://evil.test/x"}
    )
    assert response["Location"] == f"/accounts/login/?next=/w/{WS_A}/"


def test_a_session_that_timed_out_on_an_action_returns_to_its_page(webwork, signed_in):
    start = dt.datetime.now(dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = signed_in(MANAGER)
        assert client.get(f"/w/{WS_A}/balances/").status_code == 200
        clock.shift(IDLE + 60)
        response = client.post(
            f"/w/{WS_A}/balances/refresh/", headers={"Referer": f"http://{HOST}/w/{WS_A}/balances/"}
        )
    assert response["Location"] == f"/accounts/login/?next=/w/{WS_A}/balances/"
