"""Sign in with WebWork against the sandbox: each persona, tampering, state, PKCE."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model

from dashboard.webwork_oauth.models import WebWorkToken
from tests.oauth_flow import authorize, finish_login, sign_in, start_login

pytestmark = pytest.mark.django_db


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_manager_signs_in_and_lands_on_their_workspace(webwork, browser_client):
    response = sign_in(browser_client, webwork, "manager@sandbox.test")
    assert response.status_code == 302
    home = browser_client.get(response["Location"])
    assert home.status_code == 302
    assert home["Location"] == "/w/1/"
    user = get_user_model().objects.get()
    assert user.email == "manager@sandbox.test"
    assert user.get_full_name() == "Mateo García"
    assert user.socialaccount_set.get().uid == "1002"
    assert not user.has_usable_password()


def test_token_is_stored_encrypted(webwork, browser_client):
    webwork.state.token_prefix = "AT-CANARY-"
    webwork.state.refresh_prefix = "RT-CANARY-"
    sign_in(browser_client, webwork, "manager@sandbox.test")
    row = WebWorkToken.objects.get()
    assert row.webwork_user_id == 1002
    assert "CANARY" not in row.access_token_encrypted
    assert "CANARY" not in row.refresh_token_encrypted
    assert row.expires_at is not None


def test_regular_user_is_refused_with_an_explanation_and_no_session(webwork, browser_client):
    response = sign_in(browser_client, webwork, "member@sandbox.test")
    assert response.status_code == 403
    assert b"You don't manage a WebWork workspace" in response.content
    assert b"Regular User" in response.content
    assert not get_user_model().objects.exists()
    assert browser_client.get("/").status_code == 302  # still anonymous: sent to sign in


def test_owner_of_two_workspaces_opens_the_inbox_of_both(webwork, browser_client):
    sign_in(browser_client, webwork, "owner@sandbox.test")
    assert browser_client.get("/")["Location"] == "/inbox/"
    browser_client.get("/w/2/")
    assert browser_client.get("/")["Location"] == "/inbox/"
    assert browser_client.get("/workspaces/?go=/inbox/")["Location"] == "/inbox/"
    picker = browser_client.get("/workspaces/")
    assert b"Northwind Studio" in picker.content
    assert b"Blue Harbor Labs" in picker.content
    assert browser_client.get("/workspaces/?workspace=2")["Location"] == "/w/2/"
    assert browser_client.get("/workspaces/?go=/w/1/")["Location"] == "/w/1/"
    assert browser_client.get("/workspaces/?workspace=3").status_code == 200
    assert browser_client.get("/workspaces/?go=https://evil.test/").status_code == 200


def test_login_url_parameters_cannot_steer_the_authorize_request(webwork, browser_client):
    location = start_login(
        browser_client,
        "?scope=admin&auth_params=redirect_uri%3Dhttps%253A%252F%252Fevil.test%252Fcb"
        "%26response_type%3Dtoken%26state%3Dx&process=connect",
    )
    params = _query(location)
    assert location.startswith(webwork.oauth_url + "/authorize?")
    assert sorted(params["scope"][0].split()) == ["read", "write"]
    assert params["redirect_uri"] == ["http://127.0.0.1:8000/accounts/webwork/login/callback/"]
    assert params["response_type"] == ["code"]
    assert params["state"] != ["x"]
    assert params["code_challenge_method"] == ["S256"]
    assert len(params["code_challenge"][0]) == 43


def test_pkce_can_be_switched_off(webwork, browser_client, settings):
    settings.WEBWORK_PKCE = False
    params = _query(start_login(browser_client))
    assert "code_challenge" not in params
    response = finish_login(
        browser_client, authorize(start_login(browser_client), "manager@sandbox.test")
    )
    assert response.status_code == 302


def test_forged_state_is_refused_without_calling_the_token_endpoint(webwork, browser_client):
    callback = authorize(start_login(browser_client), "manager@sandbox.test")
    webwork.state.calls.clear()
    forged = callback.replace("state=", "state=forged")
    response = finish_login(browser_client, forged)
    assert b"Sign-in failed" in response.content
    assert webwork.state.calls.count(path="/oauth/token") == 0
    assert not get_user_model().objects.exists()


def test_webwork_failure_during_login_shows_a_friendly_page(webwork, browser_client):
    webwork.state.add_fault(path="^/api/v2/workspaces$", status=503, times=10)
    response = sign_in(browser_client, webwork, "manager@sandbox.test")
    assert response.status_code < 500
    assert b"Sign-in failed" in response.content
    assert not get_user_model().objects.exists()
