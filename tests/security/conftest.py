"""Fixtures for the security tests: canary tokens and signed-in clients of any persona."""

import pytest
from django.test import Client

from tests import needs
from tests.oauth_flow import sign_in, sign_in_directly

from .support import CANARY_ACCESS, CANARY_REFRESH, HOST, REDIS_SERVER, RedisServer


@pytest.fixture
def canary_tokens(webwork):
    """From now on the sandbox issues tokens that start with recognisable canaries."""
    webwork.state.token_prefix = CANARY_ACCESS
    webwork.state.refresh_prefix = CANARY_REFRESH
    return webwork


@pytest.fixture
def signed_in(db, webwork):
    """Sign a persona in; returns its client. `full_flow=True` goes through the real OAuth
    flow (sign-in page, sandbox authorize, callback); otherwise a directly stored token."""

    def make(persona: str, *, full_flow: bool = False, **client_options) -> Client:
        client = Client(HTTP_HOST=HOST, **client_options)
        if not full_flow:
            sign_in_directly(client, webwork, persona)
            return client
        response = sign_in(client, webwork, persona)
        assert response.status_code == 302, response.content[:300]
        return client

    return make


@pytest.fixture
def redis_server(tmp_path):
    """A private redis-server on a free port, stopped after the test."""
    if REDIS_SERVER is None:
        needs.missing("redis", "redis-server is not installed")
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()
