"""S-01..S-07: sign-in with WebWork cannot be steered, forged, replayed or redirected away."""

import base64
import datetime as dt
import hashlib
import secrets
import time
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
import time_machine
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test import Client

from dashboard.webwork_oauth.models import WebWorkToken
from tests.oauth_flow import LOGIN_URL, authorize, csrf_token, finish_login, start_login

from .support import HOST, MANAGER, production_like, production_settings

pytestmark = pytest.mark.django_db

CALLBACK_PATH = "/accounts/webwork/login/callback/"


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def _replace_query(url: str, **changes: str | None) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return urlunsplit(parts._replace(query=urlencode(query)))


def _token_calls(webwork) -> int:
    return webwork.state.calls.count(path="^/oauth/token$")


def _assert_refused(response, webwork, client: Client) -> None:
    """The callback ended on the sign-in-failed page, with nothing signed in or stored."""
    assert response.status_code < 500
    assert b"Sign-in failed" in response.content
    assert _token_calls(webwork) == 0
    assert not WebWorkToken.objects.exists()
    assert "_auth_user_id" not in client.session


# --------------------------------------------------------------------------- S-01 state
def test_callback_without_state_is_refused_before_the_token_endpoint(webwork, browser_client):
    callback = authorize(start_login(browser_client), MANAGER)
    webwork.state.calls.clear()
    response = finish_login(browser_client, _replace_query(callback, state=None))
    _assert_refused(response, webwork, browser_client)


def test_callback_with_a_wrong_state_is_refused(webwork, browser_client):
    callback = authorize(start_login(browser_client), MANAGER)
    webwork.state.calls.clear()
    wrong = secrets.token_urlsafe(12)
    response = finish_login(browser_client, _replace_query(callback, state=wrong))
    _assert_refused(response, webwork, browser_client)


def test_replayed_state_is_refused_the_second_time(webwork, browser_client):
    callback = authorize(start_login(browser_client), MANAGER)
    assert finish_login(browser_client, callback).status_code == 302  # the genuine use
    user = get_user_model().objects.get()
    webwork.state.calls.clear()
    # An attacker replays the same callback URL in a fresh browser and in the victim's.
    for client in (Client(HTTP_HOST=HOST), browser_client):
        response = finish_login(client, callback)
        assert response.status_code < 500
        assert b"Sign-in failed" in response.content
    assert _token_calls(webwork) == 0
    assert get_user_model().objects.get() == user  # no second account either


def test_state_from_another_browser_session_is_refused(webwork, browser_client):
    victim_callback = authorize(start_login(browser_client), MANAGER)
    attacker = Client(HTTP_HOST=HOST)
    start_login(attacker)  # the attacker has a pending state of their own
    webwork.state.calls.clear()
    response = finish_login(attacker, victim_callback)
    _assert_refused(response, webwork, attacker)


def test_state_older_than_ten_minutes_is_refused(webwork, browser_client):
    callback = authorize(start_login(browser_client), MANAGER)
    webwork.state.calls.clear()
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=601)
    with time_machine.travel(later, tick=True):
        response = finish_login(browser_client, callback)
    _assert_refused(response, webwork, browser_client)


def test_state_is_long_and_random():
    states = set()
    client = Client(HTTP_HOST=HOST)
    for _ in range(5):
        states.add(_query(start_login(client))["state"][0])
    assert len(states) == 5
    assert all(len(state) >= 16 for state in states)


# --------------------------------------------------------------------------- S-02 PKCE
def test_pkce_s256_is_sent_and_the_verifier_matches_the_challenge(
    webwork, browser_client, monkeypatch
):
    sent_forms = []
    original = requests.Session.request

    def spy(self, method, url, **kwargs):
        if url.endswith("/oauth/token"):
            sent_forms.append(dict(kwargs.get("data") or {}))
        return original(self, method, url, **kwargs)

    monkeypatch.setattr(requests.Session, "request", spy)
    location = start_login(browser_client)
    params = _query(location)
    assert params["code_challenge_method"] == ["S256"]
    challenge = params["code_challenge"][0]
    assert len(challenge) == 43
    assert finish_login(browser_client, authorize(location, MANAGER)).status_code == 302
    (form,) = sent_forms
    digest = hashlib.sha256(form["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).decode().rstrip("=") == challenge


def test_a_code_issued_for_another_challenge_is_refused(webwork, browser_client):
    """The verifier kept in our session must match: a swapped challenge fails the exchange."""
    location = start_login(browser_client)
    forged = _replace_query(
        location, code_challenge=base64.urlsafe_b64encode(b"x" * 32).decode()[:43]
    )
    response = finish_login(browser_client, authorize(forged, MANAGER))
    assert b"Sign-in failed" in response.content
    assert webwork.state.calls.count(path="^/oauth/token$", status=400) == 1
    assert not WebWorkToken.objects.exists()
    assert "_auth_user_id" not in browser_client.session


def test_pkce_and_login_csrf_settings_hold_in_every_environment():
    assert django_settings.WEBWORK_PKCE is True
    assert django_settings.SOCIALACCOUNT_PROVIDERS["webwork"]["OAUTH_PKCE_ENABLED"] is True
    assert django_settings.SOCIALACCOUNT_LOGIN_ON_GET is False
    assert production_settings()["DEBUG"] is False


# --------------------------------------------------------------------------- S-03 redirect_uri
def test_redirect_uri_is_the_registered_https_callback_behind_the_proxy(webwork, settings):
    with production_like(settings) as prod:
        assert prod["ACCOUNT_DEFAULT_HTTP_PROTOCOL"] == "https"
        expected = "https://leave.example.com" + CALLBACK_PATH
        variants = [
            {"HTTP_X_FORWARDED_PROTO": "https"},
            {},  # the proxy forgot the header: still https
            {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_HOST": "evil.test"},
        ]
        for headers in variants:
            client = Client(HTTP_HOST="leave.example.com")
            response = client.post(LOGIN_URL, secure=True, **headers)
            assert response.status_code == 302, headers
            assert _query(response["Location"])["redirect_uri"] == [expected], headers
        # Plain http through the proxy is sent to https first; nothing goes to WebWork.
        response = Client(HTTP_HOST="leave.example.com").post(
            LOGIN_URL, HTTP_X_FORWARDED_PROTO="http"
        )
        assert response.status_code == 301
        assert response["Location"] == "https://leave.example.com" + LOGIN_URL


def test_a_host_that_is_not_allowed_gets_400_and_no_authorize_redirect(webwork, settings):
    with production_like(settings):
        response = Client(HTTP_HOST="evil.test").post(LOGIN_URL, secure=True)
    assert response.status_code == 400
    assert "Location" not in response


# --------------------------------------------------------------------------- S-04 parameters
ATTACKS = {
    "scope": "admin",
    "auth_params": urlencode(
        {
            "redirect_uri": "https://evil.test/cb",
            "response_type": "token",
            "state": "attacker",
            "client_id": "other",
            "code_challenge": "A" * 43,
            "prompt": "none",
            "login_hint": "owner@sandbox.test",
        }
    ),
    "redirect_uri": "https://evil.test/cb",
    "response_type": "token",
    "client_id": "other",
    "process": "connect",
}


@pytest.mark.parametrize("where", ["query", "form"])
def test_nothing_on_the_login_request_changes_what_reaches_webwork(webwork, where):
    clean = _query(start_login(Client(HTTP_HOST=HOST)))
    client = Client(HTTP_HOST=HOST)
    if where == "query":
        location = start_login(client, "?" + urlencode(ATTACKS))
    else:
        response = client.post(LOGIN_URL, {"csrfmiddlewaretoken": csrf_token(client), **ATTACKS})
        assert response.status_code == 302
        location = response["Location"]
    attacked = _query(location)
    assert location.startswith(webwork.oauth_url + "/authorize?")
    random_parts = {"state", "code_challenge"}
    assert set(attacked) == set(clean)
    for key in set(clean) - random_parts:
        values = attacked[key] if key != "scope" else [" ".join(sorted(attacked[key][0].split()))]
        expected = clean[key] if key != "scope" else [" ".join(sorted(clean[key][0].split()))]
        assert values == expected, key
    assert attacked["scope"] == ["read write"] or sorted(attacked["scope"][0].split()) == [
        "read",
        "write",
    ]
    assert attacked["state"] != ["attacker"]
    assert attacked["code_challenge"] != ["A" * 43]


# --------------------------------------------------------------------------- S-05 login CSRF
def test_login_start_needs_post_with_a_csrf_token(webwork):
    client = Client(HTTP_HOST=HOST, enforce_csrf_checks=True)
    page = client.get(LOGIN_URL)
    assert page.status_code == 200  # a confirmation page, not a redirect to WebWork
    assert "Location" not in page
    assert client.post(LOGIN_URL).status_code == 403
    assert webwork.state.calls.count() == 0
    assert client.post(LOGIN_URL, {"csrfmiddlewaretoken": csrf_token(client)}).status_code == 302


# --------------------------------------------------------------------------- S-06 identity
def test_accounts_follow_the_webwork_user_id_not_the_email(webwork, signed_in):
    signed_in(MANAGER, full_flow=True)
    first = get_user_model().objects.get()
    assert first.socialaccount_set.get().uid == "1002"

    # The same WebWork person with a new email and name is still the same account.
    with webwork.state.lock:
        webwork.state.users[1002].email = "mateo.garcia@sandbox.test"
    client = signed_in("mateo.garcia@sandbox.test", full_flow=True)
    assert int(client.session["_auth_user_id"]) == first.pk
    assert get_user_model().objects.count() == 1

    # Someone else (another WebWork id) now uses the old email: never merged into Mateo.
    other = next(
        m
        for m in webwork.state.members_for(1)
        if m["current_role"] == "Regular User" and m["status"] == "active"
    )
    with webwork.state.lock:
        webwork.state.users[other["id"]].email = MANAGER
    webwork.state.set_role(1, other["id"], "Executive manager")
    client = Client(HTTP_HOST=HOST)
    finish_login(client, authorize(start_login(client), MANAGER))
    signed_in_as = client.session.get("_auth_user_id")
    assert signed_in_as is None or int(signed_in_as) != first.pk
    assert not SocialAccount.objects.filter(user=first, uid=str(other["id"])).exists()


# --------------------------------------------------------------------------- S-07 open redirect
HOSTILE_NEXT = [
    "https://evil.test/",
    "//evil.test",
    "///evil.test",
    "/\\evil.test",
    "\\\\evil.test",
    "https:evil.test",
    "javascript:alert(1)",
    "http://127.0.0.1:8000@evil.test/",
    "/%2F%2Fevil.test",
    " //evil.test",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_next_after_sign_in_never_leaves_the_site(webwork, target):
    client = Client(HTTP_HOST=HOST)
    response = client.post(LOGIN_URL, {"csrfmiddlewaretoken": csrf_token(client), "next": target})
    assert response.status_code == 302
    done = finish_login(client, authorize(response["Location"], MANAGER))
    assert done.status_code == 302
    location = done["Location"]
    parts = urlsplit(location)
    assert parts.scheme == "", location
    assert parts.netloc == "", location
    assert location.startswith("/"), location
    assert not location.startswith(("//", "/\\")), location


def test_no_tokens_in_allauths_plain_text_table(webwork, canary_tokens, signed_in):
    signed_in(MANAGER, full_flow=True)
    assert SocialToken.objects.count() == 0
    assert WebWorkToken.objects.count() == 1


@pytest.mark.django_db
def test_signing_in_against_a_hanging_webwork_takes_the_request_budget_not_three_timeouts(
    webwork, browser_client, settings
):
    """Sign-in's identity calls share the callback's deadline, like a page's calls do."""
    settings.WEBWORK_REQUEST_BUDGET = 2.0
    settings.WEBWORK_READ_TIMEOUT = 4.0  # above the budget: only the budget explains a quick end
    callback = authorize(start_login(browser_client), MANAGER)
    webwork.state.add_fault(path="^/api/v2/workspaces$", latency_ms=8000)
    started = time.monotonic()
    response = finish_login(browser_client, callback)
    seconds = time.monotonic() - started
    webwork.state.wake_sleepers()
    assert response.status_code == 401  # allauth's sign-in failed page
    assert "_auth_user_id" not in browser_client.session  # not signed in, and told so
    assert not WebWorkToken.objects.exists()
    assert seconds < 2.0 + 1.5  # the budget and some rendering; before: 3 x 4 s of read timeouts
    deadline = time.monotonic() + 3  # a woken slow call is logged when its thread ends
    while time.monotonic() < deadline and not webwork.state.calls.count(path="workspaces$"):
        time.sleep(0.02)
    assert webwork.state.calls.count(path="^/api/v2/workspaces$") == 1  # tried once, no retry
