"""The sandbox Flask app: OAuth server, API v2 and control API, behind the fault middleware."""

from __future__ import annotations

import logging
import uuid

from flask import Flask, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from sandbox import api, control, oauth
from sandbox.envelope import ApiError, error_response
from sandbox.faults import FaultMiddleware
from sandbox.state import SandboxState

log = logging.getLogger(__name__)


def create_app(state: SandboxState | None = None) -> Flask:
    """Build the WSGI app around ``state`` (a fresh default state when None)."""
    app = Flask(__name__)
    app.json.sort_keys = False
    app.extensions["sandbox"] = state or SandboxState()
    app.register_blueprint(oauth.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(control.bp)
    app.register_error_handler(ApiError, error_response)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _server_error)
    app.after_request(_api_headers)
    app.add_url_rule("/", "index", _index)
    app.wsgi_app = FaultMiddleware(app.wsgi_app, app.extensions["sandbox"])
    return app


def _index():
    base = request.host_url.rstrip("/")
    return jsonify(
        {
            "name": "WebWork sandbox",
            "api_url": f"{base}/api/v2",
            "oauth_url": f"{base}/oauth",
            "control_url": f"{base}/_sandbox",
        }
    )


def _http_error(exc: HTTPException):
    if request.path.startswith("/api/"):
        message = {404: "Not found.", 405: "Method not allowed."}.get(exc.code, exc.description)
        response = error_response(ApiError(exc.code or 500, message))
        if exc.code == 405:
            response.headers["Allow"] = exc.get_response().headers.get("Allow", "")
        return response
    if request.path.startswith(("/oauth/", "/_sandbox/")):
        return jsonify({"error": exc.name.lower().replace(" ", "_")}), exc.code
    return exc


def _server_error(exc: Exception):
    log.exception("sandbox error on %s %s", request.method, request.path)
    if request.path.startswith("/api/"):
        return error_response(ApiError(500, "Server Error"))
    return jsonify({"error": "server_error"}), 500


def _api_headers(response):
    if request.path.startswith("/api/"):
        st = current_app.extensions["sandbox"]
        limit, remaining = g.get("rate") or (st.config.rate_limit, st.config.rate_limit)
        if limit > 0:
            response.headers["X-RateLimit-Limit"] = str(limit)
            response.headers["X-RateLimit-Remaining"] = str(remaining)
        response.headers["X-Request-Id"] = uuid.uuid4().hex
    return response
