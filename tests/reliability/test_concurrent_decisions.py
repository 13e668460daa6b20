"""R-09 on PostgreSQL: 1,000 concurrent approve/reject attempts on 50 leaves by 10 managers.

The dashboard runs as it does in production: gunicorn with several worker processes and
threads, on its own throwaway PostgreSQL database, against a sandbox over HTTP. Each manager
signs in through the real OAuth flow. The attempts are fired from a thread pool; WebWork must
see exactly one decision per leave.
"""

import datetime as dt
import os
import random
import statistics
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests

from sandbox.server import SandboxServer
from tests import needs

from ..security.support import PYTHON, ROOT, free_port

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(600)]

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
LEAVES = 50
MANAGERS = 10
ATTEMPTS = 1000
SENDERS = 24  # concurrent HTTP clients
WS = 1


def _connect(url: str, **kwargs):
    import psycopg

    return psycopg.connect(url, connect_timeout=3, **kwargs)


@pytest.fixture(scope="module")
def database():
    """A throwaway database on the PostgreSQL server; skipped when there is none."""
    try:
        admin = _connect(POSTGRES_URL, autocommit=True)
    except Exception as exc:  # no server: skip unless it is required
        needs.missing("postgres", f"PostgreSQL unreachable at {POSTGRES_URL} ({exc})")
    name = f"wwld_r09_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(POSTGRES_URL)._replace(path=f"/{name}"))
    try:
        yield url
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="module")
def upstream():
    """A sandbox of its own: 50 pending leaves, 10 extra Executive managers, no rate limit."""
    server = SandboxServer().start()
    state = server.state
    state.config.update(rate_limit=0)
    for leave in state.leaves_for(WS, status="pending"):
        state.decide(leave["id"], "approved", by_user_id=1001)
    members = [
        m
        for m in state.members_for(WS)
        if m["current_role"] == "Regular User" and m["status"] == "active" and m["id"] > 1004
    ]
    managers = members[:MANAGERS]
    for manager in managers:
        state.set_role(WS, manager["id"], "Executive manager")
    others = members[MANAGERS:]
    start = dt.date(2032, 3, 1)
    leaves = [
        state.add_leave(
            WS, others[i % len(others)]["id"], start + dt.timedelta(weeks=i), policy_id=101
        )["id"]
        for i in range(LEAVES)
    ]
    assert len(state.leaves_for(WS, status="pending")) == LEAVES
    yield server, [m["email"] for m in managers], leaves
    server.stop()


@pytest.fixture(scope="module")
def dashboard(database, upstream, tmp_path_factory):
    """gunicorn (3 processes x 4 threads) serving the dashboard on PostgreSQL."""
    server, _, _ = upstream
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "REDIS", "CELERY", "TEST_CELERY"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database,
            "WEBWORK_API_URL": server.api_url,
            "WEBWORK_OAUTH_URL": server.oauth_url,
            "WEBWORK_CLIENT_ID": "sandbox-client",
            "WEBWORK_CLIENT_SECRET": "sandbox-secret",
            "PYTHONPATH": str(ROOT),
        }
    )
    migrate(env)
    port = free_port()
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and app
            [
                PYTHON,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "3",
                "--threads",
                "4",
                "--timeout",
                "60",
            ],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, lambda: log.read_text()[-3000:])
        yield base, log
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


def migrate(env: dict[str, str]) -> None:
    """Create the tables of the database `env` names (DATABASE_URL)."""
    subprocess.run(  # noqa: S603 - our own manage.py
        [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=180,
    )


def wait_until_up(base: str, describe) -> None:
    """Wait until the dashboard at `base` answers /healthz; fail with `describe()` if it won't."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.2)
    pytest.fail(f"{base} did not start:\n" + describe(), pytrace=False)


def _sign_in(base: str, email: str) -> dict[str, str]:
    """The OAuth flow over HTTP, with login_hint; returns the browser's cookies."""
    browser = requests.Session()
    browser.get(f"{base}/accounts/login/", timeout=10)
    start = browser.post(
        f"{base}/accounts/webwork/login/",
        data={"csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        allow_redirects=False,
        timeout=10,
    )
    assert start.status_code == 302, start.text[:300]
    authorize = urlsplit(start.headers["Location"])
    query = parse_qs(authorize.query) | {"login_hint": [email]}
    consent = requests.get(
        urlunsplit(authorize._replace(query=urlencode(query, doseq=True))),
        allow_redirects=False,
        timeout=10,
    )
    callback = urlsplit(consent.headers["Location"])
    done = browser.get(f"{base}{callback.path}?{callback.query}", allow_redirects=False, timeout=15)
    assert done.status_code == 302, done.text[:300]
    assert browser.get(f"{base}/w/{WS}/", timeout=15).status_code == 200
    return browser.cookies.get_dict()


def _attempt(base: str, cookies: dict[str, str], leave_id: str, action: str, htmx: bool):
    browser = requests.Session()
    browser.cookies.update(cookies)
    headers = {"X-CSRFToken": cookies["csrftoken"]}
    if htmx:
        headers["HX-Request"] = "true"
    started = time.perf_counter()
    response = browser.post(
        f"{base}/w/{WS}/leaves/{leave_id}/{action}/",
        data={"reason": "Coverage is too thin that week"} if action == "reject" else {},
        headers=headers,
        allow_redirects=False,
        timeout=60,
    )
    return response.status_code, time.perf_counter() - started, response.text if htmx else ""


def _rows(database: str, sql: str) -> list[tuple]:
    with _connect(database) as connection:
        return connection.execute(sql).fetchall()


def test_a_thousand_concurrent_attempts_make_exactly_fifty_decisions(
    database, upstream, dashboard, record_property
):
    server, emails, leaves = upstream
    base, log = dashboard
    sessions = [_sign_in(base, email) for email in emails]
    rng = random.Random(20261128)
    plan = [
        (
            sessions[rng.randrange(MANAGERS)],
            rng.choice(leaves),
            rng.choice(("approve", "reject")),
            rng.random() < 0.5,
        )
        for _ in range(ATTEMPTS)
    ]
    # Every leave is asked for at least twice, so each one is contended.
    for index, leave_id in enumerate(leaves * 2):
        plan[index] = (plan[index][0], leave_id, plan[index][2], plan[index][3])
    rng.shuffle(plan)
    server.state.calls.clear()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=SENDERS) as pool:
        results = list(pool.map(lambda item: _attempt(base, *item), plan))
    elapsed = time.perf_counter() - started

    statuses = [status for status, _, _ in results]
    latencies = sorted(seconds for _, seconds, _ in results)
    server_errors = [s for s in statuses if s >= 500]
    puts = server.state.calls.records(method="PUT")
    audit = _rows(database, "SELECT leave_id, action, outcome FROM dashboard_auditentry")
    decisions = _rows(
        database, "SELECT leave_id, state, result_status FROM dashboard_leavedecision"
    )
    record_property("attempts", len(results))
    record_property("seconds", round(elapsed, 1))
    record_property("p95_seconds", round(latencies[int(0.95 * len(latencies))], 3))
    record_property("median_seconds", round(statistics.median(latencies), 3))
    record_property("upstream_puts", len(puts))

    assert len(results) == ATTEMPTS
    assert server_errors == [], log.read_text()[-3000:]
    assert set(statuses) <= {200, 302}
    assert len(puts) == LEAVES
    assert sorted(urlsplit(call["path"]).path.split("/")[-2] for call in puts) == sorted(leaves)
    assert all(call["status"] == 200 for call in puts)
    assert len(audit) == LEAVES
    assert {outcome for _, _, outcome in audit} == {"done"}
    assert sorted(leave_id for leave_id, _, _ in audit) == sorted(leaves)
    upstream_status = {leave_id: server.state.leave(leave_id)["status"] for leave_id in leaves}
    assert set(upstream_status.values()) <= {"approved", "rejected"}
    assert {leave_id: (state, status) for leave_id, state, status in decisions} == {
        leave_id: ("done", status) for leave_id, status in upstream_status.items()
    }
    htmx_texts = [text for _, _, text in results if text]
    told_already = sum(
        "Already" in text or "deciding this request right now" in text for text in htmx_texts
    )
    assert told_already >= len(htmx_texts) - LEAVES


def test_fifty_requests_at_token_expiry_refresh_it_once_across_processes(
    upstream, dashboard, record_property
):
    """R-11: WebWork rotates refresh tokens; racing refreshes would sign the person out."""
    server, emails, _ = upstream
    base, log = dashboard
    cookies = _sign_in(base, emails[0])
    user_id = server.state.user_by_email(emails[0]).id
    members = [m["id"] for m in server.state.members_for(WS)]
    server.state.expire_access_tokens(user_id=user_id)  # WebWork now answers 401
    server.state.calls.clear()

    def page(index: int) -> int:
        browser = requests.Session()
        browser.cookies.update(cookies)
        member = members[index % len(members)]
        url = f"{base}/w/{WS}/leaves/?member={member}&status=approved&page={index // 40 + 1}"
        return browser.get(url, allow_redirects=False, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=25) as pool:
        statuses = list(pool.map(page, range(50)))
    refreshes = server.state.calls.count(path="^/oauth/token$", user_id=user_id)
    record_property("refreshes", refreshes)
    assert statuses == [200] * 50, log.read_text()[-3000:]
    assert refreshes == 1
    assert server.state.calls.count(path="^/api/v2/", status=401) >= 1
