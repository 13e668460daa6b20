"""Fault injection (latency, error statuses, dropped connections, broken bodies) and call logging.

Faults are applied by a WSGI middleware around the Flask app, so they behave the same in
process (Flask test client) and over HTTP. Dropping a connection needs the sandbox's own
request handler (``sandbox.server``), which resets the TCP connection without any response.
"""

from __future__ import annotations

import itertools
import json
import re
import socket
import struct
from dataclasses import asdict, dataclass, field, fields
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from sandbox.state import SandboxState

LOGGED_PREFIXES = ("/oauth/", "/api/")
MALFORMED_KINDS = ("truncated", "html", "empty")
_rule_ids = itertools.count(1)


class DropConnection(ConnectionResetError):
    """Raised by the middleware to make the server reset the TCP connection."""


@dataclass
class FaultRule:
    """One fault: which requests it matches and what it does to them.

    ``path`` is a regex searched in the request path, ``method`` an optional HTTP method.
    ``latency_ms`` delays the answer; ``status`` replaces it with an error response (an API
    error envelope, or OAuth error JSON under ``/oauth``), with ``retry_after`` as the
    ``Retry-After`` header and ``body`` as an optional replacement body; ``drop`` resets the
    connection without an HTTP response; ``malformed`` answers 200 with a broken body
    (``True``/``"truncated"``: cut JSON, ``"html"``: an HTML page, ``"empty"``: no body).
    ``times`` limits the rule to the next N matching requests (None: until cleared).
    ``when="after"`` runs the real handler first, so the state change happens, and only then
    applies the fault.
    """

    path: str = ".*"
    method: str | None = None
    latency_ms: int = 0
    status: int | None = None
    retry_after: int | str | None = None
    drop: bool = False
    malformed: bool | str = False
    times: int | None = None
    when: str = "before"
    body: dict | str | None = None
    id: int = field(default_factory=lambda: next(_rule_ids))
    hits: int = 0

    def __post_init__(self) -> None:
        try:
            re.compile(self.path)
        except re.error as exc:
            raise ValueError(f"path is not a valid regex: {exc}") from exc
        if self.method is not None:
            self.method = str(self.method).upper()
        if self.when not in ("before", "after"):
            raise ValueError('when must be "before" or "after"')
        if self.status is not None and not 100 <= int(self.status) <= 599:
            raise ValueError("status must be an HTTP status code")
        if self.malformed is True:
            self.malformed = "truncated"
        if self.malformed and self.malformed not in MALFORMED_KINDS:
            raise ValueError(f"malformed must be true or one of {', '.join(MALFORMED_KINDS)}")
        if self.times is not None and int(self.times) < 1:
            raise ValueError("times must be at least 1 (or null for no limit)")
        if int(self.latency_ms) < 0:
            raise ValueError("latency_ms must not be negative")

    @classmethod
    def from_dict(cls, data: dict) -> FaultRule:
        """Build a rule from JSON, refusing unknown keys."""
        allowed = {f.name for f in fields(cls)} - {"id", "hits"}
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"unknown fault field(s): {', '.join(sorted(unknown))}")
        return cls(**data)

    def matches(self, method: str, path: str) -> bool:
        """Tell whether this rule applies to a request."""
        if self.method and self.method != method:
            return False
        return re.search(self.path, path) is not None

    def to_dict(self) -> dict:
        """JSON form of the rule."""
        return asdict(self)


def is_logged(path: str) -> bool:
    """Tell whether a path is an OAuth or API path (logged, subject to faults)."""
    return path.startswith(LOGGED_PREFIXES)


class FaultMiddleware:
    """WSGI middleware: applies latency and fault rules, and records every call."""

    def __init__(self, app, state: SandboxState):
        self.app = app
        self.state = state

    def __call__(self, environ, start_response):
        """Serve one request, applying the first matching fault rule, and log it."""
        path = environ.get("PATH_INFO", "")
        if not is_logged(path):
            return self.app(environ, start_response)
        state = self.state
        method = environ.get("REQUEST_METHOD", "GET").upper()
        query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        user_id, token_id = state.identify_bearer(environ.get("HTTP_AUTHORIZATION"))
        record = {
            "at": state.clock(),
            "wall": state.wall().isoformat(),
            "method": method,
            "path": path,
            "query": query,
            "status": None,
            "user_id": user_id,
            "token_id": token_id,
            "client_id": query.get("client_id") if path.startswith("/oauth/") else None,
            "fault": None,
        }
        try:
            status, headers, body = self._serve(environ, method, path, record)
        except DropConnection:
            record["fault"] = "drop"
            self._finish(record, environ)
            _prepare_reset(environ)
            raise
        record["status"] = int(status.split(" ", 1)[0])
        self._finish(record, environ)
        start_response(status, headers)
        return [body]

    def _finish(self, record: dict, environ) -> None:
        for key in ("user_id", "token_id", "client_id"):
            value = environ.get(f"sandbox.{key}")
            if value is not None:
                record[key] = value
        if environ.get("sandbox.skip_log"):
            return
        self.state.calls.append(record)

    def _serve(self, environ, method: str, path: str, record: dict):
        state = self.state
        generation = state.generation
        if state.config.latency_ms:
            state.sleep(state.config.latency_ms / 1000)
        rule = state.take_fault(method, path)
        if rule is None:
            return self._run_app(environ)
        record["fault"] = _fault_name(rule)
        if rule.when == "after":
            answer = self._run_app(environ)
            if rule.latency_ms:
                state.sleep(rule.latency_ms / 1000)
            return self._apply(rule, path, answer)
        if rule.latency_ms:
            state.sleep(rule.latency_ms / 1000)
        if state.generation != generation:
            environ["sandbox.skip_log"] = True
            return _json_answer(503, {"error": "The sandbox was reset during this request."})
        answer = self._apply(rule, path, None)
        return answer if answer is not None else self._run_app(environ)

    def _apply(self, rule: FaultRule, path: str, answer):
        """The faulty answer for ``rule``, or ``answer`` when the rule only adds latency."""
        if rule.drop:
            raise DropConnection("connection dropped by a sandbox fault rule")
        if rule.status is not None:
            return _status_answer(rule, path, self.state)
        if rule.malformed:
            return _malformed_answer(rule.malformed, answer)
        return answer

    def _run_app(self, environ):
        captured = {}

        def start_response(status, headers, exc_info=None):
            captured["status"] = status
            captured["headers"] = list(headers)
            return lambda data: None

        chunks = self.app(environ, start_response)
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        return captured["status"], captured["headers"], body


def _fault_name(rule: FaultRule) -> str:
    if rule.drop:
        return "drop"
    if rule.status is not None:
        return f"status:{rule.status}"
    if rule.malformed:
        return f"malformed:{rule.malformed}"
    return "latency"


def _status_line(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"{code} Unknown"


def _json_answer(code: int, payload, extra_headers=()):
    body = json.dumps(payload).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    headers.extend(extra_headers)
    return _status_line(code), headers, body


def _status_answer(rule: FaultRule, path: str, state: SandboxState):
    code = int(rule.status)
    extra = []
    if rule.retry_after is not None:
        extra.append(("Retry-After", str(rule.retry_after)))
    if isinstance(rule.body, str):
        body = rule.body.encode()
        headers = [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
        ]
        return _status_line(code), headers + extra, body
    if rule.body is not None:
        return _json_answer(code, rule.body, extra)
    phrase = _status_line(code).split(" ", 1)[1]
    if path.startswith("/oauth/"):
        error = "temporarily_unavailable" if code >= 500 or code == 429 else "invalid_request"
        return _json_answer(code, {"error": error, "error_description": phrase}, extra)
    payload = {
        "success": False,
        "message": phrase,
        "error": phrase,
        "meta": state.meta(),
    }
    return _json_answer(code, payload, extra)


def _malformed_answer(kind: str, answer):
    if kind == "html":
        body = b"<!doctype html><html><body><h1>502 Bad Gateway</h1></body></html>"
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
        return "200 OK", headers, body
    if kind == "empty":
        return "200 OK", [("Content-Type", "application/json"), ("Content-Length", "0")], b""
    original = answer[2] if answer else b'{"success": true, "data": [{"id": 1, "name": "Annual'
    cut = original[: max(1, len(original) // 2)]
    if cut.endswith(b"}"):
        cut = cut[:-1]
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(cut)))]
    return "200 OK", headers, cut


def _prepare_reset(environ) -> None:
    """Arrange a TCP reset; the sandbox's request handler closes the socket itself."""
    sock = environ.get("werkzeug.socket")
    if sock is None:
        return
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        if not environ.get("sandbox.resets_connection"):
            # A plain werkzeug server keeps the connection open; shut it so the client
            # does not wait for an answer that never comes.
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
