"""Drive "Sign in with WebWork" with Django's test client and the sandbox over real HTTP."""

from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import requests
from django.test import Client

LOGIN_URL = "/accounts/webwork/login/"


def csrf_token(client: Client) -> str:
    """Visit the sign-in page and return the CSRF token it set."""
    client.get("/accounts/login/")
    return client.cookies["csrftoken"].value


def start_login(client: Client, query: str = "") -> requests.PreparedRequest | str:
    """POST the sign-in form (with CSRF); return the authorize URL it redirects to."""
    response = client.post(LOGIN_URL + query, {"csrfmiddlewaretoken": csrf_token(client)})
    assert response.status_code == 302, response.status_code
    return response["Location"]


def with_params(url: str, **params: str) -> str:
    """Add query parameters to a URL."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    query.update({key: [value] for key, value in params.items()})
    return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))


def authorize(authorize_url: str, persona: str) -> str:
    """Let the sandbox authorize `persona` (login_hint skips its picker); return the callback."""
    response = requests.get(
        with_params(authorize_url, login_hint=persona), allow_redirects=False, timeout=5
    )
    assert response.status_code in (302, 303), response.text[:300]
    return response.headers["Location"]


def finish_login(client: Client, callback_url: str):
    """Follow the callback into the dashboard."""
    parts = urlsplit(callback_url)
    return client.get(f"{parts.path}?{parts.query}")


def sign_in(client: Client, sandbox, persona: str):
    """The whole flow; returns the dashboard's response to the callback."""
    return finish_login(client, authorize(start_login(client), persona))
