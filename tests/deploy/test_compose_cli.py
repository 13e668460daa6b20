"""compose.yaml as Docker Compose itself reads it (`config`: no Docker engine needed), when a
Docker Compose v2 binary is on PATH or beside this interpreter; skipped otherwise.

It also checks this suite's own reading of the file (`service_environment`) against Compose's.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import needs

from .support import DASHBOARD_SERVICES, ROOT, compose, service_environment

PRODUCTION_DOTENV = {
    "SECRET_KEY": "prod-" + "Zr8-Lq2_Vx7+Nt4/Kw9=Hm3.Jc6" * 3,
    "TOKEN_ENCRYPTION_KEY": "kJ8a4mC2Vq1n0Zb7Lr3xYtP9sW6eUoH5gFdA2cBvN1E=",
    "ALLOWED_HOSTS": "leave.example.com",
    "WEBWORK_CLIENT_ID": "prod-client",
    "WEBWORK_CLIENT_SECRET": "prod-client-secret-value",
    "WEBWORK_API_URL": "https://api.webwork-tracker.com/api/v2",
    "WEBWORK_OAUTH_URL": "https://webwork-tracker.com/oauth",
    "WEBWORK_OAUTH_BROWSER_URL": "",
    "TIME_ZONE": "Europe/Paris",
    "POSTGRES_PASSWORD": "Strong0Password1",
}


def _compose_command() -> list[str] | None:
    candidates = []
    beside = shutil.which("docker-compose", path=str(Path(sys.executable).parent))
    if beside:
        candidates.append([beside])
    if shutil.which("docker-compose"):
        candidates.append([shutil.which("docker-compose")])
    if shutil.which("docker"):
        candidates.append([shutil.which("docker"), "compose"])
    for command in candidates:
        done = subprocess.run(  # noqa: S603 - a Docker Compose binary
            [*command, "version", "--short"], capture_output=True, text=True, check=False
        )
        if done.returncode == 0 and done.stdout.strip().lstrip("v").startswith("2."):
            return command
    return None


COMPOSE_COMMAND = _compose_command()
pytestmark = (
    [needs.unavailable("compose", "no Docker Compose v2 binary (no engine needed)")]
    if COMPOSE_COMMAND is None
    else []
)


def compose_config(tmp_path, dotenv: dict[str, str], *profiles: str) -> dict:
    env_file = tmp_path / "compose.env"
    env_file.write_text("".join(f"{key}={value}\n" for key, value in dotenv.items()))
    profile_args = [arg for profile in profiles for arg in ("--profile", profile)]
    done = subprocess.run(  # noqa: S603 - a Docker Compose binary
        [
            *COMPOSE_COMMAND,
            "--project-directory",
            str(ROOT),
            "--file",
            str(ROOT / "compose.yaml"),
            "--env-file",
            str(env_file),
            *profile_args,
            "config",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_compose_accepts_the_file_and_the_demo_profile_adds_only_the_sandbox(tmp_path):
    plain = compose_config(tmp_path, {})
    demo = compose_config(tmp_path, {}, "demo")
    assert set(plain["services"]) == {"postgres", "redis", "migrate", "web", "worker", "beat"}
    assert set(demo["services"]) == set(plain["services"]) | {"sandbox"}


@pytest.mark.parametrize("dotenv", [{}, PRODUCTION_DOTENV], ids=["demo", "production"])
def test_compose_gives_each_container_the_environment_this_suite_expects(tmp_path, dotenv):
    config = compose_config(tmp_path, dotenv, "demo")
    ours = compose()["services"]
    for name in (*DASHBOARD_SERVICES, "sandbox"):
        theirs = {
            key: value
            for key, value in config["services"][name]["environment"].items()
            if value is not None  # passed through only when set: unset here
        }
        assert theirs == service_environment(ours[name], dotenv), name


def test_compose_orders_the_start_as_intended(tmp_path):
    services = compose_config(tmp_path, {})["services"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    assert services["web"]["ports"][0]["host_ip"] == "127.0.0.1"
    assert services["web"]["ports"][0]["target"] == 8000
