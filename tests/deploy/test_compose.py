"""compose.yaml against the code: each service's command, environment and health check is one
the entrypoint, the settings and the URLs actually have."""

import json
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from django.urls import resolve

from dashboard.views.health import healthz

from .support import (
    DASHBOARD_SERVICES,
    ROOT,
    base_environ,
    compose,
    dockerfile_stages,
    entrypoint_commands,
    entrypoint_variables,
    interpolate,
    service_environment,
    settings_variables,
)

PRODUCTION_READS = settings_variables("base", "production")
# Read by the settings but deliberately not passed to containers.
NOT_PASSED = {
    "DEBUG": "never on in a deployed container",
    "CELERY_BROKER_URL": "the broker is REDIS_URL",
    "WEBHOOK_ALLOW_LOCAL": "development and tests only: deployed webhooks stay on public https",
}
# A production .env: what docs/operations.md asks for.
PRODUCTION_DOTENV = {
    "SECRET_KEY": "prod-" + "Zr8-Lq2_Vx7+Nt4/Kw9=Hm3.Jc6" * 3,
    "TOKEN_ENCRYPTION_KEY": "kJ8a4mC2Vq1n0Zb7Lr3xYtP9sW6eUoH5gFdA2cBvN1E=",
    "ALLOWED_HOSTS": "leave.example.com",
    "WEBWORK_CLIENT_ID": "prod-client",
    "WEBWORK_CLIENT_SECRET": "prod-client-secret-value",
    "WEBWORK_API_URL": "https://api.webwork-tracker.com/api/v2",
    "WEBWORK_OAUTH_URL": "https://webwork-tracker.com/oauth",
    "POSTGRES_PASSWORD": "Strong0Password1",
}


@pytest.fixture(scope="module")
def services() -> dict:
    return compose()["services"]


def _settings_in_subprocess(env: dict[str, str]) -> subprocess.CompletedProcess:
    names = [
        "DEMO",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "ACCOUNT_DEFAULT_HTTP_PROTOCOL",
        "WEBWORK_API_URL",
        "WEBWORK_OAUTH_URL",
        "WEBWORK_OAUTH_BROWSER_URL",
        "ALLOWED_HOSTS",
    ]
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    return subprocess.run(  # noqa: S603 - our interpreter
        [sys.executable, "-c", code],
        env={
            **env,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "PYTHONPATH": str(ROOT),
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_services_and_the_demo_profile(services):
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "beat", "sandbox"}
    assert services["sandbox"]["profiles"] == ["demo"]
    assert [name for name, s in services.items() if s.get("profiles")] == ["sandbox"]


def test_dashboard_services_run_one_image_by_entrypoint_command(services):
    stages = dockerfile_stages()
    images = {services[name]["image"] for name in DASHBOARD_SERVICES}
    assert len(images) == 1
    for name in DASHBOARD_SERVICES:
        service = services[name]
        assert service["build"] == {"context": ".", "target": "runtime"}
        assert service["command"] == [name]
        assert name in entrypoint_commands()
    assert "runtime" in stages
    assert services["sandbox"]["build"]["target"] == "sandbox"
    assert "sandbox" in stages
    assert services["sandbox"]["image"] not in images


def test_migrations_run_once_before_everything_else(services):
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}
        assert depends["postgres"] == {"condition": "service_healthy"}
        assert depends["redis"] == {"condition": "service_healthy"}


def test_every_variable_passed_to_the_dashboard_is_one_the_code_reads(services):
    readers = PRODUCTION_READS | entrypoint_variables()
    for name in DASHBOARD_SERVICES:
        passed = set(services[name]["environment"])
        assert passed - readers == set(), f"{name} sets variables nothing reads"


def test_every_variable_production_reads_is_passed_or_deliberately_not(services):
    passed = set(services["web"]["environment"])
    assert PRODUCTION_READS - passed - set(NOT_PASSED) == set()
    assert set(NOT_PASSED) <= PRODUCTION_READS  # the exceptions are still real
    assert not set(NOT_PASSED) & passed


def test_gunicorn_and_worker_tunables_are_passed(services):
    passed = set(services["web"]["environment"])
    assert {"WEB_CONCURRENCY", "GUNICORN_THREADS", "WORKER_CONCURRENCY"} <= passed
    assert {"WEB_CONCURRENCY", "GUNICORN_THREADS", "WORKER_CONCURRENCY"} <= entrypoint_variables()


def test_every_interpolation_is_one_compose_understands():
    text = (ROOT / "compose.yaml").read_text()
    interpolate(text, {})  # raises on anything but ${X}, ${X:-d}, ${X-d}, nested once
    assert "${" in text


def test_health_checks_ask_what_exists(services):
    assert services["postgres"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    entry = "/app/config/docker-entrypoint.sh"
    assert services["web"]["healthcheck"]["test"] == ["CMD", entry, "healthcheck"]
    assert services["worker"]["healthcheck"]["test"] == ["CMD", entry, "healthcheck"]
    assert services["beat"]["healthcheck"] == {"disable": True}
    assert services["migrate"]["healthcheck"] == {"disable": True}
    # The path the entrypoint's healthcheck asks for is the health view.
    script = (ROOT / "config" / "docker-entrypoint.sh").read_text()
    assert "/healthz" in script
    assert resolve("/healthz").func is healthz
    # The sandbox's health URL is one its app serves.
    sandbox_check = " ".join(services["sandbox"]["healthcheck"]["test"])
    assert "http://127.0.0.1:8001/_sandbox/healthz" in sandbox_check
    from sandbox.app import create_app

    rules = {rule.rule for rule in create_app().url_map.iter_rules()}
    assert "/_sandbox/healthz" in rules


def test_the_database_and_redis_urls_point_at_the_services(services):
    env = service_environment(services["web"], PRODUCTION_DOTENV)
    database = urlsplit(env["DATABASE_URL"])
    postgres = service_environment(services["postgres"], PRODUCTION_DOTENV)
    assert database.scheme == "postgres"
    assert (database.hostname, database.port) == ("postgres", 5432)
    assert database.username == postgres["POSTGRES_USER"]
    assert database.password == postgres["POSTGRES_PASSWORD"] == "Strong0Password1"
    assert database.path == "/" + postgres["POSTGRES_DB"]
    assert urlsplit(env["REDIS_URL"]).hostname == "redis"


def test_ports_are_published_on_loopback_only(services):
    assert interpolate(services["web"]["ports"][0], {}) == "127.0.0.1:8000:8000"
    assert services["sandbox"]["ports"] == ["127.0.0.1:8001:8001"]
    # Inside its container the sandbox listens on every interface; the host publishes loopback.
    assert services["sandbox"]["command"] == ["--host", "0.0.0.0", "--port", "8001"]  # noqa: S104


def test_the_demo_wiring_reaches_the_sandbox_from_both_sides(services):
    """The dashboard calls the sandbox by its service name; browsers by the published port."""
    env = service_environment(services["web"], {})
    sandbox = service_environment(services["sandbox"], {})
    api, oauth = urlsplit(env["WEBWORK_API_URL"]), urlsplit(env["WEBWORK_OAUTH_URL"])
    assert (api.hostname, api.port) == (oauth.hostname, oauth.port) == ("sandbox", 8001)
    browser = urlsplit(env["WEBWORK_OAUTH_BROWSER_URL"])
    published_host, published_port, _ = services["sandbox"]["ports"][0].split(":")
    assert browser.hostname == "localhost"
    assert published_host == "127.0.0.1"
    assert browser.port == int(published_port)
    assert browser.path == oauth.path
    assert sandbox["WEBWORK_CLIENT_ID"] == env["WEBWORK_CLIENT_ID"] == "sandbox-client"
    assert sandbox["WEBWORK_CLIENT_SECRET"] == env["WEBWORK_CLIENT_SECRET"]


def test_the_demo_defaults_start_production_settings_as_the_local_demo(services):
    env = {**base_environ(), **service_environment(services["web"], {})}
    done = _settings_in_subprocess(env)
    assert done.returncode == 0, done.stderr[-2000:]
    values = json.loads(done.stdout.strip().splitlines()[-1])
    assert values["DEMO"] is True
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["ACCOUNT_DEFAULT_HTTP_PROTOCOL"] == "http"
    assert values["WEBWORK_OAUTH_BROWSER_URL"] == "http://localhost:8001/oauth"


def test_a_production_dotenv_overrides_every_demo_default(services):
    env = {**base_environ(), **service_environment(services["web"], PRODUCTION_DOTENV)}
    done = _settings_in_subprocess(env)
    assert done.returncode == 0, done.stderr[-2000:]
    values = json.loads(done.stdout.strip().splitlines()[-1])
    assert values["DEMO"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["ACCOUNT_DEFAULT_HTTP_PROTOCOL"] == "https"
    assert values["ALLOWED_HOSTS"] == ["leave.example.com"]
    # The browser goes where the server goes: no demo address is left over.
    assert values["WEBWORK_OAUTH_BROWSER_URL"] == values["WEBWORK_OAUTH_URL"]
    assert values["WEBWORK_OAUTH_URL"] == "https://webwork-tracker.com/oauth"


@pytest.mark.parametrize("forgotten", ["SECRET_KEY", "TOKEN_ENCRYPTION_KEY", "WEBWORK_CLIENT_ID"])
def test_a_forgotten_production_variable_stops_the_start(services, forgotten):
    """A demo default left in a production .env is refused, by name."""
    dotenv = {k: v for k, v in PRODUCTION_DOTENV.items() if k != forgotten}
    env = {**base_environ(), **service_environment(services["web"], dotenv)}
    done = _settings_in_subprocess(env)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert f"{forgotten}: demo-only values" in done.stderr
