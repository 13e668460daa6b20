"""Shared fixtures: the clock, the WebWork sandbox over real HTTP, signed-in clients, services.

The clock: a test that depends on the date pins it with ``@pytest.mark.clock("2026-12-01T10:00Z")``
(per test or per module). ``--today=INSTANT`` runs every other test at that instant, clock and
sandbox seed together (the sandbox seeds its data around the clock's date), so the suite can
be proven on awkward days: ``make test-dates``.
"""

import os

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from tests import needs
from tests.clock import parse_instant
from tests.oauth_flow import sign_in_directly
from tests.redis_canary import RedisCanary

pytest_plugins = ["sandbox.testing"]


def pytest_addoption(parser):
    """``--today``: run the suite at another instant."""
    parser.addoption(
        "--today",
        metavar="INSTANT",
        default=os.environ.get("TEST_TODAY") or None,
        help=(
            "Run every test that does not pin its own clock at this instant, e.g. "
            "2027-12-31T23:50 (UTC unless a zone is given; a bare date means noon UTC). "
            "Default: $TEST_TODAY, else the real date."
        ),
    )


def pytest_configure(config):
    """Register the markers; refuse an unreadable ``--today`` at once."""
    config.addinivalue_line(
        "markers",
        "clock(instant): run this test with the clock at this instant (ISO 8601, UTC unless "
        "a zone is given), ticking; the sandbox seeds its data around that date",
    )
    config.addinivalue_line(
        "markers",
        "required_missing(group, why): a required service is missing; the test fails at setup",
    )
    today = config.getoption("--today")
    if today:
        try:
            parse_instant(today)
        except ValueError as exc:
            raise pytest.UsageError(f"--today={today!r}: {exc}") from exc
    if not hasattr(config, "workerinput"):  # the controller, or a run without xdist
        config.stash[_CANARY] = RedisCanary.plant(os.environ.get("REDIS_URL", ""))


_CANARY = pytest.StashKey[RedisCanary | None]()


def pytest_sessionfinish(session, exitstatus):
    """Fail the run if any Redis data that is not the tests' own was deleted."""
    canary = session.config.stash.get(_CANARY, None)
    if canary is None:
        return
    lost = canary.check_and_remove()
    if lost:
        session.config.stash[_LOST] = lost
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_LOST = pytest.StashKey[list[str]]()


def pytest_collection_modifyitems(config, items):
    """Keep each module's tests on one xdist worker (they share a sandbox and fixtures)."""
    for item in items:
        item.add_marker(pytest.mark.xdist_group(item.module.__name__))


def pytest_report_header(config):
    """Say which real services this run uses, and at what instant it runs."""
    today = config.getoption("--today")
    return [
        f"REDIS_URL={'set' if os.environ.get('REDIS_URL') else 'unset (in-process cache)'}",
        f"TEST_POSTGRES_URL={'set' if os.environ.get('TEST_POSTGRES_URL') else 'unset'}",
        f"clock: {parse_instant(today).isoformat() if today else 'the real date'} "
        "(tests marked with clock(...) run at their own instant)",
    ]


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """One line per group of skipped tests and why; any Redis data the run destroyed."""
    lines = needs.summarise(terminalreporter.stats.get("skipped", []))
    if lines:
        terminalreporter.section("skipped groups")
        for line in lines:
            terminalreporter.write_line(line)
    lost = config.stash.get(_LOST, None)
    if lost:
        terminalreporter.section("Redis data destroyed", red=True)
        for line in lost:
            terminalreporter.write_line(line, red=True)


# --------------------------------------------------------------------------- the clock
@pytest.fixture(scope="session", autouse=True)
def _run_clock(request):
    """The whole run at ``--today``, when given (the clock ticks on from there)."""
    today = request.config.getoption("--today")
    if not today:
        yield None
        return
    with time_machine.travel(parse_instant(today), tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def clock(_run_clock, request):
    """This test's clock: its ``clock`` marker's instant, else the run's."""
    marker = request.node.get_closest_marker("clock")
    if marker is None:
        yield _run_clock
        return
    with time_machine.travel(parse_instant(marker.args[0]), tick=True) as traveller:
        yield traveller


# --------------------------------------------------------------------------- services
@pytest.fixture(autouse=True)
def _required_services(request):
    """A test marked ``required_missing`` (a required service is absent) fails here."""
    marker = request.node.get_closest_marker("required_missing")
    if marker is not None:
        needs.missing(*marker.args)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty Django cache (its own keys only: see FailSoftRedisCache),
    nothing kept in process memory while Redis was down (fallback values, full buckets) and no
    rendered fragment kept."""
    from dashboard.platform import shared
    from dashboard.views import fragments
    from dashboard.webwork_oauth.allowance import allowance_local_reset

    def empty() -> None:
        cache.clear()
        shared.local_clear()
        allowance_local_reset()
        fragments.store.clear()

    empty()
    yield
    empty()


@pytest.fixture
def redis_url() -> str:
    """The real Redis of this run (REDIS_URL); skipped, or failed when required, without it."""
    url = os.environ.get("REDIS_URL", "")
    if not url:
        needs.missing("redis", "REDIS_URL is not set")
    return url


# --------------------------------------------------------------------------- WebWork
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
def rules_let_every_leave_through(transactional_db, webwork):
    """Every pending leave of workspace 1 may be approved without a second tap: self-approval
    allowed, and every policy lets a balance go below zero.

    For tests of how many leaves are sent and how fast (bulk runs), whichever leaves the seed
    gives. The rules themselves are tested where they are built (four eyes, the projection) and
    in a bulk run that meets them (reported as skipped by a rule, nothing sent).
    """
    from dashboard.models import WorkspaceSettings

    for policy in webwork.state.policies.values():
        policy.allow_negative_balance = True
    WorkspaceSettings.objects.update_or_create(
        workspace_id=1, defaults={"allow_self_approval": True}
    )


@pytest.fixture
def browser_client() -> Client:
    """A test client whose host is allowed as a sandbox redirect URI (127.0.0.1)."""
    return Client(HTTP_HOST="127.0.0.1:8000")


@pytest.fixture
def manager_client(db, webwork, browser_client) -> Client:
    """Signed in as Mateo García, Executive manager of Northwind Studio (workspace 1)."""
    sign_in_directly(browser_client, webwork, "manager@sandbox.test")
    return browser_client


@pytest.fixture
def owner_client(db, webwork) -> Client:
    """Signed in as Amara Okafor, Owner of workspaces 1 and 2."""
    client = Client(HTTP_HOST="127.0.0.1:8000")
    sign_in_directly(client, webwork, "owner@sandbox.test")
    return client
