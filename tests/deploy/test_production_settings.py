"""config.settings.production, loaded as a container loads it (a fresh interpreter, only the
environment given): what it refuses, naming it, and what it sets."""

import base64
import json
import subprocess
import sys

import pytest

from .support import ROOT, production_environ

DEMO_SECRET_KEY = "demo-only-insecure-key-for-the-local-compose-demo-never-deploy"
DEMO_TOKEN_KEY = base64.urlsafe_b64encode(b"demo-only-token-key-not-a-secret").decode()
SANDBOX = {
    "WEBWORK_API_URL": "http://sandbox:8001/api/v2",
    "WEBWORK_OAUTH_URL": "http://sandbox:8001/oauth",
    "WEBWORK_OAUTH_BROWSER_URL": "http://localhost:8001/oauth",
}


def load(env: dict[str, str], *names: str, code: str = "") -> subprocess.CompletedProcess:
    """Load the settings in a new interpreter; print the named ones as JSON."""
    program = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"{code + '; ' if code else ''}"
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}))"
    )
    return subprocess.run(  # noqa: S603 - our interpreter
        [sys.executable, "-c", program],
        env={**env, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def loaded(env: dict[str, str], *names: str) -> dict:
    done = load(env, *names)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def refusal(env: dict[str, str]) -> str:
    done = load(env)
    assert done.returncode != 0, "the settings loaded"
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: "), done.stderr
    return last.removeprefix("django.core.exceptions.ImproperlyConfigured: ")


REQUIRED = [
    "SECRET_KEY",
    "TOKEN_ENCRYPTION_KEY",
    "WEBWORK_CLIENT_ID",
    "WEBWORK_CLIENT_SECRET",
    "ALLOWED_HOSTS",
]


@pytest.mark.parametrize("missing", [[name] for name in REQUIRED] + [REQUIRED])
def test_each_missing_variable_is_named(missing):
    env = production_environ(**dict.fromkeys(missing))
    assert refusal(env) == (
        "Production settings need these environment variables: " + ", ".join(missing)
    )


@pytest.mark.parametrize("value", ["", " ", ","])
def test_blank_values_count_as_missing(value):
    env = production_environ(ALLOWED_HOSTS=value, TOKEN_ENCRYPTION_KEY=value)
    assert refusal(env).endswith(": TOKEN_ENCRYPTION_KEY, ALLOWED_HOSTS")


@pytest.mark.parametrize("key", ["short-" * 5, "django-insecure-" + "x" * 50, "change-me" * 8])
def test_a_weak_secret_key_is_refused(key):
    assert "SECRET_KEY must be a random value" in refusal(production_environ(SECRET_KEY=key))


def test_a_malformed_token_encryption_key_is_refused_at_start():
    env = production_environ(
        TOKEN_ENCRYPTION_KEY="kJ8a4mC2Vq1n0Zb7Lr3xYtP9sW6eUoH5gFdA2cBvN1E=,oops"
    )
    assert refusal(env).startswith("TOKEN_ENCRYPTION_KEY must be comma-separated Fernet keys")


def test_host_names_are_trimmed():
    env = production_environ(ALLOWED_HOSTS=" leave.example.com , www.example.com,")
    assert loaded(env, "ALLOWED_HOSTS") == {
        "ALLOWED_HOSTS": ["leave.example.com", "www.example.com"]
    }


def test_https_everywhere_and_the_proxy_header_trusted():
    values = loaded(
        production_environ(),
        "DEMO",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_SSL_REDIRECT",
        "SECURE_REDIRECT_EXEMPT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_NAME",
        "ACCOUNT_DEFAULT_HTTP_PROTOCOL",
        "SECURE_HSTS_SECONDS",
        "DEBUG",
        "STORAGES",
        "CELERY_WORKER_HIJACK_ROOT_LOGGER",
    )
    assert values["DEMO"] is False
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_REDIRECT_EXEMPT"] == ["^healthz$"]
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert values["ACCOUNT_DEFAULT_HTTP_PROTOCOL"] == "https"
    assert values["SECURE_HSTS_SECONDS"] == 31536000
    assert values["DEBUG"] is False
    assert values["STORAGES"]["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    assert values["CELERY_WORKER_HIJACK_ROOT_LOGGER"] is False


def test_postgresql_connections_time_out():
    env = production_environ(DATABASE_URL="postgres://u@db.invalid:5432/d")
    options = loaded(env, "DATABASES")["DATABASES"]["default"]["OPTIONS"]
    assert options["connect_timeout"] == 5
    env = production_environ(DATABASE_URL="postgres://u@db.invalid:5432/d?connect_timeout=2")
    assert loaded(env, "DATABASES")["DATABASES"]["default"]["OPTIONS"]["connect_timeout"] == 2


# --------------------------------------------------------------------------- mail (Django 6.1)


def test_mail_goes_through_a_production_mailer_and_mail_e001_stays_active():
    """MAILERS has an SMTP default (no deprecated EMAIL_* setting), so `check --deploy` passes
    honestly: the same check still fires for a development backend, nothing is silenced."""
    code = (
        "from django.core.checks.mail import check_mailers_production_backend as check; "
        "from django.test.utils import override_settings; "
        "ok = [e.id for e in check(None)]; "
        "console = {'default': {'BACKEND': 'django.core.mail.backends.console.EmailBackend'}}; "
        "override = override_settings(MAILERS=console); override.enable(); "
        "bad = [e.id for e in check(None)]; override.disable(); "
        "print(json.dumps([ok, bad]))"
    )
    done = load(production_environ(), "MAILERS", "SILENCED_SYSTEM_CHECKS", code=code)
    assert done.returncode == 0, done.stderr[-3000:]
    checks, values = (json.loads(line) for line in done.stdout.strip().splitlines()[-2:])
    assert checks == [[], ["mail.E001"]]
    assert values["MAILERS"] == {
        "default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend"}
    }
    assert values["SILENCED_SYSTEM_CHECKS"] == []


def test_no_deprecated_django_setting_is_used():
    env = production_environ(
        PYTHONWARNINGS="error::PendingDeprecationWarning,error::DeprecationWarning"
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={**env, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Warning" not in done.stderr


# --------------------------------------------------------------------------- the local demo


def demo_environ(**overrides: str | None) -> dict[str, str]:
    env = production_environ(
        SECRET_KEY=DEMO_SECRET_KEY,
        TOKEN_ENCRYPTION_KEY=DEMO_TOKEN_KEY,
        WEBWORK_CLIENT_ID="sandbox-client",
        WEBWORK_CLIENT_SECRET="sandbox-secret",
        ALLOWED_HOSTS="localhost,127.0.0.1",
        **SANDBOX,
    )
    env.update({k: v for k, v in overrides.items() if v is not None})
    for key in [k for k, v in overrides.items() if v is None]:
        env.pop(key, None)
    return env


def test_the_demo_serves_plain_http_on_localhost():
    values = loaded(
        demo_environ(),
        "DEMO",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_NAME",
        "SECURE_HSTS_SECONDS",
        "ACCOUNT_DEFAULT_HTTP_PROTOCOL",
        "SECURE_CSP",
    )
    assert values["DEMO"] is True
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is False
    assert values["SESSION_COOKIE_NAME"] == "sessionid"
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["ACCOUNT_DEFAULT_HTTP_PROTOCOL"] == "http"
    # The sign-in form may be sent on to where the browser reaches the sandbox.
    assert "http://localhost:8001" in values["SECURE_CSP"]["form-action"]


DEMO_VALUES = {
    "SECRET_KEY": DEMO_SECRET_KEY,
    "TOKEN_ENCRYPTION_KEY": DEMO_TOKEN_KEY,
    "WEBWORK_CLIENT_ID": "sandbox-client",
    "WEBWORK_CLIENT_SECRET": "sandbox-secret",
}


@pytest.mark.parametrize("name", list(DEMO_VALUES))
def test_each_demo_value_is_refused_on_a_real_host(name):
    env = production_environ(**{name: DEMO_VALUES[name]})
    message = refusal(env)
    assert message.startswith(f"{name}: demo-only values, accepted only for the local demo")


@pytest.mark.parametrize(
    "change",
    [
        {"ALLOWED_HOSTS": "leave.example.com"},
        {"ALLOWED_HOSTS": "localhost,leave.example.com"},
        {"WEBWORK_API_URL": "https://api.webwork-tracker.com/api/v2"},
        {"WEBWORK_OAUTH_URL": "https://webwork-tracker.com/oauth"},
        {"WEBWORK_OAUTH_BROWSER_URL": "https://webwork-tracker.com/oauth"},
    ],
)
def test_demo_values_are_refused_unless_local_and_against_the_sandbox(change):
    message = refusal(demo_environ(**change))
    assert message.startswith(
        "SECRET_KEY, TOKEN_ENCRYPTION_KEY, WEBWORK_CLIENT_ID, WEBWORK_CLIENT_SECRET: demo-only"
    )
    assert "docs/operations.md" in message


def test_a_demo_token_key_among_real_ones_is_still_a_demo_value():
    keys = f"{production_environ()['TOKEN_ENCRYPTION_KEY']},{DEMO_TOKEN_KEY}"
    assert refusal(production_environ(TOKEN_ENCRYPTION_KEY=keys)).startswith(
        "TOKEN_ENCRYPTION_KEY: demo-only values"
    )
