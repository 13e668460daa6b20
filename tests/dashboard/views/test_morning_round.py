"""A manager's morning round on a large workspace, with WebWork's 60 calls a minute enforced by
the sandbox: five cold pages, each with its data, and warm pages that cost nothing."""

import pytest

from tests.listing import in_window

pytestmark = pytest.mark.django_db

WS = 1
ROUND = ("/w/1/", "/w/1/calendar/", "/w/1/balances/", "/w/1/leaves/", "/w/1/policies/")
NO_DATA = ("notice--error", "can't be shown", "could not be loaded")


def _round(client) -> list[str]:
    pages = []
    for path in ROUND:
        response = client.get(path)
        assert response.status_code == 200, path
        pages.append(response.content.decode())
    return pages


def _pending_share(webwork, share: float) -> None:
    """Put back to pending every nth decided leave of the workspace, until `share` wait."""
    leaves = sorted(
        (lv for lv in webwork.state.leaves.values() if lv.workspace_id == WS),
        key=lambda lv: lv.id,
    )
    wanted = int(len(leaves) * share) - sum(lv.status == "pending" for lv in leaves)
    for leave in leaves:
        if wanted <= 0:
            break
        if leave.status != "pending":
            leave.status = "pending"
            wanted -= 1


@pytest.mark.clock("2027-05-15T10:00Z")
@pytest.mark.sandbox_seed(members=500, teams=20, policies=6, leaves=5000)
@pytest.mark.parametrize("share", [0.08, 0.25])
def test_five_cold_pages_within_webworks_budget_each_with_its_data(manager_client, webwork, share):
    _pending_share(webwork, share)
    webwork.state.reset_rate_limits()
    webwork.state.calls.clear()
    pages = dict(zip(ROUND, _round(manager_client), strict=True))
    for path, html in pages.items():
        assert not [s for s in NO_DATA if s in html], path
    # The requests list has every request of its months, or names the months it could not
    # read yet within the minute's allowance (never a shorter list that looks whole).
    whole = f"{len(in_window(webwork.state.leaves_for(WS)))} requests between"
    assert whole in pages["/w/1/leaves/"] or "Not shown yet: requests of" in pages["/w/1/leaves/"]
    assert webwork.state.calls.count(status=429) == 0
    assert webwork.state.calls.max_in_window(60) <= 60
    if share <= 0.08:  # the usual morning: at most 40 of the minute's 60 calls
        assert webwork.state.calls.count() <= 40, webwork.state.calls.counts()
    webwork.state.calls.clear()
    _round(manager_client)
    assert webwork.state.calls.count() == 0  # warm: nothing asked of WebWork
