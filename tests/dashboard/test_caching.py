"""Upstream calls: warm pages cost at most one, our decisions show without refetching."""

import pytest

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.mark.parametrize(
    "url", ["/w/1/", "/w/1/leaves/", "/w/1/calendar/", "/w/1/balances/", "/w/1/policies/"]
)
def test_warm_page_views_cost_at_most_one_upstream_call(manager_client, webwork, url):
    manager_client.get(url)
    webwork.state.calls.clear()
    assert manager_client.get(url).status_code == 200
    assert webwork.state.calls.count(path="^/api/v2/") <= 1


def test_a_decision_shows_on_every_page_without_refetching_lists(manager_client, webwork):
    manager_client.get("/w/1/")
    manager_client.get("/w/1/leaves/?status=pending&from=2000-01-01")
    leave = webwork.state.leaves_for(1, status="pending")[0]
    manager_client.post(f"/w/1/leaves/{leave['id']}/approve/", headers=HTMX)
    webwork.state.calls.clear()
    inbox = manager_client.get("/w/1/").content.decode()
    pending_list = manager_client.get(
        "/w/1/leaves/?status=pending&from=2000-01-01"
    ).content.decode()
    assert f'id="leave-{leave["id"]}"' not in inbox
    assert f'id="row-{leave["id"]}"' not in pending_list
    assert webwork.state.calls.count(path="^/api/v2/leaves$") == 0


def test_a_new_request_invalidates_leave_lists(manager_client, webwork):
    import datetime as dt

    manager_client.get("/w/1/leaves/?status=pending&from=2000-01-01")
    start = dt.date.today() + dt.timedelta(days=500)
    start -= dt.timedelta(days=start.weekday())
    annual = next(p for p in webwork.state.policies_for(1) if p["name"] == "Annual leave")
    from django.contrib.auth import get_user_model

    from dashboard import services
    from dashboard.webwork import Policy

    user = get_user_model().objects.get()
    result = services.leave_create(
        user=user,
        workspace_id=1,
        new=services.NewLeave(
            member_id=1010, policy=Policy.from_api(annual), start=start, end=start
        ),
        request_key="abc",
    )
    assert result.created
    html = manager_client.get("/w/1/leaves/?status=pending&from=2000-01-01").content.decode()
    assert f'id="row-{result.leave.id}"' in html


@pytest.mark.parametrize("url", ["/w/1/", "/w/1/calendar/", "/w/1/balances/"])
def test_warm_pages_read_the_cache_in_the_request_thread(manager_client, webwork, url, monkeypatch):
    """A thread per read only pays off when reads wait for WebWork; cached ones don't."""
    from dashboard.selectors import parallel

    manager_client.get(url)
    pools = []

    class CountingPool(parallel.ThreadPoolExecutor):
        def __init__(self, *args, **kwargs):
            pools.append(kwargs.get("max_workers"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(parallel, "ThreadPoolExecutor", CountingPool)
    assert manager_client.get(url).status_code == 200
    assert pools == []
    # A cold read still runs beside the others.
    from django.core.cache import cache

    cache.clear()
    assert manager_client.get(url).status_code == 200
    assert pools
