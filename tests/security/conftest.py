"""Fixtures for the security tests: canary tokens and signed-in clients of any persona."""

import os

import pytest
from django.test import Client

from tests.oauth_flow import sign_in

from .support import CANARY_ACCESS, CANARY_REFRESH, HOST, REDIS_SERVER, RedisServer


@pytest.fixture
def canary_tokens(webwork):
    """From now on the sandbox issues tokens that start with recognisable canaries."""
    webwork.state.token_prefix = CANARY_ACCESS
    webwork.state.refresh_prefix = CANARY_REFRESH
    return webwork


@pytest.fixture
def signed_in(db, webwork):
    """Sign a persona in through the real OAuth flow; returns its client."""

    def make(persona: str, **client_options) -> Client:
        client = Client(HTTP_HOST=HOST, **client_options)
        response = sign_in(client, webwork, persona)
        assert response.status_code == 302, response.content[:300]
        return client

    return make


@pytest.fixture
def redis_server(tmp_path):
    """A private redis-server on a free port, stopped after the test."""
    if REDIS_SERVER is None:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail("redis-server is not installed", pytrace=False)
        pytest.skip("redis-server is not installed (set REQUIRE_REDIS=1 to fail instead)")
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()
