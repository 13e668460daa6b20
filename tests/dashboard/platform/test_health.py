"""`/healthz`: 200 while the process can serve, the body says what is down; WebWork is probed
without a token, with a short timeout, and at most once per 30 s whatever the probe rate."""

import socket
import time

import pytest
import time_machine
from django.core.cache import cache
from django.db.utils import OperationalError

from config.celery import app as celery_app
from dashboard.platform import health
from dashboard.tasks import worker_heartbeat_task

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_probes():
    health.forget_webwork_probes()
    yield
    health.forget_webwork_probes()


@pytest.fixture
def stalled_port():
    """A port that accepts connections and never answers (a hung Redis)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield server.getsockname()[1]
    server.close()


def probes(webwork) -> list[dict]:
    return webwork.state.calls.records(method="GET", path="^/api/v2/?$")


def test_all_up_is_200_ok_with_each_check_named(webwork, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    assert body["down"] == []
    assert set(body["checks"]) == {"database", "cache", "broker", "worker", "webwork"}
    assert all(check["status"] == "ok" for check in body["checks"].values())
    assert body["checks"]["webwork"]["detail"] == "reachable"
    assert all(isinstance(check["ms"], float) for check in body["checks"].values())


def test_head_is_answered_for_load_balancers(webwork, client):
    response = client.head("/healthz")
    assert response.status_code == 200
    assert response.content == b""
    assert client.post("/healthz").status_code == 405


def test_webwork_down_is_degraded_but_still_200(client, settings):
    settings.WEBWORK_API_URL = f"http://127.0.0.1:{_closed_port()}/api/v2"
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["down"] == ["webwork"]
    assert body["checks"]["webwork"]["detail"] == "unreachable"


def test_database_down_is_503(client, monkeypatch):
    def broken():
        raise OperationalError("connection refused")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    monkeypatch.setitem(health.CHECKS, "webwork", lambda: ("ok", "reachable"))
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["database"] == {
        "status": "down",
        "ms": body["checks"]["database"]["ms"],
        "detail": "OperationalError",
    }


def test_any_http_answer_means_reachable_and_no_token_is_sent(webwork):
    webwork.state.add_fault(path="^/api/v2/?$", status=503)
    reachable, age = health.webwork_reachable(webwork.api_url)
    assert reachable is True
    assert age < 1
    (probe,) = probes(webwork)
    assert probe["status"] == 503
    assert probe["token_id"] is None
    assert probe["user_id"] is None
    assert probe["client_id"] is None


def test_a_dropped_connection_means_unreachable(webwork):
    webwork.state.add_fault(path="^/api/v2/?$", drop=True)
    assert health.webwork_reachable(webwork.api_url) == (False, pytest.approx(0, abs=1))


def test_a_slow_webwork_is_unreachable_after_about_one_second(webwork):
    webwork.state.add_fault(path="^/api/v2/?$", latency_ms=5000)
    started = time.perf_counter()
    reachable, _ = health.webwork_reachable(webwork.api_url)
    elapsed = time.perf_counter() - started
    assert reachable is False
    assert 0.9 < elapsed < 2.0


def test_load_balancer_probes_reach_webwork_once_per_30_seconds(webwork, client):
    with time_machine.travel(1_900_000_000, tick=True) as clock:
        for _ in range(10):
            assert client.get("/healthz").json()["checks"]["webwork"]["status"] == "ok"
        assert len(probes(webwork)) == 1
        clock.shift(20)
        assert client.get("/healthz").json()["checks"]["webwork"]["age_s"] >= 20
        assert len(probes(webwork)) == 1
        clock.shift(11)
        assert client.get("/healthz").json()["checks"]["webwork"]["age_s"] < 1
        assert len(probes(webwork)) == 2


def test_other_processes_reuse_the_shared_answer(webwork):
    health.webwork_reachable(webwork.api_url)
    health.forget_webwork_probes()  # as seen from another web process: nothing remembered
    health.webwork_reachable(webwork.api_url)
    assert len(probes(webwork)) == 1


def test_a_down_shared_cache_still_limits_probes_per_process(webwork, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "dashboard.platform.cache_backend.FailSoftRedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_timeout": 0.2, "socket_connect_timeout": 0.2},
        }
    }
    for _ in range(5):
        assert health.webwork_reachable(webwork.api_url)[0] is True
    assert len(probes(webwork)) == 1


def test_cache_and_broker_down_are_reported_within_their_timeouts(
    webwork, client, settings, stalled_port, monkeypatch
):
    """A Redis that accepts and never answers: each check gives up after its short timeout."""
    stalled = f"redis://127.0.0.1:{stalled_port}/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "dashboard.platform.cache_backend.FailSoftRedisCache",
            "LOCATION": stalled,
            "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }
    }
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setitem(celery_app.conf, "broker_url", stalled)
    started = time.perf_counter()
    response = client.get("/healthz")
    elapsed = time.perf_counter() - started
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert sorted(body["down"]) == ["broker", "cache"]
    assert elapsed < 2.5  # 0.5 s for the cache, twice 0.5 s for the broker
    assert stalled not in response.content.decode()  # details never carry URLs


def _closed_port() -> int:
    """A local port with nothing listening (connections are refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    ("age", "status", "detail"),
    [
        (None, "unknown", "no heartbeat seen yet"),
        (30, "ok", "heartbeat"),
        (400, "down", "no heartbeat for 400 s"),
    ],
)
def test_the_worker_is_judged_by_its_last_heartbeat(
    client, settings, webwork, monkeypatch, age, status, detail
):
    """With a broker, a worker that stopped taking beat's heartbeat task shows as down."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setitem(health.CHECKS, "broker", lambda: ("ok", "redis"))  # none in this test
    cache.delete(health.WORKER_HEARTBEAT_KEY)
    if age is not None:
        cache.set(health.WORKER_HEARTBEAT_KEY, time.time() - age)
    body = client.get("/healthz").json()
    assert body["checks"]["worker"]["status"] == status
    assert body["checks"]["worker"]["detail"].startswith(detail)
    assert body["down"] == (["worker"] if status == "down" else [])
    assert body["status"] == ("degraded" if status == "down" else "ok")


def test_the_heartbeat_task_records_when_a_worker_ran_it():
    cache.delete(health.WORKER_HEARTBEAT_KEY)
    before = time.time()
    worker_heartbeat_task.delay()
    assert before <= cache.get(health.WORKER_HEARTBEAT_KEY) <= time.time()
