import pytest

from sandbox import testing as sandbox_plugin


def pytest_configure(config):
    # The root conftest normally loads the plugin; load it here too so this folder runs alone.
    if not config.pluginmanager.has_plugin("sandbox.testing"):
        config.pluginmanager.register(sandbox_plugin, "sandbox.testing")


OWNER, MANAGER, MEMBER, TEAMLEAD = 1001, 1002, 1003, 1004


@pytest.fixture
def owner_headers(sandbox):
    token = sandbox.state.issue_tokens(OWNER)["access_token"]
    return {"Authorization": f"Bearer {token}"}
