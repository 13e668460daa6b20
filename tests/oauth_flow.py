"""Drive "Sign in with WebWork" with Django's test client and the sandbox over real HTTP."""

import datetime as dt
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


def sign_in_directly(client: Client, sandbox, persona: str):
    """Sign `persona` in without the OAuth round trip; returns the Django user.

    Everything after the OAuth callback happens as in a real sign-in: a token pair minted by
    the sandbox, the identity read from WebWork with it, the allauth social account, a session
    from `force_login`, and allauth's `user_logged_in` signal, whose receivers store the tokens
    encrypted, start the session clocks and remember the person's workspaces. The OAuth flow
    itself is covered by the tests that call `sign_in`.
    """
    from types import SimpleNamespace

    from allauth.account.signals import user_logged_in
    from allauth.socialaccount.models import SocialAccount
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory
    from django.utils import timezone

    from dashboard.webwork_oauth.identity import identity_from_token

    account = sandbox.state.user_by_email(persona)
    assert account is not None, f"no sandbox persona {persona}"
    csrf_token(client)  # as the sign-in page would: the client holds a CSRF cookie
    tokens = sandbox.state.issue_tokens(account.id)
    identity = identity_from_token(tokens["access_token"])
    assert identity.workspaces, f"{persona} manages no workspace: use sign_in to test refusal"
    user, _ = get_user_model().objects.get_or_create(
        username=f"webwork-{account.id}",
        defaults={
            "email": identity.email,
            "first_name": identity.first_name,
            "last_name": identity.last_name,
        },
    )
    SocialAccount.objects.get_or_create(
        user=user,
        provider="webwork",
        uid=str(account.id),
        defaults={"extra_data": identity.as_login_data()},
    )
    client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    request = RequestFactory().get("/")
    request.session, request.user = client.session, user
    token = SimpleNamespace(
        token=tokens["access_token"],
        token_secret=tokens["refresh_token"],
        expires_at=timezone.now() + dt.timedelta(seconds=tokens["expires_in"]),
    )
    sociallogin = SimpleNamespace(webwork_identity=identity, token=token)
    user_logged_in.send(sender=type(user), request=request, user=user, sociallogin=sociallogin)
    request.session.save()
    return user
