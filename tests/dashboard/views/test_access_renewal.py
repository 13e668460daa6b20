"""A person using the dashboard never waits on the access check: once half of
ACCESS_RECHECK_SECONDS has passed, their workspace list is asked for again in the background;
it is still never trusted past ACCESS_RECHECK_SECONDS."""

import time

import pytest

pytestmark = [pytest.mark.clock("2026-12-01T10:00Z"), pytest.mark.usefixtures("transactional_db")]

WORKSPACES = "^/api/v2/workspaces$"


def _workspace_reads(webwork) -> int:
    return webwork.state.calls.count("GET", WORKSPACES)


def _wait_for_reads(webwork, count: int, seconds: float = 10) -> int:
    deadline = time.monotonic() + seconds
    while _workspace_reads(webwork) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return _workspace_reads(webwork)


def test_the_list_is_renewed_in_the_background_and_the_next_page_does_not_wait(
    manager_client, webwork, clock, settings
):
    recheck = settings.ACCESS_RECHECK_SECONDS
    webwork.state.calls.clear()
    clock.shift(recheck / 2 - 30)  # signed in a moment ago: the list is young
    assert manager_client.get("/w/1/policies/").status_code == 200
    time.sleep(0.3)
    assert _workspace_reads(webwork) == 0

    clock.shift(60)  # past half its trust: renewed after the page, nobody waiting on it
    assert manager_client.get("/w/1/policies/").status_code == 200
    assert _wait_for_reads(webwork, 1) == 1
    assert manager_client.get("/w/1/policies/").status_code == 200
    time.sleep(0.3)
    assert _workspace_reads(webwork) == 1  # once, not at every page

    clock.shift(recheck / 2 + 60)  # past the first list's end, within the renewed one's
    webwork.state.calls.clear()
    assert manager_client.get("/w/1/policies/").status_code == 200
    assert _workspace_reads(webwork) == 0


def test_without_renewal_an_old_list_is_checked_again_before_the_page(
    manager_client, webwork, clock, settings
):
    clock.shift(settings.ACCESS_RECHECK_SECONDS + 5)  # nobody looked in between
    webwork.state.calls.clear()
    assert manager_client.get("/w/1/policies/").status_code == 200
    assert _workspace_reads(webwork) == 1  # during the request: the page waited on it


def test_a_renewal_that_drops_the_workspace_ends_access(manager_client, webwork, clock, settings):
    assert manager_client.get("/w/1/policies/").status_code == 200  # the policies held now
    webwork.state.calls.clear()
    clock.shift(settings.ACCESS_RECHECK_SECONDS / 2 + 5)
    manager = webwork.state.user_by_email("manager@sandbox.test")
    webwork.state.set_role(1, manager.id, "Regular User")
    assert manager_client.get("/w/1/policies/").status_code == 200  # the list still trusted
    assert _wait_for_reads(webwork, 1) >= 1
    time.sleep(0.2)
    assert manager_client.get("/w/1/policies/").status_code == 404
