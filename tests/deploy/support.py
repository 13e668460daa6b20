"""Helpers for the deployment tests: the compose file, the Dockerfile, the settings' variables,
the image's entrypoint run in a subprocess against a copy of the image's file tree, and local
processes (ports, process trees)."""

from __future__ import annotations

import ast
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import yaml
from cryptography.fernet import Fernet

from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "config" / "docker-entrypoint.sh"
COMPOSE = ROOT / "compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
# What the runtime stage of the Dockerfile copies from the repository.
IMAGE_TREE = ("manage.py", "config", "dashboard", "templates", "static")
DASHBOARD_SERVICES = ("migrate", "web", "worker", "beat")
HOST = "leave.example.com"


# --------------------------------------------------------------------------- compose


def compose() -> dict:
    """compose.yaml as data (YAML anchors and merge keys resolved)."""
    return yaml.safe_load(COMPOSE.read_text())


_EXPRESSION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}]|\$\{[^{}]*\})*))?\}")


def interpolate(value: str, environ: dict[str, str]) -> str:
    """Compose's `${NAME}`, `${NAME:-default}` and `${NAME-default}`, nested once, as compose
    reads them from the shell and .env; anything else is an error here as it is there."""

    def replace(match: re.Match) -> str:
        name, operator, operand = match.groups()
        current = environ.get(name)
        if operator is None:
            return current or ""
        if operator in (":-", "-"):
            unset = current is None or (operator == ":-" and current == "")
            return interpolate(operand, environ) if unset else current
        raise ValueError(f"unsupported interpolation in compose.yaml: {match.group(0)}")

    result = _EXPRESSION.sub(replace, value)
    if "${" in result:
        raise ValueError(f"unparsed interpolation in compose.yaml: {value}")
    return result


def service_environment(service: dict, environ: dict[str, str]) -> dict[str, str]:
    """The environment a container of `service` gets, with `environ` as the shell and .env."""
    result = {}
    for name, value in (service.get("environment") or {}).items():
        if value is None:  # passed through when set, else unset in the container
            if name in environ:
                result[name] = environ[name]
        else:
            result[name] = interpolate(str(value), environ)
    return result


# --------------------------------------------------------------------------- code that reads env

_ENV_READERS = {"str", "bool", "int", "list", "db_url", "url", "env_bool", "env_int", "env_url"}


def settings_variables(*modules: str) -> set[str]:
    """Environment variables the named settings modules read (`env.str("X")`, `env_int("X")`,
    `os.environ.get("X")`...), found in their source."""
    names: set[str] = set()
    for module in modules:
        tree = ast.parse((ROOT / "config" / "settings" / f"{module}.py").read_text())
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            first = node.args[0]
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                continue
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            owner = ast.unparse(func.value) if isinstance(func, ast.Attribute) else ""
            reads_env = owner in ("env", "") and called in _ENV_READERS
            reads_os = owner == "os.environ" and called in {"get", "setdefault"}
            if reads_env or reads_os:
                names.add(first.value)
    return {name for name in names if re.fullmatch(r"[A-Z][A-Z0-9_]*", name)}


def entrypoint_variables() -> set[str]:
    """Environment variables the entrypoint script reads."""
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", ENTRYPOINT.read_text()))


def run_variables() -> set[str]:
    """Environment variables `make run` reads: its script and the Procfile."""
    text = (ROOT / "bin" / "run").read_text() + (ROOT / "Procfile").read_text()
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", text))


def entrypoint_commands() -> set[str]:
    """The commands the entrypoint's `case` knows (besides running anything else as given)."""
    text = ENTRYPOINT.read_text()
    body = text[text.index('case "$command" in') :]
    return set(re.findall(r"^  ([a-z]+)\)", body, flags=re.MULTILINE))


# --------------------------------------------------------------------------- Dockerfile


def dockerfile_stages() -> dict[str, list[tuple[str, str]]]:
    """Stage name -> its instructions as (INSTRUCTION, arguments), continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    stages: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, arguments = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            match = re.fullmatch(r"(\S+)(?:\s+AS\s+(\S+))?", arguments, flags=re.IGNORECASE)
            current = match.group(2) or match.group(1)
            stages[current] = [("FROM", match.group(1))]
        elif current is not None:
            stages[current].append((instruction, arguments))
    return stages


def dockerfile_args() -> dict[str, str]:
    """Global ARG defaults (before the first FROM)."""
    head = DOCKERFILE.read_text().split("\nFROM ", 1)[0]
    return dict(re.findall(r"^ARG (\w+)=(\S+)", head, flags=re.MULTILINE))


# --------------------------------------------------------------------------- environments


def fernet_key() -> str:
    return Fernet.generate_key().decode()


def base_environ() -> dict[str, str]:
    """A clean environment: this interpreter's venv on PATH, nothing of the test run."""
    keep = ("HOME", "LANG", "LC_ALL", "TZ", "SYSTEMROOT")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    return env


def production_environ(**overrides: str | None) -> dict[str, str]:
    """What a production container gets: real-looking secrets, a host, no database yet."""
    env = base_environ()
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": "prod-" + "Zr8-Lq2_Vx7+Nt4/Kw9=Hm3.Jc6" * 3,
            "TOKEN_ENCRYPTION_KEY": fernet_key(),
            "WEBWORK_CLIENT_ID": "prod-client",
            "WEBWORK_CLIENT_SECRET": "prod-client-secret-value",
            "ALLOWED_HOSTS": HOST,
        }
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


# --------------------------------------------------------------------------- the image's tree


def make_image_tree(target: Path) -> Path:
    """Copy what the runtime image holds into `target`, collect static files as the build does,
    and return the path of its entrypoint. Nothing else of the repository is there (no .env,
    no sandbox, no tests), so what runs from it sees what the container sees."""
    target.mkdir(parents=True, exist_ok=True)
    for name in IMAGE_TREE:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / name)
    entrypoint = target / "config" / "docker-entrypoint.sh"
    run_entrypoint(
        entrypoint,
        ["manage", "collectstatic", "--noinput", "--verbosity", "0"],
        env=production_environ(),
        check=True,
    )
    return entrypoint


def run_entrypoint(
    entrypoint: Path, args: list[str], *, env: dict[str, str], check: bool = False, timeout=120
) -> subprocess.CompletedProcess:
    """Run the entrypoint with `args` to the end."""
    done = subprocess.run(  # noqa: S603 - our own script
        [str(entrypoint), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and done.returncode != 0:
        raise AssertionError(
            f"{args} exited {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return done


class Process:
    """A long-running entrypoint command (web, worker), its output in a file."""

    def __init__(self, entrypoint: Path, args: list[str], *, env: dict[str, str], log: Path):
        self.log = log
        self.env = env
        self.entrypoint = entrypoint
        # A command run before with the same TMPDIR (say `migrate`) left its name in the role
        # file; until this process writes its own, `healthcheck` would answer for that one.
        Path(env.get("TMPDIR") or "/tmp", "dashboard-role").unlink(missing_ok=True)  # noqa: S108
        self._out = log.open("w")
        self.popen = subprocess.Popen(  # noqa: S603 - our own script
            [str(entrypoint), *args], env=env, stdout=self._out, stderr=subprocess.STDOUT
        )

    def output(self) -> str:
        return self.log.read_text()

    def healthcheck(self) -> int:
        return run_entrypoint(self.entrypoint, ["healthcheck"], env=self.env).returncode

    def wait_healthy(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise AssertionError(f"exited {self.popen.returncode}:\n{self.output()[-3000:]}")
            if self.healthcheck() == 0:
                return
            time.sleep(0.3)
        raise AssertionError(f"not healthy after {timeout} s:\n{self.output()[-3000:]}")

    def wait_listening(self, port: int, timeout: float = 90) -> None:
        """Wait until this gunicorn says it listens on `port` and its healthcheck passes.

        Its own log is the proof: a healthcheck alone could be answered by another server
        that happens to hold the port while this one retries binding.
        """
        deadline = time.monotonic() + timeout
        listening = f"Listening at: http://0.0.0.0:{port} "
        while time.monotonic() < deadline:
            output = self.output()
            if "Connection in use" in output:
                raise PortTaken(port)
            if self.popen.poll() is not None:
                raise AssertionError(f"exited {self.popen.returncode}:\n{output[-3000:]}")
            if listening in output and self.healthcheck() == 0:
                return
            time.sleep(0.3)
        raise AssertionError(f"not listening on {port} after {timeout} s:\n{self.output()[-3000:]}")

    def stop(self, timeout: float = 40) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(10)
        self._out.close()
        return self.popen.returncode


class PortTaken(Exception):
    """Another process held the port gunicorn was given."""


@contextlib.contextmanager
def running_web(entrypoint: Path, *, env: dict[str, str], log: Path, attempts: int = 3):
    """gunicorn started by `web` on a free port (`process.port`), listening and healthy."""
    for _ in range(attempts):
        port = free_port()
        with running(entrypoint, ["web"], env={**env, "PORT": str(port)}, log=log) as process:
            try:
                process.wait_listening(port)
            except PortTaken:
                continue
            process.port = port
            yield process
            return
    raise AssertionError(f"gunicorn found no free port in {attempts} attempts")


@contextlib.contextmanager
def running(entrypoint: Path, args: list[str], *, env: dict[str, str], log: Path) -> Iterator:
    process = Process(entrypoint, args, env=env, log=log)
    try:
        yield process
    finally:
        process.stop()


# --------------------------------------------------------------------------- local processes


def port_open(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:`port`."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_for_ports(popen: subprocess.Popen, ports, output, timeout: float = 60) -> None:
    """Wait until every port accepts connections; fail early when `popen` exits.

    `output` is a callable returning the process's output so far, shown on failure.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if popen.poll() is not None:
            raise AssertionError(f"exited {popen.returncode}:\n{output()[-3000:]}")
        if all(port_open(port) for port in ports):
            return
        time.sleep(0.1)
    raise AssertionError(f"ports {ports} not all open after {timeout} s:\n{output()[-3000:]}")


def alive(pid: int) -> bool:
    """Whether `pid` is a process that has not ended (zombies have ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def descendants(pid: int) -> dict[int, str]:
    """Every process below `pid` (in any session or group), pid -> command line."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: dict[int, str] = {}
    todo = list(children.get(pid, []))
    while todo:
        child = todo.pop()
        try:
            found[child] = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (FileNotFoundError, ProcessLookupError):
            continue
        todo += children.get(child, [])
    return found
