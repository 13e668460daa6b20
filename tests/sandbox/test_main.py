import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_python_m_sandbox_starts_answers_and_stops():
    port = free_port()
    env = {**os.environ, "WEBWORK_CLIENT_ID": "cli-client", "WEBWORK_CLIENT_SECRET": "cli-secret"}
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "sandbox",
            "--port",
            str(port),
            "--members",
            "12",
            "--rate-limit",
            "5",
            "--anchor",
            "2026-02-02",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                if requests.get(f"{base}/_sandbox/healthz", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "the sandbox did not come up"
            time.sleep(0.05)

        code_redirect = requests.get(
            f"{base}/oauth/authorize",
            params={
                "client_id": "cli-client",
                "redirect_uri": "http://127.0.0.1:1/cb",
                "response_type": "code",
                "login_hint": "owner@sandbox.test",
            },
            allow_redirects=False,
            timeout=5,
        )
        code = code_redirect.headers["Location"].split("code=")[1].split("&")[0]
        tokens = requests.post(
            f"{base}/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": "http://127.0.0.1:1/cb",
            },
            auth=("cli-client", "cli-secret"),
            timeout=5,
        ).json()
        members = requests.get(
            f"{base}/api/v2/members",
            params={"workspace_id": 1},
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
            timeout=5,
        )
        assert members.json()["meta"]["pagination"]["total"] == 12
        assert members.headers["X-RateLimit-Limit"] == "5"
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert f"WEBWORK_API_URL={base}/api/v2" in out
    for email in ("owner@sandbox.test", "manager@sandbox.test", "member@sandbox.test"):
        assert email in out
