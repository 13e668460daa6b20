"""Pytest plugin: a sandbox server per test process, reset before each test.

Enable with ``pytest_plugins = ["sandbox.testing"]`` in the root ``conftest.py``. Under
pytest-xdist every worker starts its own server on its own free port.

    def test_something(sandbox):
        sandbox.state.add_fault(path="/approve$", status=502, times=1)
        requests.get(f"{sandbox.api_url}/workspaces", ...)

    @pytest.mark.sandbox_seed(members=500, leaves=5000)
    def test_big_workspace(sandbox): ...
"""

from __future__ import annotations

import pytest

from sandbox.server import SandboxServer


def pytest_configure(config) -> None:
    """Register the ``sandbox_seed`` marker."""
    config.addinivalue_line(
        "markers",
        "sandbox_seed(**options): seed the sandbox fixture with these options "
        "(members, teams, policies, leaves, seed, hostile, anchor)",
    )


@pytest.fixture(scope="session")
def sandbox_server():
    """One running sandbox for the whole test process."""
    server = SandboxServer()
    try:
        server.start()
    except Exception as exc:
        pytest.fail(f"The WebWork sandbox could not start: {exc!r}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server, request):
    """The running sandbox, freshly seeded (anchor today) with default settings and no faults."""
    marker = request.node.get_closest_marker("sandbox_seed")
    options = dict(marker.kwargs) if marker else {}
    sandbox_server.state.reset(**options)
    yield sandbox_server
    sandbox_server.state.clear_faults()
