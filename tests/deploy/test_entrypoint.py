"""The image's entrypoint, run as the container runs it: production settings, a copy of the
image's files, SQLite or PostgreSQL, gunicorn serving /healthz."""

import http.client
import json
import re
import sqlite3
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from .support import (
    HOST,
    free_port,
    production_environ,
    run_entrypoint,
    running,
    running_web,
)


def _get(port: int, path: str, **headers: str) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Host": HOST, **headers})
    response = conn.getresponse()
    response.body = response.read()
    return response


def _post(port: int, path: str, body: str, **headers: str) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(
        "POST",
        path,
        body=body,
        headers={"Host": HOST, "Content-Type": "application/x-www-form-urlencoded", **headers},
    )
    response = conn.getresponse()
    response.body = response.read()
    return response


@pytest.fixture
def sqlite_env(tmp_path):
    return production_environ(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", TMPDIR=str(tmp_path)
    )


def test_check_deploy_passes_with_production_settings(image_tree, sqlite_env):
    done = run_entrypoint(
        image_tree, ["manage", "check", "--deploy", "--fail-level", "WARNING"], env=sqlite_env
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "System check identified no issues" in done.stdout


def test_migrate_creates_the_tables_once(image_tree, sqlite_env, tmp_path):
    first = run_entrypoint(image_tree, ["migrate"], env=sqlite_env)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "Applying dashboard.0001_initial... OK" in first.stdout
    tables = {
        row[0]
        for row in sqlite3.connect(tmp_path / "db.sqlite3").execute(
            "select name from sqlite_master where type = 'table'"
        )
    }
    assert {"dashboard_auditentry", "dashboard_leavedecision", "django_session"} <= tables
    second = run_entrypoint(image_tree, ["migrate"], env=sqlite_env)
    assert second.returncode == 0
    assert "No migrations to apply." in second.stdout


def test_missing_secrets_stop_every_command_and_are_named(image_tree, tmp_path):
    env = production_environ(SECRET_KEY=None, WEBWORK_CLIENT_SECRET=None, TMPDIR=str(tmp_path))
    done = run_entrypoint(image_tree, ["migrate"], env=env)
    assert done.returncode != 0
    assert (
        "Production settings need these environment variables: "
        "SECRET_KEY, WEBWORK_CLIENT_SECRET" in done.stderr
    )


def test_other_commands_run_as_given_with_production_settings(image_tree, sqlite_env):
    done = run_entrypoint(
        image_tree, ["sh", "-c", 'echo "$DJANGO_SETTINGS_MODULE $PWD"'], env=sqlite_env
    )
    assert done.returncode == 0
    settings_module, cwd = done.stdout.split()
    assert settings_module == "config.settings.production"
    assert cwd == str(image_tree.parent.parent)


def test_rotate_token_key_is_available(image_tree, sqlite_env):
    run_entrypoint(image_tree, ["migrate"], env=sqlite_env, check=True)
    done = run_entrypoint(image_tree, ["manage", "rotate_token_key"], env=sqlite_env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Re-encrypted 0 token(s)." in done.stdout


def test_healthcheck_knows_what_its_container_runs(image_tree, sqlite_env):
    # Nothing has run in this "container" yet: no answer to give.
    nothing = run_entrypoint(image_tree, ["healthcheck"], env=sqlite_env)
    assert nothing.returncode == 1
    assert "no command recorded" in nothing.stderr
    # A one-off command ran: nothing to ask (a web or worker container is asked for real).
    run_entrypoint(image_tree, ["manage", "check"], env=sqlite_env, check=True)
    assert run_entrypoint(image_tree, ["healthcheck"], env=sqlite_env).returncode == 0


@pytest.mark.postgres
def test_migrate_and_check_against_postgresql(image_tree, postgres_database, tmp_path):
    env = production_environ(DATABASE_URL=postgres_database, TMPDIR=str(tmp_path))
    migrate = run_entrypoint(image_tree, ["migrate"], env=env)
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    assert "Applying webwork_oauth.0001_initial... OK" in migrate.stdout
    check = run_entrypoint(
        image_tree,
        ["manage", "check", "--deploy", "--database", "default", "--fail-level", "WARNING"],
        env=env,
    )
    assert check.returncode == 0, check.stderr[-3000:]
    again = run_entrypoint(image_tree, ["migrate"], env=env)
    assert "No migrations to apply." in again.stdout


class TestWeb:
    """gunicorn started by `web`, behind a (simulated) TLS proxy."""

    @pytest.fixture(scope="class")
    def web(self, image_tree, tmp_path_factory):
        tmp = tmp_path_factory.mktemp("web")
        env = production_environ(
            DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
            TMPDIR=str(tmp),
            WEB_CONCURRENCY="2",
            GUNICORN_THREADS="2",
            # WebWork: nothing listens there, so it is reported down (the answer is still 200).
            WEBWORK_API_URL=f"http://127.0.0.1:{free_port()}/api/v2",
        )
        run_entrypoint(image_tree, ["migrate"], env=env, check=True)
        with running_web(image_tree, env=env, log=tmp / "web.log") as process:
            yield process
            assert process.stop() == 0, process.output()[-3000:]

    def test_healthz_is_200_json_with_every_check(self, web):
        response = _get(web.port, "/healthz")
        assert response.status == 200
        report = json.loads(response.body)
        assert report["status"] == "degraded"
        assert report["down"] == ["webwork"]
        assert report["checks"]["database"]["detail"] == "sqlite"
        assert set(report["checks"]) == {"database", "cache", "broker", "worker", "webwork"}

    def test_gunicorn_runs_the_configured_workers_and_threads(self, web):
        output = web.output()
        assert "Using worker: gthread" in output
        assert len(re.findall(r"Booting worker with pid", output)) == 2

    def test_one_json_line_per_request_and_no_access_log(self, web):
        _get(web.port, "/healthz", **{"X-Request-Id": "probe-from-the-test-0001"})
        lines = [
            json.loads(line)
            for line in web.output().splitlines()
            if line.startswith("{") and '"dashboard.request"' in line
        ]
        (line,) = [item for item in lines if item["request_id"] == "probe-from-the-test-0001"]
        assert line["path"] == "/healthz"
        assert line["status"] == 200
        assert "GET /healthz HTTP/1.1" not in web.output()

    def test_plain_http_is_redirected_to_https_but_healthz_is_not(self, web):
        response = _get(web.port, "/accounts/login/")
        assert response.status == 301
        assert response.headers["Location"] == f"https://{HOST}/accounts/login/"
        assert _get(web.port, "/healthz").status == 200

    def test_behind_the_tls_proxy_the_oauth_redirect_uri_is_https(self, web):
        page = _get(web.port, "/accounts/login/", **{"X-Forwarded-Proto": "https"})
        assert page.status == 200
        assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        cookie = page.headers["Set-Cookie"]
        assert cookie.startswith("__Host-csrftoken=")
        assert "Secure" in cookie
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1)
        response = _post(
            web.port,
            "/accounts/webwork/login/",
            f"csrfmiddlewaretoken={token.decode()}",
            **{
                "X-Forwarded-Proto": "https",
                "Cookie": cookie.split(";")[0],
                "Origin": f"https://{HOST}",
            },
        )
        assert response.status == 302, response.body[:500]
        location = response.headers["Location"]
        assert location.startswith("https://webwork-tracker.com/oauth/authorize?")
        redirect_uri = parse_qs(urlsplit(location).query)["redirect_uri"]
        assert redirect_uri == [f"https://{HOST}/accounts/webwork/login/callback/"]

    def test_the_healthcheck_fails_when_the_database_is_gone(self, web, tmp_path):
        """Another web process whose database cannot be opened: 503, and unhealthy."""
        env = {
            **web.env,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'db.sqlite3'}",
            "PORT": str(free_port()),
            "TMPDIR": str(tmp_path),
        }
        with running(web.entrypoint, ["web"], env=env, log=tmp_path / "web.log") as broken:
            response = _wait_for_http(int(env["PORT"]), "/healthz")
            assert response.status == 503
            assert json.loads(response.body)["checks"]["database"]["status"] == "down"
            assert broken.healthcheck() == 1


def _wait_for_http(port: int, path: str, timeout: float = 30) -> http.client.HTTPResponse:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return _get(port, path)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
