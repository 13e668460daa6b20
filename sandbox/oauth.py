"""OAuth2 authorization server under ``/oauth``: authorization code grant with PKCE, refresh.

Redirect URIs are accepted when they point at the local machine (127.0.0.1, localhost or
[::1], any port), so any local dashboard can use the demo client.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from flask import Blueprint, jsonify, redirect, render_template, request

from sandbox.envelope import state
from sandbox.models import SCOPES, AuthorizationCode
from sandbox.seed import PERSONAS

bp = Blueprint("oauth", __name__, url_prefix="/oauth")

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
_CHALLENGE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


class _PageError(Exception):
    """A problem shown on the authorize page itself (never redirected)."""


def _valid_redirect_uri(uri: str) -> bool:
    try:
        parts = urlsplit(uri)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and host in LOCAL_HOSTS and not parts.fragment


def _redirect(uri: str, **params):
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query.extend((k, v) for k, v in params.items() if v is not None)
    return redirect(urlunsplit(parts._replace(query=urlencode(query))), code=302)


def _parse_scope(raw: str | None) -> tuple[str, ...] | None:
    """Scopes in canonical order, None when one is unknown; missing means ``read``."""
    requested = (raw or "read").replace(",", " ").split()
    if not requested or any(s not in SCOPES for s in requested):
        return None
    return tuple(s for s in SCOPES if s in requested)


def _check_request(args):
    """Validate an authorization request; return (client, redirect_uri, error_redirect|None)."""
    st = state()
    client = st.clients.get(args.get("client_id", ""))
    if client is None:
        raise _PageError("Unknown application: the client_id is not registered.")
    redirect_uri = args.get("redirect_uri", "")
    if not _valid_redirect_uri(redirect_uri):
        raise _PageError("The redirect_uri is not allowed for this application.")
    given_state = args.get("state")
    if args.get("response_type") != "code":
        return (
            client,
            redirect_uri,
            _redirect(redirect_uri, error="unsupported_response_type", state=given_state),
        )
    if _parse_scope(args.get("scope")) is None:
        return (
            client,
            redirect_uri,
            _redirect(redirect_uri, error="invalid_scope", state=given_state),
        )
    challenge = args.get("code_challenge")
    method = args.get("code_challenge_method")
    if (challenge or method) and (method != "S256" or not _CHALLENGE.match(challenge or "")):
        return (
            client,
            redirect_uri,
            _redirect(
                redirect_uri,
                error="invalid_request",
                error_description="code_challenge_method must be S256 with a valid code_challenge",
                state=given_state,
            ),
        )
    return client, redirect_uri, None


def _issue_code(client, redirect_uri: str, args, user_id: int):
    st = state()
    code = secrets.token_urlsafe(32)
    with st.lock:
        st.codes[code] = AuthorizationCode(
            code=code,
            client_id=client.client_id,
            redirect_uri=redirect_uri,
            scope=_parse_scope(args.get("scope")),
            user_id=user_id,
            expires_at=st.clock() + st.config.code_ttl,
            family=secrets.token_hex(8),
            code_challenge=args.get("code_challenge") or None,
        )
    request.environ["sandbox.user_id"] = user_id
    return _redirect(redirect_uri, code=code, state=args.get("state"))


def _personas():
    st = state()
    result = []
    for persona in PERSONAS:
        user = st.users.get(persona.id)
        if user is None:
            continue
        places = [f"{m['role']} of {m['workspace_name']}" for m in st.workspaces_for(persona.id)]
        result.append(
            {"id": user.id, "email": user.email, "name": user.full_name, "places": places}
        )
    return result


def _page(client, args, status=200, problem=None):
    html = render_template(
        "authorize.html",
        client=client,
        scopes=_parse_scope(args.get("scope")) or (),
        personas=_personas(),
        action=request.full_path,
        problem=problem,
    )
    return html, status, PAGE_HEADERS


def _error_page(message: str):
    return render_template("oauth_error.html", message=message), 400, PAGE_HEADERS


@bp.route("/authorize", methods=["GET", "POST"])
def authorize():
    """Consent page: pick a persona and authorize or deny; ``login_hint`` skips the page."""
    args = request.args
    try:
        client, redirect_uri, failure = _check_request(args)
    except _PageError as exc:
        return _error_page(str(exc))
    if failure is not None:
        return failure
    st = state()
    if request.method == "GET":
        hint = args.get("login_hint")
        user = st.user_by_email(hint) if hint else None
        if user is not None:
            return _issue_code(client, redirect_uri, args, user.id)
        return _page(client, args)
    if request.form.get("decision") == "deny":
        return _redirect(redirect_uri, error="access_denied", state=args.get("state"))
    try:
        user_id = int(request.form.get("persona", ""))
    except ValueError:
        user_id = None
    if user_id not in st.users:
        return _page(client, args, 400, problem="Choose who you are signing in as.")
    return _issue_code(client, redirect_uri, args, user_id)


def _token_error(error: str, description: str, status: int = 400, headers=None):
    response = jsonify({"error": error, "error_description": description})
    response.status_code = status
    response.headers.update(NO_STORE)
    response.headers.update(headers or {})
    return response


def _client_credentials():
    header = request.headers.get("Authorization", "")
    if header[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
            client_id, _, secret = decoded.partition(":")
            return unquote(client_id), unquote(secret)
        except (ValueError, UnicodeDecodeError):
            return None, None
    return request.form.get("client_id"), request.form.get("client_secret")


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge of a verifier: base64url(sha256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@bp.post("/token")
def token():
    """Token endpoint: ``authorization_code`` and ``refresh_token`` grants."""
    st = state()
    client_id, secret = _client_credentials()
    client = st.clients.get(client_id or "")
    request.environ["sandbox.client_id"] = client_id
    if client is None or not hmac.compare_digest(
        (secret or "").encode(), client.client_secret.encode()
    ):
        return _token_error(
            "invalid_client",
            "Client authentication failed.",
            401,
            {"WWW-Authenticate": 'Basic realm="oauth"'},
        )
    grant_type = request.form.get("grant_type")
    if not grant_type:
        return _token_error("invalid_request", "grant_type is required.")
    if grant_type == "authorization_code":
        return _code_grant(client)
    if grant_type == "refresh_token":
        return _refresh_grant(client)
    return _token_error("unsupported_grant_type", f"Unsupported grant type: {grant_type}.")


def _tokens_response(user_id: int, scope, client_id: str, family: str):
    st = state()
    issued = st.issue_tokens(user_id, scope, client_id, family)
    request.environ["sandbox.user_id"] = user_id
    response = jsonify(issued)
    response.headers.update(NO_STORE)
    return response


def _code_grant(client):
    st = state()
    form = request.form
    code = form.get("code")
    if not code:
        return _token_error("invalid_request", "code is required.")
    with st.lock:
        grant = st.codes.get(code)
        if grant is None:
            return _token_error("invalid_grant", "The authorization code is invalid.")
        if grant.used:
            st.revoke_family(grant.family)
            return _token_error("invalid_grant", "The authorization code was already used.")
        grant.used = True
        if grant.expires_at <= st.clock():
            return _token_error("invalid_grant", "The authorization code has expired.")
        if grant.client_id != client.client_id:
            return _token_error("invalid_grant", "The code was issued to another client.")
        if form.get("redirect_uri") != grant.redirect_uri:
            return _token_error("invalid_grant", "redirect_uri does not match the authorization.")
        verifier = form.get("code_verifier")
        if grant.code_challenge:
            if not verifier or not hmac.compare_digest(
                pkce_challenge(verifier), grant.code_challenge
            ):
                return _token_error("invalid_grant", "PKCE verification failed.")
        elif verifier:
            return _token_error("invalid_grant", "code_verifier sent without a code_challenge.")
        return _tokens_response(grant.user_id, grant.scope, client.client_id, grant.family)


def _refresh_grant(client):
    st = state()
    form = request.form
    value = form.get("refresh_token")
    if not value:
        return _token_error("invalid_request", "refresh_token is required.")
    with st.lock:
        record = st.refresh_tokens.get(value)
        if record is None or record.client_id != client.client_id:
            return _token_error("invalid_grant", "The refresh token is invalid.")
        request.environ["sandbox.user_id"] = record.user_id
        if record.revoked:
            if record.rotated and st.config.revoke_family_on_reuse:
                st.revoke_family(record.family)
            return _token_error("invalid_grant", "The refresh token was revoked or already used.")
        if record.expires_at <= st.clock():
            return _token_error("invalid_grant", "The refresh token has expired.")
        scope = record.scope
        if form.get("scope"):
            asked = _parse_scope(form.get("scope"))
            if asked is None or not set(asked) <= set(record.scope):
                return _token_error("invalid_scope", "The scope exceeds the original grant.")
            scope = asked
        record.revoked = True
        record.rotated = True
        return _tokens_response(record.user_id, scope, client.client_id, record.family)
