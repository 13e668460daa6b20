"""A page's language: a saved pick, else the cookie's, else Accept-Language, else English."""

import pytest
from django.conf import settings
from django.test import Client

from dashboard.models import UserPreference
from tests.oauth_flow import sign_in_directly

pytestmark = pytest.mark.django_db

SIGN_IN = "/accounts/login/"


def _language_of(client, **headers) -> str:
    response = client.get(SIGN_IN, headers=headers)
    assert response.status_code == 200
    assert f'<html lang="{response["Content-Language"]}"' in response.content.decode()
    return response["Content-Language"]


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("de-DE,de;q=0.9,en;q=0.8", "de"),
        ("fr-CA", "fr"),
        ("es-419,es;q=0.9", "es"),
        ("pt-BR,ja;q=0.5", "en"),  # nothing offered: English
        ("", "en"),
        ("de;q=abc,,,;;;=*;q=-1,\x7f\x01", "en"),  # garbage
        ("de," + "x" * 10_000, "en"),  # 10 KB: not read at all
        ("en-US,de;q=0.9", "en"),
    ],
)
def test_the_browser_language_is_followed_and_bad_headers_give_english(
    client, accept_language, expected
):
    assert _language_of(client, accept_language=accept_language) == expected


def test_a_picked_language_wins_over_the_browser_and_keeps_the_page(client):
    response = client.post("/language/", {"language": "fr", "next": f"{SIGN_IN}?next=/w/1/"})
    assert response.status_code == 302
    assert response.url == f"{SIGN_IN}?next=/w/1/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "fr"
    assert cookie["httponly"]
    assert _language_of(client, accept_language="de") == "fr"


@pytest.mark.parametrize("language", ["xx", "de-DE-x-" + "a" * 50, "<script>"])
def test_a_language_not_offered_changes_nothing(client, language):
    response = client.post("/language/", {"language": language, "next": SIGN_IN})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert _language_of(client, accept_language="es") == "es"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", ""])
def test_the_picker_only_returns_to_this_site(client, next_url):
    response = client.post("/language/", {"language": "de", "next": next_url})
    assert response.url == "/"


def test_choosing_a_language_needs_a_csrf_token():
    response = Client(enforce_csrf_checks=True).post("/language/", {"language": "de"})
    assert response.status_code == 403


def test_a_signed_in_persons_pick_follows_them_to_another_browser(manager_client, webwork):
    manager_client.post("/language/", {"language": "es", "next": "/w/1/"})
    assert UserPreference.objects.get(user__username="webwork-1002").language == "es"
    other = Client(HTTP_HOST="127.0.0.1:8000")  # another browser: no cookie, a new session
    sign_in_directly(other, webwork, "manager@sandbox.test")
    policies = other.get("/w/1/policies/", headers={"accept-language": "de"})
    assert policies["Content-Language"] == "es"

    # Back to the browser's language.
    response = other.post("/language/", {"language": "", "next": "/w/1/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME]["max-age"] == 0
    assert UserPreference.objects.get(user__username="webwork-1002").language == ""
    assert (
        other.get("/w/1/policies/", headers={"accept-language": "de"})["Content-Language"] == "de"
    )
