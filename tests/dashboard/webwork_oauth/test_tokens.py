"""Token custody against the sandbox: refresh before expiry, exactly once, and re-sign-in."""

import threading
import time

import pytest
from django.contrib.auth import get_user_model

from dashboard.webwork_oauth.crypto import decrypt
from dashboard.webwork_oauth.models import WebWorkToken
from dashboard.webwork_oauth.tokens import (
    ReauthRequired,
    access_token_for,
    client_for,
    token_refresh,
    tokens_reencrypt,
)
from tests.oauth_flow import sign_in


@pytest.fixture
def short_lived(webwork, browser_client):
    """Mateo signed in with access tokens that live 2 seconds."""
    webwork.state.config.update(token_ttl=2)
    sign_in(browser_client, webwork, "manager@sandbox.test")
    return get_user_model().objects.get(email="manager@sandbox.test")


@pytest.mark.django_db
def test_token_about_to_expire_is_refreshed_before_use(webwork, short_lived):
    before = WebWorkToken.objects.get(user=short_lived)
    time.sleep(1.9)
    token = access_token_for(user_id=short_lived.pk)
    after = WebWorkToken.objects.get(user=short_lived)
    assert token != decrypt(before.access_token_encrypted)
    assert after.refresh_token_encrypted != before.refresh_token_encrypted  # rotated, stored
    assert webwork.state.calls.count(path="^/oauth/token$") == 2  # sign-in + one refresh
    workspaces = client_for(user_id=short_lived.pk).list_workspaces()
    assert {w.id for w in workspaces} == {1}


@pytest.mark.django_db(transaction=True)
def test_twenty_threads_at_expiry_refresh_exactly_once_and_all_succeed(webwork, short_lived):
    webwork.state.config.update(token_ttl=3600)
    webwork.state.expire_access_tokens()  # WebWork now answers 401 to the stored token
    webwork.state.calls.clear()
    results, errors = [], []

    def call():
        try:
            results.append(client_for(user_id=short_lived.pk).list_workspaces())
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            from django.db import connection

            connection.close()

    threads = [threading.Thread(target=call) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(results) == 20
    assert webwork.state.calls.count(path="^/oauth/token$") == 1


@pytest.mark.django_db
def test_refused_refresh_signs_the_person_out_with_a_message(webwork, short_lived, browser_client):
    webwork.state.revoke_refresh_tokens()
    time.sleep(1.9)
    with pytest.raises(ReauthRequired):
        token_refresh(user_id=short_lived.pk)
    assert WebWorkToken.objects.get(user=short_lived).revoked_at is not None
    response = browser_client.get("/w/1/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    follow = browser_client.get(response["Location"])
    assert b"Sign in with WebWork again" in follow.content
    # An HTMX request gets a client redirect, not a login page swapped into a row.
    sign_in(browser_client, webwork, "manager@sandbox.test")
    webwork.state.revoke_refresh_tokens()
    webwork.state.expire_access_tokens()
    htmx = browser_client.get("/w/1/leaves/", headers={"HX-Request": "true"})
    assert htmx.status_code == 200
    assert htmx["HX-Redirect"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_key_rotation_reencrypts_and_old_rows_still_decrypt(webwork, short_lived, settings):
    row = WebWorkToken.objects.get(user=short_lived)
    plaintext = decrypt(row.access_token_encrypted)
    old_key = settings.TOKEN_ENCRYPTION_KEY.split(",")[0]
    new_key = "Jd3H8Yl3m0cXWm0nV5wq2t0bQ8sJm5e0m3r2yZb4kUo="
    settings.TOKEN_ENCRYPTION_KEY = f"{new_key},{old_key}"
    assert decrypt(row.access_token_encrypted) == plaintext  # old rows still readable
    assert tokens_reencrypt() == (1, 0)
    settings.TOKEN_ENCRYPTION_KEY = new_key
    row.refresh_from_db()
    assert decrypt(row.access_token_encrypted) == plaintext
