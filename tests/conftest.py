"""Shared fixtures: the WebWork sandbox over real HTTP, settings wired to it, signed-in clients."""

import os

import pytest
from django.core.cache import cache
from django.test import Client

from tests.oauth_flow import sign_in

pytest_plugins = ["sandbox.testing"]


def pytest_collection_modifyitems(config, items):
    """Keep each module's tests on one xdist worker (they share a sandbox and fixtures)."""
    for item in items:
        item.add_marker(pytest.mark.xdist_group(item.module.__name__))


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty Django cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def webwork(sandbox, settings):
    """The sandbox, with the dashboard's settings pointing at it."""
    settings.WEBWORK_API_URL = sandbox.api_url
    settings.WEBWORK_OAUTH_URL = sandbox.oauth_url
    settings.SECURE_CSP = {
        **settings.SECURE_CSP,
        "form-action": ["'self'", sandbox.url],
    }
    return sandbox


@pytest.fixture
def browser_client() -> Client:
    """A test client whose host is allowed as a sandbox redirect URI (127.0.0.1)."""
    return Client(HTTP_HOST="127.0.0.1:8000")


@pytest.fixture
def manager_client(db, webwork, browser_client) -> Client:
    """Signed in as Mateo García, Executive manager of Northwind Studio (workspace 1)."""
    response = sign_in(browser_client, webwork, "manager@sandbox.test")
    assert response.status_code == 302, response.content[:500]
    return browser_client


@pytest.fixture
def owner_client(db, webwork) -> Client:
    """Signed in as Amara Okafor, Owner of workspaces 1 and 2."""
    client = Client(HTTP_HOST="127.0.0.1:8000")
    response = sign_in(client, webwork, "owner@sandbox.test")
    assert response.status_code == 302, response.content[:500]
    return client


def pytest_report_header(config):
    """Say which real services this run uses."""
    return [
        f"REDIS_URL={'set' if os.environ.get('REDIS_URL') else 'unset (in-process cache)'}",
        f"TEST_POSTGRES_URL={'set' if os.environ.get('TEST_POSTGRES_URL') else 'unset'}",
    ]
