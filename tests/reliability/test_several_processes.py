"""Several web processes and workers against one Redis and one PostgreSQL, as production scales.

Two gunicorn instances on different ports (two processes of two threads each) and two Celery
workers share a throwaway PostgreSQL database and a private Redis (cache and broker), and
talk to a sandbox of their own, which counts WebWork's 60 calls a minute per person (not per
token), as WebWork does. What one process knows must hold for all: one PUT per leave however
the approvals are spread, one person's allowance across every process, one fetch for a page
opened on both instances at once.
"""

import datetime as dt
import html
import os
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from sandbox.server import SandboxServer

from ..security.support import PYTHON, ROOT, RedisServer, free_port
from .test_concurrent_decisions import (  # noqa: F401 - database is a fixture
    _rows,
    _sign_in,
    database,
    migrate,
    wait_until_up,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(300)]

WS = 1
LEAVES = 10
CALLS_PER_MINUTE, WRITE_RESERVE = 58, 8  # WEBWORK_CALLS_PER_MINUTE, WEBWORK_WRITE_RESERVE
USED_UP = "allowance of WebWork calls is used up"
API = "^/api/v2/"  # what WebWork counts (not its OAuth pages)


@pytest.fixture(scope="module")
def redis(tmp_path_factory):
    """A private redis-server: the cache in database 0, the broker in database 1."""
    from tests import needs

    from ..security.support import REDIS_SERVER

    if REDIS_SERVER is None:
        needs.missing("redis", "redis-server is not installed")
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def upstream():
    """A sandbox of its own, limiting each person (not each token) to 60 calls a minute."""
    server = SandboxServer().start()
    state = server.state
    state.config.update(rate_limit_per="user")
    members = [
        m
        for m in state.members_for(WS)
        if m["current_role"] == "Regular User" and m["status"] == "active" and m["id"] > 1004
    ]
    third = members[0]
    state.set_role(WS, third["id"], "Executive manager")
    others = members[1:]
    leaves = [
        state.add_leave(
            WS, others[i]["id"], dt.date(2032, 3, 1) + dt.timedelta(weeks=i), policy_id=101
        )["id"]
        for i in range(LEAVES)
    ]
    yield server, third["email"], leaves
    server.stop()


def _start(command: list[str], env: dict, log) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own interpreter and app
        [PYTHON, "-m", "tests.at_instant", *command],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


@pytest.fixture(scope="module")
def stack(database, redis, upstream, tmp_path_factory):  # noqa: F811 - the imported fixture
    """Two gunicorn instances and two Celery workers, all on the same PostgreSQL and Redis."""
    server, _, _ = upstream
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "REDIS", "CELERY", "TEST_CELERY", "DATABASE"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database,
            "REDIS_URL": f"{redis.url}/0",
            "CELERY_BROKER_URL": f"{redis.url}/1",
            "TEST_CELERY_WORKER": "1",  # the web side queues tasks for the workers
            "WEBWORK_API_URL": server.api_url,
            "WEBWORK_OAUTH_URL": server.oauth_url,
            "WEBWORK_CLIENT_ID": "sandbox-client",
            "WEBWORK_CLIENT_SECRET": "sandbox-secret",
            "TEST_CLOCK_AT": dt.datetime.now(dt.UTC).isoformat(),
            "PYTHONPATH": str(ROOT),
        }
    )
    migrate(env)
    logs = tmp_path_factory.mktemp("processes")
    ports = [free_port(), free_port()]
    processes = []
    for index, port in enumerate(ports):
        log = (logs / f"web{index}.log").open("w")
        processes.append(
            _start(
                [
                    *("gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}"),
                    *("--workers", "2", "--threads", "2", "--timeout", "60"),
                ],
                env,
                log,
            )
        )
    for name in ("w1", "w2"):
        log = (logs / f"{name}.log").open("w")
        processes.append(
            _start(
                [
                    *("celery", "-A", "config", "worker", "--pool=threads", "-c", "2"),
                    *("-n", f"{name}@%h", "--without-gossip", "--without-mingle"),
                    *("--without-heartbeat", "-l", "WARNING"),
                ],
                env,
                log,
            )
        )
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for base in bases:
            wait_until_up(base, lambda: _tail(logs))
        yield bases, logs
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


def _tail(logs) -> str:
    return "\n".join(f"== {p.name}\n{p.read_text()[-1500:]}" for p in sorted(logs.iterdir()))


def _browser(cookies: dict[str, str]) -> requests.Session:
    browser = requests.Session()
    browser.cookies.update(cookies)
    return browser


def _post(base: str, cookies: dict[str, str], path: str) -> requests.Response:
    return _browser(cookies).post(
        f"{base}{path}",
        headers={"X-CSRFToken": cookies["csrftoken"], "HX-Request": "true"},
        allow_redirects=False,
        timeout=60,
    )


def test_approvals_spread_over_two_instances_send_one_put_per_leave(
    upstream,
    stack,
    database,  # noqa: F811 - the imported fixture
):
    server, _, leaves = upstream
    bases, logs = stack
    cookies = _sign_in(bases[0], "manager@sandbox.test")  # signed in on one, used on both
    attempts = [(bases[n % 2], leave_id) for n, leave_id in enumerate(leaves * 4)]
    server.state.calls.clear()
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(
            pool.map(lambda a: _post(a[0], cookies, f"/w/{WS}/leaves/{a[1]}/approve/"), attempts)
        )
    assert [a.status_code for a in answers] == [200] * len(attempts), _tail(logs)
    puts = server.state.calls.records(method="PUT")
    assert sorted(call["path"].split("/")[-2] for call in puts) == sorted(leaves)
    assert {server.state.leave(leave_id)["status"] for leave_id in leaves} == {"approved"}
    decisions = _rows(database, "SELECT leave_id, state FROM dashboard_leavedecision")
    assert sorted(decisions) == sorted((leave_id, "done") for leave_id in leaves)
    told = [html.unescape(a.text) for a in answers]
    assert sum(": Approved." in text for text in told) == LEAVES  # the others: already / now
    assert server.state.calls.count(status=429) == 0


def test_one_persons_allowance_holds_across_instances_and_workers(upstream, stack):
    """Seventy lists nobody asked for yet, alternating between the instances, and balance
    refreshes handed to the workers, all within a minute: WebWork sees at most 58 of the
    person's calls, 50 of them reads, and never answers 429."""
    server, _, _ = upstream
    bases, logs = stack
    owner = 1001
    cookies = _sign_in(bases[1], "owner@sandbox.test")
    active = [m["id"] for m in server.state.members_for(WS) if m["status"] == "active"]
    lists = [f"member={m}&status={s}" for s in ("approved", "rejected") for m in active][:70]
    started = time.monotonic()
    used_up = 0
    for index, query in enumerate(lists):
        if index % 14 == 0:  # now and then a refresh, which a worker runs
            assert _post(bases[index % 2], cookies, f"/w/{WS}/balances/refresh/").ok
        page = _browser(cookies).get(f"{bases[index % 2]}/w/{WS}/leaves/?{query}", timeout=60)
        assert page.status_code == 200, _tail(logs)
        used_up += USED_UP in html.unescape(page.text)
    time.sleep(2)  # the workers' refreshes have run (or been refused) by now
    assert time.monotonic() - started < 60  # all of it inside one of WebWork's minutes
    calls = server.state.calls
    assert used_up > 0
    assert calls.count(status=429, user_id=owner) == 0
    assert calls.max_in_window(60, user_id=owner, path=API) <= CALLS_PER_MINUTE
    reads = calls.count(method="GET", user_id=owner, path=API)
    assert reads <= CALLS_PER_MINUTE - WRITE_RESERVE, calls.counts(user_id=owner)


def test_a_cold_page_opened_on_both_instances_at_once_is_fetched_once(upstream, stack):
    server, third, _ = upstream
    bases, logs = stack
    cookies = _sign_in(bases[0], third)
    member = next(m["id"] for m in server.state.members_for(WS) if m["status"] == "active")
    url = f"/w/{WS}/leaves/?member={member}&status=pending&paid=yes"
    server.state.add_fault(path="^/api/v2/leaves$", method="GET", latency_ms=600)
    server.state.calls.clear()
    barrier = threading.Barrier(6)

    def tab(index: int) -> int:
        browser = _browser(cookies)
        barrier.wait(10)
        return browser.get(f"{bases[index % 2]}{url}", timeout=60).status_code

    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(pool.map(tab, range(6)))
    finally:
        server.state.clear_faults()
    assert statuses == [200] * 6, _tail(logs)
    fetched = [
        call
        for call in server.state.calls.records(method="GET", path="^/api/v2/leaves$")
        if call["query"].get("user_id") == str(member)
    ]
    assert len(fetched) == 1, fetched
