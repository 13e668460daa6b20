"""`make run`: the Procfile's processes under honcho, wired to each other on the ports chosen
with SANDBOX_PORT and DASHBOARD_PORT, all of them gone after Ctrl-C."""

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.oauth_flow import with_params
from tests.ports import free_port

from .support import ROOT, alive, base_environ, descendants, port_open, wait_for_ports

PROCFILE = ROOT / "Procfile"


def _ports() -> tuple[int, int]:
    sandbox = free_port()
    dashboard = free_port()
    while dashboard == sandbox:
        dashboard = free_port()
    return sandbox, dashboard


def _environ(tmp_path, sandbox_port: int, dashboard_port: int) -> dict[str, str]:
    """A clean environment: the two ports, a database of its own, and nothing a developer's
    .env could wire otherwise (an empty variable in the environment wins over .env and means
    "unset": the sandbox's defaults)."""
    env = base_environ()
    env.update(
        {
            "SANDBOX_PORT": str(sandbox_port),
            "DASHBOARD_PORT": str(dashboard_port),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SETTINGS_MODULE": "",
            "REDIS_URL": "",
            "WEBWORK_API_URL": "",
            "WEBWORK_OAUTH_URL": "",
            "WEBWORK_OAUTH_BROWSER_URL": "",
            "WEBWORK_CLIENT_ID": "",
            "WEBWORK_CLIENT_SECRET": "",
        }
    )
    return env


def _make_run(env, log):
    """`make run` as a terminal runs it: the leader of its own process group."""
    return subprocess.Popen(
        ["make", "--no-print-directory", "run"],  # noqa: S607 - make from PATH, as a developer
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def test_the_procfile_names_the_three_processes():
    processes = dict(re.findall(r"^([a-z]+): (.+)$", PROCFILE.read_text(), flags=re.MULTILINE))
    assert set(processes) == {"sandbox", "web", "worker"}
    assert "--port ${SANDBOX_PORT:-8001}" in processes["sandbox"]
    assert "runserver 127.0.0.1:${DASHBOARD_PORT:-8000}" in processes["web"]
    assert "worker --beat" in processes["worker"]


def test_make_run_wires_the_chosen_ports_and_ctrl_c_stops_every_process(tmp_path):
    sandbox_port, dashboard_port = _ports()
    dashboard = f"http://127.0.0.1:{dashboard_port}"
    log_path = tmp_path / "make-run.log"
    with log_path.open("w") as log:
        make = _make_run(_environ(tmp_path, sandbox_port, dashboard_port), log)
        try:
            wait_for_ports(make, [sandbox_port, dashboard_port], log_path.read_text)
            processes = descendants(make.pid)
            commands = " | ".join(processes.values())
            assert "honcho start" in commands
            assert f"-m sandbox --host 127.0.0.1 --port {sandbox_port}" in commands
            assert f"runserver 127.0.0.1:{dashboard_port}" in commands
            assert "celery" not in commands  # no REDIS_URL: tasks run inline

            # Sign in: the dashboard sends the browser to the sandbox on its port, and the
            # sandbox sends it back to the dashboard on its own.
            browser = requests.Session()
            page = browser.get(f"{dashboard}/accounts/login/", timeout=10)
            assert page.status_code == 200
            assert "Sign in with WebWork" in page.text
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
            started = browser.post(
                f"{dashboard}/accounts/webwork/login/",
                data={"csrfmiddlewaretoken": token.group(1)},
                headers={"Origin": dashboard},
                allow_redirects=False,
                timeout=10,
            )
            assert started.status_code == 302, started.text[:500]
            location = started.headers["Location"]
            assert location.startswith(f"http://127.0.0.1:{sandbox_port}/oauth/authorize?")
            assert parse_qs(urlsplit(location).query)["redirect_uri"] == [
                f"{dashboard}/accounts/webwork/login/callback/"
            ]
            consent = browser.get(
                with_params(location, login_hint="manager@sandbox.test"),
                allow_redirects=False,
                timeout=10,
            )
            assert consent.headers["Location"].startswith(f"{dashboard}/accounts/webwork/")
            landed = browser.get(consent.headers["Location"], timeout=30)
            assert landed.status_code == 200, landed.text[:500]
            assert urlsplit(landed.url).path == "/w/1/"
            assert "Northwind Studio" in landed.text
        finally:
            # Ctrl-C: the terminal sends SIGINT to the foreground process group.
            with_children = descendants(make.pid)
            if make.poll() is None:
                os.killpg(make.pid, signal.SIGINT)
            try:
                make.wait(timeout=20)
            except subprocess.TimeoutExpired:
                for pid in [make.pid, *with_children]:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                raise
    output = log_path.read_text()
    assert f"Open      {dashboard}/" in output
    assert "manager@sandbox.test" in output
    assert "SIGINT received" in output
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in with_children) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = {pid: command for pid, command in with_children.items() if alive(pid)}
    assert left == {}, output[-2000:]
    assert not port_open(sandbox_port)
    assert not port_open(dashboard_port)


def test_a_busy_port_stops_make_run_with_a_clear_message(tmp_path):
    sandbox_port, _ = _ports()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        done = subprocess.run(
            ["make", "--no-print-directory", "run"],  # noqa: S607 - as a developer runs it
            cwd=ROOT,
            env=_environ(tmp_path, sandbox_port, busy),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode != 0
    assert f"Port {busy} is already in use." in done.stderr
    assert "SANDBOX_PORT=8011 DASHBOARD_PORT=8010 make run" in done.stderr
    assert not port_open(sandbox_port)  # nothing was started


@pytest.mark.parametrize("value", ["80x", "0", "70000"])
def test_a_port_that_is_not_a_port_is_refused(tmp_path, value):
    env = _environ(tmp_path, *_ports())
    env["SANDBOX_PORT"] = value
    done = subprocess.run(  # noqa: S603 - our own script
        [str(ROOT / "bin" / "run")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 1
    assert f"SANDBOX_PORT must be a port number (1-65535), not '{value}'." in done.stderr
