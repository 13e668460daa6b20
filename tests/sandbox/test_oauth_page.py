import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from markupsafe import escape

from sandbox import xss

REDIRECT = "http://localhost:8000/accounts/webwork/login/callback/"


class _Form(HTMLParser):
    def __init__(self):
        super().__init__()
        self.radios, self.buttons, self.labels, self.legend = [], [], 0, False
        self.action = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action = attrs.get("action")
        if tag == "input" and attrs.get("type") == "radio":
            self.radios.append(attrs)
        if tag == "button":
            self.buttons.append(attrs)
        if tag == "label":
            self.labels += 1
        if tag == "legend":
            self.legend = True


def _params(**extra):
    params = {
        "client_id": "sandbox-client",
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "read write",
        "state": "abc",
    }
    params.update(extra)
    return params


def _page(sandbox, **extra):
    return requests.get(f"{sandbox.oauth_url}/authorize", params=_params(**extra), timeout=5)


def _submit(sandbox, data, **extra):
    return requests.post(
        f"{sandbox.oauth_url}/authorize",
        params=_params(**extra),
        data=data,
        allow_redirects=False,
        timeout=5,
    )


def test_consent_page_lists_personas_and_scopes(sandbox):
    response = _page(sandbox)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    html = response.text
    form = _Form()
    form.feed(html)
    assert [r["value"] for r in form.radios] == ["1001", "1002", "1003", "1004"]
    assert form.labels == 4
    assert form.legend
    assert [b["value"] for b in form.buttons] == ["authorize", "deny"]
    assert 'lang="en"' in html
    for text in ("owner@sandbox.test", "Mateo García", "Owner of Northwind Studio", "write"):
        assert text in html
    assert "state=abc" in form.action.replace("&amp;", "&")


def test_authorize_button_redirects_with_code_for_the_chosen_persona(sandbox):
    response = _submit(sandbox, {"persona": "1002", "decision": "authorize"})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == ["abc"]
    token = requests.post(
        f"{sandbox.oauth_url}/token",
        data={
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": REDIRECT,
            "client_id": "sandbox-client",
            "client_secret": "sandbox-secret",
        },
        timeout=5,
    ).json()
    assert sandbox.state.access_tokens[token["access_token"]].user_id == 1002


def test_deny_button_redirects_with_access_denied(sandbox):
    response = _submit(sandbox, {"persona": "1001", "decision": "deny"})
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query == {"error": ["access_denied"], "state": ["abc"]}


def test_submitting_without_a_persona_shows_the_page_again(sandbox):
    response = _submit(sandbox, {"decision": "authorize"})
    assert response.status_code == 400
    assert 'role="alert"' in response.text
    assert "Location" not in response.headers


def test_unknown_login_hint_shows_the_page(sandbox):
    response = _page(sandbox, login_hint="stranger@example.test")
    assert response.status_code == 200
    assert 'name="persona"' in response.text


def test_login_hint_accepts_any_member_email(sandbox):
    email = sandbox.state.users[3001].email
    response = requests.get(
        f"{sandbox.oauth_url}/authorize",
        params=_params(login_hint=email.upper()),
        allow_redirects=False,
        timeout=5,
    )
    assert response.status_code == 302
    assert "code=" in response.headers["Location"]


def test_state_is_left_out_when_not_sent(sandbox):
    params = _params(login_hint="owner@sandbox.test")
    del params["state"]
    response = requests.get(
        f"{sandbox.oauth_url}/authorize", params=params, allow_redirects=False, timeout=5
    )
    assert "state" not in parse_qs(urlsplit(response.headers["Location"]).query)


@pytest.mark.parametrize(
    "extra",
    [
        {"code_challenge": "short", "code_challenge_method": "S256"},
        {"code_challenge_method": "S256"},
        {"code_challenge": "a" * 43},
    ],
)
def test_incomplete_pkce_is_invalid_request(sandbox, extra):
    response = requests.get(
        f"{sandbox.oauth_url}/authorize",
        params=_params(login_hint="owner@sandbox.test", **extra),
        allow_redirects=False,
        timeout=5,
    )
    assert parse_qs(urlsplit(response.headers["Location"]).query)["error"] == ["invalid_request"]


def test_error_page_is_html_and_names_the_problem(sandbox):
    response = _page(sandbox, client_id="unknown")
    assert response.status_code == 400
    assert "client_id" in response.text
    assert "Location" not in response.headers


@pytest.mark.sandbox_seed(hostile=True)
def test_consent_page_escapes_hostile_names(sandbox):
    html = _page(sandbox).text
    assert "<script>window.__pwned" not in html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert not re.search(r"<img[^>]*onerror", html)
    tags = _Tags()
    tags.feed(html)
    assert tags.seen <= {
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "main",
        "p",
        "span",
        "h1",
        "ul",
        "li",
        "code",
        "form",
        "fieldset",
        "legend",
        "label",
        "input",
        "strong",
        "br",
        "div",
        "button",
    }
    assert tags.handlers == []
    assert sum(escape(p) in html for p in xss.PAYLOADS) >= 4


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.seen, self.handlers = set(), []

    def handle_starttag(self, tag, attrs):
        self.seen.add(tag)
        self.handlers.extend(name for name, _ in attrs if name.startswith(("on", "hx-")))
