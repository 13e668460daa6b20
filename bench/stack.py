"""Everything the benchmark starts: sandbox, database, cache, gunicorn; and their cleanup.

Each resource registers how to undo it as soon as it exists, so `Stack.close()` (called from a
`finally`, also on Ctrl-C and SIGTERM) stops processes and drops the throwaway database however
far the run got.
"""

import contextlib
import hashlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
# Where Redis is looked for (never started here); the database number is --redis-db.
_REDIS = urlsplit(os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379"))
REDIS_HOST = _REDIS.hostname or "127.0.0.1"
REDIS_PORT = _REDIS.port or 6379
# Keys this harness leaves in its Redis database, so that a later run knows the data is its own.
REDIS_MARK = "bench:owner"

# The seed: one large workspace, as in the design notes.
SEED = {"members": 500, "teams": 20, "policies": 6, "leaves": 5000, "seed": 1}

# As the image's entrypoint runs it (config/docker-entrypoint.sh), on loopback.
GUNICORN_WORKERS = 2
GUNICORN_THREADS = 4
SHM = "/dev/shm"  # noqa: S108 - gunicorn's heartbeat files, as in the image


class BenchError(Exception):
    """Something the benchmark needs is missing or broken; the message says what."""


def free_port() -> int:
    """A TCP port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def say(message: str) -> None:
    """Progress on stderr, flushed at once."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Process:
    """A child process in its own session (Ctrl-C in the terminal reaches only the harness)."""

    name: str
    popen: subprocess.Popen
    log: Path

    def alive(self) -> bool:
        """True while it runs."""
        return self.popen.poll() is None

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM to its process group, then SIGKILL after `grace` seconds."""
        if not self.alive():
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(5)

    def tail(self, chars: int = 3000) -> str:
        """The end of its log."""
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


@dataclass
class Stack:
    """The running system under test and what it took to start it."""

    redis_db: int
    log_dir: Path
    cleanups: list[Callable[[], None]] = field(default_factory=list)
    processes: list[Process] = field(default_factory=list)
    database_url: str = ""
    database: str = ""
    redis_url: str = ""
    cache: str = ""
    celery: str = ""
    sandbox_url: str = ""
    web_url: str = ""
    client_id: str = field(default_factory=lambda: f"bench-{uuid.uuid4().hex[:12]}")
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(64))
    token_key: str = field(default_factory=lambda: Fernet.generate_key().decode())
    static_root: Path = field(default_factory=lambda: RESULTS / "staticfiles")

    # ----------------------------------------------------------------------- lifecycle
    def close(self) -> None:
        """Undo everything, newest first; never raises."""
        while self.cleanups:
            undo = self.cleanups.pop()
            try:
                undo()
            except Exception as exc:  # cleanup must go on
                say(f"cleanup step failed: {exc.__class__.__name__}: {exc}")

    def spawn(self, name: str, args: list[str], env: dict[str, str]) -> Process:
        """Start a child process, logging to `<log_dir>/<name>.log`; stopped by `close()`."""
        log = self.log_dir / f"{name}.log"
        with log.open("w") as out:
            popen = subprocess.Popen(
                args,
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process = Process(name, popen, log)
        self.processes.append(process)
        self.cleanups.append(process.stop)
        return process

    # ----------------------------------------------------------------------- sandbox
    def start_sandbox(self) -> str:
        """The fake WebWork on a free port, seeded large, with WebWork's rate limit (60 calls a
        minute per token)."""
        port = free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env["WEBWORK_CLIENT_ID"] = self.client_id
        env["WEBWORK_CLIENT_SECRET"] = self.client_secret
        args = [PYTHON, "-m", "sandbox", "--host", "127.0.0.1", "--port", str(port)]
        for name, value in SEED.items():
            args += [f"--{name}", str(value)]
        process = self.spawn("sandbox", args, env)
        self.sandbox_url = f"http://127.0.0.1:{port}"
        _wait_for(f"{self.sandbox_url}/_sandbox/healthz", process, "the sandbox", timeout=60)
        return self.sandbox_url

    # ----------------------------------------------------------------------- database
    def open_database(self) -> None:
        """A throwaway PostgreSQL database when a server answers, else a SQLite file."""
        try:
            import psycopg

            admin = psycopg.connect(POSTGRES_URL, connect_timeout=3, autocommit=True)
        except Exception as exc:  # no server: SQLite
            say(f"PostgreSQL not reachable ({exc.__class__.__name__}); using SQLite")
            folder = Path(tempfile.mkdtemp(prefix="wwld-bench-"))
            self.cleanups.append(lambda: shutil.rmtree(folder, ignore_errors=True))
            self.database_url = f"sqlite:///{folder / 'bench.sqlite3'}"
            import sqlite3

            self.database = f"SQLite {sqlite3.sqlite_version} (file in {folder})"
            return
        with admin:
            version = admin.execute("SHOW server_version").fetchone()[0]
            name = f"wwld_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
            admin.execute(f'CREATE DATABASE "{name}"')

        def drop() -> None:
            with psycopg.connect(POSTGRES_URL, connect_timeout=5, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        self.cleanups.append(drop)
        self.database_url = urlunsplit(urlsplit(POSTGRES_URL)._replace(path=f"/{name}"))
        self.database = f"PostgreSQL {version.split()[0]} (throwaway database {name})"

    # ----------------------------------------------------------------------- cache
    def open_cache(self) -> None:
        """Redis database `redis_db` when Redis answers (never started here), else in-process."""
        import redis

        client = redis.Redis(
            host=REDIS_HOST,
            port=REDIS_PORT,
            db=self.redis_db,
            socket_timeout=1,
            socket_connect_timeout=1,
        )
        try:
            client.ping()
        except redis.RedisError as exc:
            say(f"Redis not reachable ({exc.__class__.__name__}); using the in-process cache")
            self.redis_url = ""
            self.cache = "in-process (LocMemCache, one per gunicorn worker): Redis not reachable"
            self.celery = "eager: tasks run inside the request (no REDIS_URL, no broker)"
            return
        keys = client.dbsize()
        if keys and not client.exists(REDIS_MARK):
            raise BenchError(
                f"Redis database {self.redis_db} holds {keys} keys that are not the benchmark's. "
                "Choose a free one with --redis-db N."
            )
        version = client.info("server").get("redis_version", "?")
        self.redis_url = f"redis://{REDIS_HOST}:{REDIS_PORT}/{self.redis_db}"
        self.cache = f"Redis {version}, database {self.redis_db} (Django RedisCache)"
        self.celery = (
            f"queued to Redis database {self.redis_db}, no worker: requests pay for publishing "
            "only, as with a worker in production; the queued refreshes never run"
        )
        self._redis = client
        self.flush_cache()
        self.cleanups.append(self._forget_cache)

    def flush_cache(self) -> None:
        """Empty the cache (FLUSHDB of the benchmark's own Redis database)."""
        client = getattr(self, "_redis", None)
        if client is None:
            return
        client.flushdb()
        client.set(REDIS_MARK, "wwld-bench")

    def fresh_minute(self) -> None:
        """Forget the dashboard's count of the person's calls (its allowance), as a new minute
        would; everything else cached stays."""
        client = getattr(self, "_redis", None)
        if client is None:
            return
        keys = list(client.scan_iter(match="*allowance*", count=1000))
        if keys:
            client.delete(*keys)

    def _forget_cache(self) -> None:
        client = self._redis
        client.flushdb()
        client.close()

    @property
    def can_flush(self) -> bool:
        """Whether cold (empty-cache) requests can be measured."""
        return bool(self.redis_url)

    # ----------------------------------------------------------------------- Django
    def django_env(self) -> dict[str, str]:
        """The environment of every Django process: production settings, generated secrets."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "WEBWORK_", "REDIS", "CELERY", "DATABASE", "PYTEST"))
        }
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "bench.settings",
                "PYTHONPATH": str(ROOT),
                "SECRET_KEY": self.secret_key,
                "TOKEN_ENCRYPTION_KEY": self.token_key,
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "CSRF_TRUSTED_ORIGINS": "",
                "DEBUG": "false",
                "LOG_LEVEL": "INFO",
                "TIME_ZONE": "UTC",
                "DATABASE_URL": self.database_url,
                "REDIS_URL": self.redis_url,
                "CELERY_BROKER_URL": "",
                "WEBWORK_API_URL": f"{self.sandbox_url}/api/v2",
                "WEBWORK_OAUTH_URL": f"{self.sandbox_url}/oauth",
                "WEBWORK_OAUTH_BROWSER_URL": "",
                "WEBWORK_CLIENT_ID": self.client_id,
                "WEBWORK_CLIENT_SECRET": self.client_secret,
                "BENCH_STATIC_ROOT": str(self.static_root),
            }
        )
        return env

    def prepare_django(self) -> None:
        """Migrate the new database and collect static files (reused while unchanged)."""
        env = self.django_env()
        steps = [
            self.spawn("migrate", [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env)
        ]
        stamp = self.static_root / ".fingerprint"
        fingerprint = _static_fingerprint()
        if not (stamp.exists() and stamp.read_text() == fingerprint):
            shutil.rmtree(self.static_root, ignore_errors=True)
            self.static_root.mkdir(parents=True)
            steps.append(
                self.spawn(
                    "collectstatic",
                    [PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"],
                    env,
                )
            )
        for step in steps:
            try:
                code = step.popen.wait(600)
            except subprocess.TimeoutExpired:
                raise BenchError(f"{step.name} took more than 10 minutes") from None
            if code != 0:
                raise BenchError(f"{step.name} failed:\n{step.tail()}")
        if len(steps) > 1:
            stamp.write_text(fingerprint)

    def start_web(self) -> str:
        """gunicorn serving config.wsgi with the image's flags, on a free loopback port."""
        port = free_port()
        args = [
            PYTHON,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(GUNICORN_WORKERS),
            "--threads",
            str(GUNICORN_THREADS),
            "--timeout",
            "60",
            "--graceful-timeout",
            "30",
            "--keep-alive",
            "5",
            "--no-control-socket",
        ]
        # Heartbeat files in memory, as the image does.
        if Path(SHM).is_dir():
            args += ["--worker-tmp-dir", SHM]
        process = self.spawn("web", args, self.django_env())
        self.web_url = f"http://127.0.0.1:{port}"
        # Not /healthz: it probes WebWork, which would show up in the sandbox's call log.
        _wait_for(f"{self.web_url}/accounts/login/", process, "gunicorn", timeout=90)
        return self.web_url

    def django_command(self, args: list[str], *, timeout: float) -> subprocess.CompletedProcess:
        """Run `python -m bench.inprocess ...` (or another module) with the Django environment."""
        process = subprocess.Popen(
            [PYTHON, *args],
            env=self.django_env(),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            out, err = process.communicate(timeout=timeout)
        except BaseException:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
            raise
        return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _wait_for(url: str, process: Process, what: str, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            raise BenchError(f"{what} exited:\n{process.tail()}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise BenchError(f"{what} did not answer within {timeout:.0f} s:\n{process.tail()}")


def _static_fingerprint() -> str:
    """Changes when our static files or the packages that ship static files change."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "static").rglob("*")):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.relative_to(ROOT)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    for package in ("django", "django-htmx", "django-allauth", "whitenoise"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            digest.update(f"{package}=={metadata.version(package)}\n".encode())
    return digest.hexdigest()
