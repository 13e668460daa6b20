import pytest

from tests.dashboard.views.test_morning_round import ROUND, _pending_share

pytestmark = pytest.mark.django_db


@pytest.mark.clock("2027-05-15T10:00Z")
@pytest.mark.sandbox_seed(members=500, teams=20, policies=6, leaves=5000)
def test_show(manager_client, webwork):
    _pending_share(webwork, 0.08)
    webwork.state.reset_rate_limits()
    webwork.state.calls.clear()
    for path in ROUND:
        before = len(webwork.state.calls)
        manager_client.get(path)
        recs = webwork.state.calls.records()[before:]
        print("\n==", path, len(recs))
        for r in recs:
            q = {k: v for k, v in r["query"].items()}
            print("  ", r["method"], r["path"], q, r["status"])
