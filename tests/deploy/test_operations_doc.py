"""docs/operations.md stays true to the code: every variable the code reads is documented with
its real default, nothing documented is unread, and the names it gives exist."""

import json
import re
import subprocess
import sys

import pytest
from django.core.management import get_commands
from django.urls import resolve

from dashboard.webwork_oauth.provider import SCOPE

from .support import (
    COMPOSE,
    ROOT,
    entrypoint_commands,
    entrypoint_variables,
    production_environ,
    run_variables,
    settings_variables,
)

DOC = (ROOT / "docs" / "operations.md").read_text()
# Internal to the entrypoint, not settings.
INTERNAL = {"PYTHONPATH"}


def documented_rows() -> dict[str, str]:
    """Variable tables: first cell `NAME` -> second cell (the default)."""
    rows = {}
    for match in re.finditer(r"^\| `([A-Z][A-Z0-9_]*)` \| ([^|]*) \|", DOC, flags=re.MULTILINE):
        rows[match.group(1)] = match.group(2).strip()
    return rows


def compose_variables() -> set[str]:
    lines = [line.split(" #")[0] for line in COMPOSE.read_text().splitlines()]
    code = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", code))


def all_read() -> set[str]:
    return (
        settings_variables("base", "production")
        | entrypoint_variables()
        | compose_variables()
        | run_variables()
    )


def test_every_variable_the_code_reads_is_documented():
    assert all_read() - INTERNAL - set(documented_rows()) == set()


def test_nothing_documented_is_unread():
    assert set(documented_rows()) - all_read() == set()


def test_entrypoint_defaults_are_the_documented_ones():
    script = (ROOT / "config" / "docker-entrypoint.sh").read_text()
    defaults = dict(re.findall(r"\$\{([A-Z_]+):-([^}]+)\}", script))
    rows = documented_rows()
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "WORKER_CONCURRENCY", "PORT"):
        assert rows[name] == f"`{defaults[name]}`"
    assert rows["DJANGO_SETTINGS_MODULE"] == f"`{defaults['DJANGO_SETTINGS_MODULE']}`"


def test_compose_defaults_are_the_documented_ones():
    text = COMPOSE.read_text()
    rows = documented_rows()
    for name in ("POSTGRES_PASSWORD", "WEB_PUBLISH", "IMAGE_TAG"):
        (default,) = set(re.findall(rf"\$\{{{name}:-([^}}]+)\}}", text))
        assert rows[name] == f"`{default}`"


def test_make_run_defaults_are_the_documented_ones():
    rows = documented_rows()
    for path in (ROOT / "bin" / "run", ROOT / "Procfile"):
        defaults = dict(re.findall(r"\$\{([A-Z_]+):-([0-9]+)\}", path.read_text()))
        assert defaults["SANDBOX_PORT"] == rows["SANDBOX_PORT"].strip("`") == "8001"
        assert defaults["DASHBOARD_PORT"] == rows["DASHBOARD_PORT"].strip("`") == "8000"
    example = (ROOT / ".env.example").read_text()
    assert "\nSANDBOX_PORT=8001\n" in example
    assert "\nDASHBOARD_PORT=8000\n" in example


def _literal(text: str):
    value = text.strip("`")
    if value in ("true", "false"):
        return value == "true"
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            pass
    return value


def test_settings_defaults_are_the_documented_ones():
    """Production settings loaded with nothing but the required values: each documented literal
    default is the value the setting takes."""
    rows = {
        name: default
        for name, default in documented_rows().items()
        if re.fullmatch(r"`[^`]+`", default)
        and name in settings_variables("base", "production")
        and default.strip("`") not in documented_rows()  # "defaults to another variable"
    }
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"names = {sorted(rows)!r}; "
        "values = {n: getattr(settings, n, None) for n in names}; "
        "values['DATABASE_CONN_MAX_AGE'] = settings.DATABASES['default']['CONN_MAX_AGE']; "
        "print(json.dumps(values, default=str))"
    )
    env = production_environ(DATABASE_URL="postgres://u@db.invalid:5432/d")
    done = subprocess.run(  # noqa: S603 - our interpreter
        [sys.executable, "-c", code],
        env={**env, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    values = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(rows) >= 12
    for name, default in rows.items():
        assert values[name] == _literal(default), name


def test_the_commands_and_names_it_gives_exist():
    documented = set(re.findall(r"^\| `([a-z]+)(?: [^`]*)?` \|", DOC, flags=re.MULTILINE))
    assert documented == entrypoint_commands()
    assert "rotate_token_key" in get_commands()
    assert "`manage rotate_token_key`" in DOC
    # The redirect URI to register is allauth's callback of the webwork provider.
    assert "`https://<host>/accounts/webwork/login/callback/`" in DOC
    assert resolve("/accounts/webwork/login/callback/").url_name == "webwork_callback"
    assert f"Scopes: `{' '.join(SCOPE)}`" in DOC
    assert "**Settings > REST API > OAuth2 Apps > Create App**" in DOC


@pytest.mark.parametrize("path", ["/healthz"])
def test_the_health_endpoint_it_describes_exists(path):
    assert resolve(path).url_name == "healthz"


def test_every_variable_of_the_example_env_file_is_read_and_documented():
    example = set(
        re.findall(r"^([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.MULTILINE)
    )
    assert "WEBWORK_OAUTH_BROWSER_URL" in example
    assert example - all_read() == set()
    assert example - set(documented_rows()) == set()
