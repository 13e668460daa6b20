"""Cold pages in one round of WebWork calls: each list's page count is kept in the database
(`ListShape`), so a page whose cache was emptied asks every page of every list at once.

WebWork's answers are slowed down, and the calls of a page are grouped into rounds by when they
arrive: a call that arrives more than half the delay after the round began waited for an
answer, so it starts a new round.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.models import ListShape
from dashboard.platform import shared
from dashboard.selectors import (
    list_shapes,
    member_list,
    workspace_list_for_user,
    workspace_list_prime,
)
from dashboard.selectors.shapes import MEMBERS_SHAPE
from dashboard.webwork_oauth.allowance import allowance_local_reset

pytestmark = pytest.mark.django_db

WS = 1
# Long enough that a busy machine starting the threads of one round late never looks like a
# second round (a round waits for answers: at least this long).
LATENCY_MS = 600
PAGES = ("/w/1/", "/w/1/calendar/", "/w/1/balances/", "/w/1/leaves/", "/w/1/policies/")


def rounds(records: list[dict]) -> list[list[dict]]:
    """The calls grouped into rounds by their arrival (`at`, seconds)."""
    grouped: list[list[dict]] = []
    for record in sorted(records, key=lambda r: r["at"]):
        if not grouped or record["at"] - grouped[-1][0]["at"] > LATENCY_MS / 2000:
            grouped.append([])
        grouped[-1].append(record)
    return grouped


def _cold(webwork, user) -> None:
    """The cache emptied, as the benchmark does, and the allowances full again; the person's
    workspace list is held (as after signing in: its re-check is its own round)."""
    workspaces = workspace_list_for_user(user=user)
    cache.clear()
    shared.local_clear()
    allowance_local_reset()
    webwork.state.reset_rate_limits()
    workspace_list_prime(user_id=user.pk, workspaces=workspaces)
    webwork.state.calls.clear()


def _visit(client, webwork, path: str) -> list[dict]:
    response = client.get(path)
    assert response.status_code == 200, path
    return webwork.state.calls.records(path="^/api/v2/")


@pytest.fixture
def slow_webwork(webwork, settings):
    settings.WEBWORK_CALLS_PER_MINUTE = 0  # the person's allowance out of the way
    webwork.state.config.update(rate_limit=0)
    webwork.state.add_fault(path="^/api/v2/", method="GET", latency_ms=LATENCY_MS)
    return webwork


@pytest.mark.clock("2027-05-15T10:00Z")
@pytest.mark.sandbox_seed(members=500, teams=20, policies=6, leaves=5000)
@pytest.mark.parametrize("path", PAGES)
def test_a_page_seen_before_costs_one_round_when_the_cache_was_emptied(
    manager_client, slow_webwork, path
):
    user = get_user_model().objects.get(email="manager@sandbox.test")
    _cold(slow_webwork, user)
    first = _visit(manager_client, slow_webwork, path)

    _cold(slow_webwork, user)
    again = _visit(manager_client, slow_webwork, path)

    assert len(rounds(again)) == 1, (path, [len(r) for r in rounds(again)])
    assert len(again) <= len(first)  # one call per page of each list, as before


@pytest.mark.clock("2027-05-15T10:00Z")
@pytest.mark.sandbox_seed(members=500, teams=20, policies=6, leaves=5000)
def test_shapes_are_written_only_when_they_change_and_a_warm_page_never_reads_them(
    manager_client, slow_webwork
):
    user = get_user_model().objects.get(email="manager@sandbox.test")
    _cold(slow_webwork, user)
    _visit(manager_client, slow_webwork, "/w/1/")
    shapes = {s.name: s for s in ListShape.objects.filter(workspace_id=WS)}
    assert shapes["members"].pages == 5
    assert shapes["pending"].months  # the months its oldest requests touch
    stamps = set(ListShape.objects.values_list("updated_at", flat=True))

    _cold(slow_webwork, user)
    _visit(manager_client, slow_webwork, "/w/1/")
    assert set(ListShape.objects.values_list("updated_at", flat=True)) == stamps

    slow_webwork.state.calls.clear()
    with CaptureQueriesContext(connection) as queries:
        warm = _visit(manager_client, slow_webwork, "/w/1/")
    assert [(c["path"], c["query"]) for c in warm] == []
    assert not [q for q in queries.captured_queries if "listshape" in q["sql"].lower()]


def test_a_list_shorter_than_last_time_gives_exactly_its_items(manager_client, webwork):
    user = get_user_model().objects.get(email="manager@sandbox.test")
    ListShape.objects.create(workspace_id=WS, name=MEMBERS_SHAPE, pages=4)
    webwork.state.calls.clear()

    with list_shapes(WS):
        members = member_list(user_id=user.pk, workspace_id=WS).value

    assert sorted(m.id for m in members) == sorted(m["id"] for m in webwork.state.members_for(WS))
    assert webwork.state.calls.count("GET", "^/api/v2/members$") == 4  # asked for at once
    assert ListShape.objects.get(workspace_id=WS, name=MEMBERS_SHAPE).pages == 1


@pytest.mark.clock("2027-05-15T10:00Z")
def test_a_list_with_dates_chosen_reads_only_their_months(manager_client, webwork):
    user = get_user_model().objects.get(email="manager@sandbox.test")
    _cold(webwork, user)
    _visit(manager_client, webwork, "/w/1/leaves/?from=2027-01-04&to=2027-01-29")
    months = {
        (c["query"].get("date_from"), c["query"].get("date_to"))
        for c in webwork.state.calls.records(path="^/api/v2/leaves$")
    }
    assert months == {("2027-01-04", "2027-01-29")}  # not the default window's April to June
