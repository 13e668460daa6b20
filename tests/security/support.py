"""Helpers shared by the security and reliability tests: routes, settings, canaries, HTML."""

from __future__ import annotations

import base64
import contextlib
import datetime
import functools
import io
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import traceback
import uuid
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import kombu.pools
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from dashboard.platform.logging import JsonFormatter

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable

WS_A = 1  # Northwind Studio: manager@sandbox.test is Executive manager here only
WS_B = 2  # Blue Harbor Labs: owned by owner@sandbox.test; the manager has no role there
MANAGER = "manager@sandbox.test"
# The pages of a workspace that read from WebWork (GET), for fault and outage sweeps.
WORKSPACE_PAGES = [
    f"/w/{WS_A}/",
    f"/w/{WS_A}/leaves/",
    f"/w/{WS_A}/calendar/",
    f"/w/{WS_A}/balances/",
    f"/w/{WS_A}/policies/",
]
OWNER = "owner@sandbox.test"
HOST = "127.0.0.1:8000"
# Reads of WebWork data, and every read but the workspace list (which is never served stale).
READS = "^/api/v2/"
DATA_READS = "^/api/v2/(?!workspaces$)"
MAX_ATTEMPTS = 3  # per read, the client's default
HTMX = {"HX-Request": "true"}

CANARY_ACCESS = "AT-CANARY-"
CANARY_REFRESH = "RT-CANARY-"
CANARIES = (CANARY_ACCESS, CANARY_REFRESH)


# --------------------------------------------------------------------------- routes
def dashboard_patterns() -> list[URLPattern]:
    """Every named route of dashboard.urls (so a new route is covered as soon as it exists)."""
    resolver = get_resolver()
    found: list[URLPattern] = []

    def walk(patterns) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if getattr(entry.urlconf_module, "__name__", "") == "dashboard.urls":
                    found.extend(p for p in entry.url_patterns if isinstance(p, URLPattern))
                else:
                    walk(entry.url_patterns)

    walk(resolver.url_patterns)
    return found


def route_url(pattern: URLPattern, *, workspace_id: int = WS_A, leave_id: str | None = None):
    """The URL of a dashboard route with sample arguments."""
    kwargs = {}
    names = pattern.pattern.converters
    if "workspace_id" in names:
        kwargs["workspace_id"] = workspace_id
    if "leave_id" in names:
        kwargs["leave_id"] = leave_id or str(uuid.uuid4())
    if "feed_id" in names:
        kwargs["feed_id"] = 1
    if "token" in names:
        kwargs["token"] = "x" * 43
    return reverse(pattern.name, kwargs=kwargs)


def workspace_routes() -> list[URLPattern]:
    """Dashboard routes under /w/<workspace_id>/."""
    return [p for p in dashboard_patterns() if "workspace_id" in p.pattern.converters]


def inbox_first_round_reads(today: datetime.date) -> int:
    """The reads a cold inbox starts at once: the pending list, members, policies, balances,
    and one leave list per month that this week (Monday to Sunday) or this day next month
    falls in. (R-05: 6 on most days, 7 when the week straddles two months.)"""
    monday = today - datetime.timedelta(days=today.weekday())
    next_month = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    months = {(d.year, d.month) for d in (monday, monday + datetime.timedelta(days=6), next_month)}
    return 4 + len(months)


def tabs_at_once(session: str, url: str, tabs: int) -> list[int]:
    """Open `url` in `tabs` browser tabs of one session at the same moment; their statuses."""
    from django.db import connection
    from django.test import Client

    barrier = threading.Barrier(tabs)
    statuses: list[int] = []

    def tab() -> None:
        browser = Client(HTTP_HOST=HOST)
        browser.cookies["sessionid"] = session
        barrier.wait(5)
        try:
            statuses.append(browser.get(url).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=tab) for _ in range(tabs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return statuses


# --------------------------------------------------------------------------- production values
SECURITY_SETTING_NAMES = (
    "DEBUG",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_NAME",
    "CSRF_COOKIE_NAME",
    "ACCOUNT_DEFAULT_HTTP_PROTOCOL",
    "SECURE_REDIRECT_EXEMPT",
)


def production_env(**extra: str) -> dict[str, str]:
    """An environment under which config.settings.production loads (values are dummies)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_", "WEBWORK_", "REDIS", "DATABASE"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": "p" * 10 + "Vx7-Qm2_Lr9+Zt4/Kw8=Hn3.Jb6" * 3,
            "TOKEN_ENCRYPTION_KEY": "kJ8a4mC2Vq1n0Zb7Lr3xYtP9sW6eUoH5gFdA2cBvN1E=",
            "WEBWORK_CLIENT_ID": "prod-client",
            "WEBWORK_CLIENT_SECRET": "prod-secret",
            "ALLOWED_HOSTS": "leave.example.com",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(extra)
    return env


@functools.cache
def production_settings() -> dict:
    """The security settings config.settings.production really sets (read in a subprocess)."""
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {SECURITY_SETTING_NAMES!r}}}))"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [PYTHON, "-c", code],
        env=production_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    values = json.loads(done.stdout.strip().splitlines()[-1])
    if values["SECURE_PROXY_SSL_HEADER"] is not None:
        values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


@contextlib.contextmanager
def production_like(settings) -> Iterator[dict]:
    """Apply production's security settings to the running test settings."""
    values = production_settings()
    for name, value in values.items():
        if name != "DEBUG":
            setattr(settings, name, value)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "leave.example.com"]
    yield values


# --------------------------------------------------------------------------- canaries
def find_canaries(*blobs: object) -> list[str]:
    """Which blobs (str, bytes, or anything with a str()) contain a canary token value."""
    hits = []
    for blob in blobs:
        if isinstance(blob, bytes | bytearray):
            text = bytes(blob).decode("latin-1")
        else:
            text = blob if isinstance(blob, str) else repr(blob)
        for canary in CANARIES:
            if canary in text:
                start = text.index(canary)
                hits.append(text[max(0, start - 60) : start + 40])
    return hits


# --------------------------------------------------------------------------- HTML structure
class ElementCollector(HTMLParser):
    """Collect every element with its attributes, and the text of <script> and <style>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.inline: list[tuple[str, str]] = []
        self._open: str | None = None

    def handle_starttag(self, tag, attrs) -> None:
        """Record the element."""
        self.elements.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._open = tag

    def handle_startendtag(self, tag, attrs) -> None:
        """Record a self-closed element."""
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag) -> None:
        """Close <script>/<style>."""
        if tag == self._open:
            self._open = None

    def handle_data(self, data) -> None:
        """Keep script and style bodies."""
        if self._open and data.strip():
            self.inline.append((self._open, data))


URL_ATTRIBUTES = ("href", "src", "action", "formaction", "hx-get", "hx-post", "data", "poster")
FORBIDDEN_TAGS = {"iframe", "object", "embed", "base", "frame", "frameset", "applet", "math"}


def unsafe_markup(html: str) -> list[str]:
    """Markup in a page that only injected text could have produced (empty when clean)."""
    collector = ElementCollector()
    collector.feed(html)
    problems = []
    for tag, attrs in collector.elements:
        for name, value in attrs.items():
            if name.startswith("on"):
                problems.append(f"<{tag} {name}=…>")
            text = (value or "").strip().lower()
            if name in URL_ATTRIBUTES and text.startswith(
                ("javascript:", "data:text", "vbscript:")
            ):
                problems.append(f"<{tag} {name}={value!r}>")
            active = name in URL_ATTRIBUTES or name.startswith(("hx-", "data-hx-", "style"))
            if active and ("__pwned" in text or "alert(" in text or "javascript:" in text):
                problems.append(f"<{tag} {name}={value!r}>")
            # Our only load trigger is the balances poll, which has a delay.
            first_trigger = text.split(",")[0]
            is_trigger = name in ("hx-trigger", "data-hx-trigger")
            if is_trigger and "load" in first_trigger and "delay" not in first_trigger:
                problems.append(f"<{tag} {name}={value!r}>")
        if tag in FORBIDDEN_TAGS:
            problems.append(f"<{tag}>")
        if tag == "script" and not (attrs.get("src") or "").startswith("/static/"):
            problems.append(f"<script {attrs}>")
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh":
            problems.append("<meta http-equiv=refresh>")
    problems.extend(f"inline {kind}: {body[:60]!r}" for kind, body in collector.inline)
    return problems


# --------------------------------------------------------------------------- a busy session
def exercise_dashboard(client, webwork, *, workspace_id: int = WS_A) -> list:
    """Use every page and action once, including a token refresh; return the responses."""
    responses = []
    state = webwork.state
    pending = state.leaves_for(workspace_id, status="pending")
    member = next(m for m in state.members_for(workspace_id) if m["status"] == "active")
    policy = next(p for p in state.policies_for(workspace_id) if p["time_unit"] == "days")
    for pattern in workspace_routes():
        if "leave_id" in pattern.pattern.converters:
            continue
        url = route_url(pattern, workspace_id=workspace_id)
        responses.append(client.get(url))
        responses.append(client.get(url, headers=HTMX))
    responses.append(client.get(f"/w/{workspace_id}/leaves/?status=approved&q=a&page=2"))
    responses.append(
        client.post(f"/w/{workspace_id}/leaves/{pending[0]['id']}/approve/", headers=HTMX)
    )
    responses.append(
        client.post(f"/w/{workspace_id}/leaves/{pending[1]['id']}/reject/", {"reason": "Busy week"})
    )
    responses.append(client.post(f"/w/{workspace_id}/balances/refresh/", headers=HTMX))
    responses.append(
        client.post(
            f"/w/{workspace_id}/leaves/new/",
            {
                "member": member["id"],
                "policy": policy["id"],
                "start": "2031-03-03",
                "end": "2031-03-04",
                "leave_period": "0",
                "reason": "Family visit",
                "request_key": uuid.uuid4().hex,
            },
        )
    )
    # WebWork now refuses the access token: the next page refreshes it (a new token pair).
    state.expire_access_tokens()
    responses.append(client.get(f"/w/{workspace_id}/leaves/?status=pending"))
    responses.append(client.get("/", follow=True))
    return responses


def body(response) -> bytes:
    """The body of a response, streamed or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def response_texts(responses) -> list[str]:
    """Status, headers and body of each response, as text to search."""
    texts = []
    for response in responses:
        headers = "\n".join(f"{k}: {v}" for k, v in response.items())
        cookies = "\n".join(morsel.OutputString() for morsel in response.cookies.values())
        texts.append(f"{response.status_code}\n{headers}\n{cookies}\n" + _body_text(response))
    return texts


def _body_text(response) -> str:
    """The body as text; a workbook (a zip of XML parts) unpacked, so its text is searched too."""
    raw = body(response)
    if not response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        return raw.decode()
    with zipfile.ZipFile(io.BytesIO(raw)) as workbook:
        return "\n".join(workbook.read(name).decode() for name in workbook.namelist())


def database_dump() -> list[str]:
    """Every row of every table, as text (what a database dump would expose)."""
    from django.contrib.sessions.models import Session
    from django.db import connection

    rows = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows.extend(f"{table}: {row!r}" for row in cursor.fetchall())
    # Session data is signed base64: decode it too, a dump reader could.
    rows.extend(f"session: {s.get_decoded()!r}" for s in Session.objects.all())
    return rows


def cache_dump() -> list[bytes]:
    """Every value in the default cache (in-process or Redis), as stored."""
    from django.core.cache import cache

    store = getattr(cache, "_cache", None)
    if isinstance(store, dict):  # LocMemCache
        return [key.encode() + b"=" + bytes(value) for key, value in store.items()]
    return redis_values(cache._cache.get_client(write=True))


def redis_values(client) -> list[bytes]:
    """Every key and value of a Redis database, decoded where Celery encodes message bodies."""
    found = []
    for key in client.scan_iter(count=500):
        kind = client.type(key)
        if kind == b"string":
            values = [client.get(key) or b""]
        elif kind == b"list":
            values = client.lrange(key, 0, -1)
        elif kind == b"hash":
            values = [k + b"=" + v for k, v in client.hgetall(key).items()]
        elif kind == b"set":
            values = list(client.smembers(key))
        elif kind == b"zset":
            values = [member for member, _ in client.zrange(key, 0, -1, withscores=True)]
        else:
            values = []
        for value in values:
            found.append(key + b"=" + value)
            found.extend(_celery_bodies(value))
    return found


def _celery_bodies(value: bytes) -> list[bytes]:
    """The base64 body of a Celery message held in Redis, decoded (else nothing)."""
    try:
        message = json.loads(value)
    except (ValueError, UnicodeDecodeError):
        return []
    if not isinstance(message, dict) or not isinstance(message.get("body"), str):
        return []
    try:
        return [base64.b64decode(message["body"])]
    except ValueError:
        return []


@contextlib.contextmanager
def celery_publishing(settings, broker_url: str, **conf) -> Iterator:
    """Publish tasks to a real broker (not inline) for the duration of the block."""
    from config.celery import app

    names = ("broker_url", "task_always_eager", *conf)
    saved = {name: app.conf.get(name) for name in names}

    def reset_pool() -> None:
        kombu.pools.reset()  # pools are shared per broker URL: close and forget them all
        app._pool = None
        if "amqp" in app.__dict__:
            app.amqp._producer_pool = None

    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(broker_url=broker_url, task_always_eager=False, **conf)
    reset_pool()
    try:
        yield app
    finally:
        reset_pool()
        app.conf.update(saved)


def wait_for_publisher(timeout: float = 5.0) -> None:
    """Wait until the background publisher of dashboard.queue has sent what it was given."""
    from dashboard.platform import queue

    pool = queue._publisher
    # Every worker must reach the barrier, so each has finished what it held before.
    barrier = threading.Barrier(pool._max_workers)
    futures = [pool.submit(barrier.wait, timeout) for _ in range(pool._max_workers)]
    for future in futures:
        future.result(timeout=timeout + 1)


class _RawRecords(logging.Handler):
    """Keeps every record as it was logged, before any filter rewrites it."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.texts: list[str] = []
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the message, the extras and the traceback."""
        parts = [record.name, str(record.msg), repr(record.args)]
        parts.extend(f"{k}={v!r}" for k, v in vars(record).items() if k not in ("msg", "args"))
        if record.exc_info:
            parts.append("".join(traceback.format_exception(*record.exc_info)))
        self.texts.append(" ".join(parts))
        try:
            self.messages.append(record.getMessage())
        except Exception:  # a broken format string must not break the capture
            self.messages.append(str(record.msg))


class LogCapture:
    """What the configured console handler wrote, and every raw record, at DEBUG."""

    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.raw = _RawRecords()

    @property
    def output(self) -> str:
        """The log lines as production would write them."""
        return self.stream.getvalue()


@contextlib.contextmanager
def captured_logs() -> Iterator[LogCapture]:
    """Capture every log record at DEBUG, through the project's own handler and formatter."""
    capture = LogCapture()
    root = logging.getLogger()
    console = next(h for h in root.handlers if isinstance(h.formatter, JsonFormatter))
    names = [None, *logging.root.manager.loggerDict]
    levels = {name: logging.getLogger(name).level for name in names}
    old_stream = console.setStream(capture.stream)
    old_level = console.level
    console.setLevel(logging.DEBUG)
    root.handlers.insert(0, capture.raw)
    for name in names:
        # django.template's DEBUG records (a traceback per missing variable) are never on in
        # production and would triple the run time; every other logger goes to DEBUG.
        if name != "django.template":
            logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        root.handlers.remove(capture.raw)
        console.setStream(old_stream)
        console.setLevel(old_level)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


# --------------------------------------------------------------------------- a private Redis
REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A throwaway redis-server on a free port (so pausing or stopping it disturbs no one)."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self._directory = directory
        self._process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        """Start and wait until it answers PING."""
        self._process = subprocess.Popen(  # noqa: S603 - the Debian binary, fixed arguments
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self._directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                if self.client().ping():
                    return self
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def client(self, db: int = 0):
        """A redis-py client with short timeouts."""
        import redis

        return redis.Redis.from_url(f"{self.url}/{db}", socket_timeout=2, socket_connect_timeout=2)

    def pause(self, seconds: float) -> None:
        """Stall every client (CLIENT PAUSE ... ALL), as a hung Redis would."""
        self.client().execute_command("CLIENT", "PAUSE", int(seconds * 1000), "ALL")

    def stop(self) -> None:
        """Stop the server; its port then refuses connections."""
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(10)
            self._process = None


def cache_settings(url: str) -> dict:
    """CACHES as base settings build them for REDIS_URL=url (fail-soft, short timeouts)."""
    from django.conf import settings

    timeout = settings.CACHE_SOCKET_TIMEOUT
    return {
        "default": {
            "BACKEND": "dashboard.platform.cache_backend.FailSoftRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "wwld",
            "OPTIONS": {
                "socket_timeout": timeout,
                "socket_connect_timeout": timeout,
                "retry_on_timeout": False,
            },
        }
    }
