"""The Dockerfile: a slim non-root runtime holding the product only, its dependencies exactly
what uv.lock pins for the project, static files collected at build time, one entrypoint."""

import os
import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker

from .support import DOCKERFILE, ENTRYPOINT, IMAGE_TREE, ROOT, dockerfile_args, dockerfile_stages

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
LOCK = tomllib.loads((ROOT / "uv.lock").read_text())
PROJECT = PYPROJECT["project"]["name"]
DEVELOPMENT_ONLY = ("pytest", "flask", "ruff", "playwright", "responses", "locust", "honcho")


@pytest.fixture(scope="module")
def stages():
    return dockerfile_stages()


def _instructions(stage, name):
    return [arguments for instruction, arguments in stage if instruction == name]


def _env(stage) -> dict[str, str]:
    """A stage's ENV instructions as name -> value."""
    return dict(
        item.split("=", 1)
        for arguments in _instructions(stage, "ENV")
        for item in arguments.split()
    )


def _uv_commands(stage) -> list[list[str]]:
    """The `uv ...` commands a stage's RUN instructions run, as argument lists."""
    commands = []
    for run in _instructions(stage, "RUN"):
        for part in re.split(r"\s*&&\s*", run):
            words = shlex.split(part)
            if words and words[0] == "uv":
                commands.append(words)
    return commands


def test_every_stage_is_python_313_slim(stages):
    assert dockerfile_args()["PYTHON_IMAGE"] == "python:3.13-slim"
    assert stages["python"][0] == ("FROM", "${PYTHON_IMAGE}")
    for name in ("installer", "sandbox", "runtime"):
        assert stages[name][0] == ("FROM", "python")
    for name in ("build", "sandbox-build"):
        assert stages[name][0] == ("FROM", "installer")


def test_uv_comes_from_its_official_image_at_the_version_make_install_uses(stages):
    (version,) = re.findall(r"^UV_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.M)
    assert dockerfile_args()["UV_IMAGE"] == f"ghcr.io/astral-sh/uv:{version}"
    assert stages["uv"][0] == ("FROM", "${UV_IMAGE}")
    assert _instructions(stages["installer"], "COPY")[0] == "--from=uv /uv /usr/local/bin/uv"
    env = _env(stages["installer"])
    assert env["UV_PROJECT_ENVIRONMENT"] == "/opt/venv"
    assert env["UV_PYTHON_DOWNLOADS"] == "never"  # the image's own Python, never a download
    assert env["UV_COMPILE_BYTECODE"] == "1"  # the app user cannot write bytecode at run time
    assert "pyproject.toml uv.lock ./" in _instructions(stages["installer"], "COPY")


def test_dependencies_are_installed_from_the_lock_file_only(stages):
    assert _uv_commands(stages["build"])[0] == [
        "uv", "sync", "--frozen", "--no-dev", "--no-install-project"
    ]  # fmt: skip
    assert _uv_commands(stages["sandbox-build"]) == [
        ["uv", "sync", "--frozen", "--only-group", "sandbox", "--no-install-project"]
    ]
    text = DOCKERFILE.read_text()
    assert "pip install" not in text
    assert "requirements" not in text


def test_images_that_run_hold_no_installer(stages):
    for name in ("runtime", "sandbox"):
        text = " ".join(arguments for _, arguments in stages[name])
        assert not re.search(r"\b(uv|pip)\b", text), name
        assert _instructions(stages[name], "FROM") == ["python"]
    (venv,) = [c for c in _instructions(stages["sandbox"], "COPY") if c.startswith("--from=")]
    assert venv == "--from=sandbox-build /opt/venv /opt/venv"


def test_runtime_is_the_default_target_and_holds_the_product_only(stages):
    assert list(stages)[-1] == "runtime"
    runtime = stages["runtime"]
    copied = []
    for arguments in _instructions(runtime, "COPY"):
        parts = arguments.split()
        if parts[0].startswith("--from="):
            assert parts[0] == "--from=build"
            assert parts[1] in ("/opt/venv", "/app/staticfiles/")
            continue
        copied.extend(part.rstrip("/") for part in parts[:-1])
    assert sorted(copied) == sorted(IMAGE_TREE)
    text = " ".join(arguments for _, arguments in runtime)
    assert "sandbox" not in text
    assert "tests" not in text


def test_runtime_runs_as_a_non_root_user_through_the_entrypoint(stages):
    runtime = stages["runtime"]
    (user,) = _instructions(runtime, "USER")
    assert user not in ("root", "0")
    assert "--uid 10001 --user-group --no-create-home --home-dir /nonexistent" in " ".join(
        _instructions(runtime, "RUN")
    )
    assert _instructions(runtime, "ENTRYPOINT") == ['["/app/config/docker-entrypoint.sh"]']
    assert _instructions(runtime, "CMD") == ['["web"]']
    assert _instructions(runtime, "EXPOSE") == ["8000"]
    (healthcheck,) = _instructions(runtime, "HEALTHCHECK")
    assert healthcheck.endswith('CMD ["/app/config/docker-entrypoint.sh", "healthcheck"]')
    env = " ".join(_instructions(runtime, "ENV"))
    assert "DJANGO_SETTINGS_MODULE=config.settings.production" in env
    assert os.access(ENTRYPOINT, os.X_OK)
    assert ENTRYPOINT.read_text().startswith("#!/bin/sh\n")


def test_static_files_are_collected_at_build_time_with_production_settings(stages):
    build_runs = " ".join(_instructions(stages["build"], "RUN"))
    assert "DJANGO_SETTINGS_MODULE=config.settings.production" in build_runs
    assert "python manage.py collectstatic --noinput" in build_runs
    assert "--from=build /app/staticfiles/ staticfiles/" in _instructions(stages["runtime"], "COPY")


def test_the_build_stage_never_sees_the_sandbox(stages):
    copied = " ".join(_instructions(stages["build"], "COPY"))
    assert "sandbox" not in copied
    assert "tests" not in copied


def _locked(name: str) -> dict:
    (package,) = [p for p in LOCK["package"] if p["name"] == name]
    return package


def _applies(dependency: dict) -> bool:
    """Whether a locked dependency's marker holds on this machine (no marker: always)."""
    return "marker" not in dependency or Marker(dependency["marker"]).evaluate()


def _closure(dependencies: list[dict]) -> set[str]:
    """Names of the locked packages these dependencies pull in on this machine, with extras."""
    seen: set[str] = set()
    todo = [d for d in dependencies if _applies(d)]
    while todo:
        dependency = todo.pop()
        package = _locked(dependency["name"])
        wanted = [*package.get("dependencies", [])]
        for extra in dependency.get("extra", []):
            wanted += package.get("optional-dependencies", {}).get(extra, [])
        key = f"{dependency['name']}{sorted(dependency.get('extra', []))}"
        if key in seen:
            continue
        seen.add(key)
        todo += [d for d in wanted if _applies(d)]
    return {key.split("[")[0] for key in seen}


def _specifiers(requirements: list[dict]) -> list[str]:
    return sorted(
        r["name"] + (f"[{','.join(r['extras'])}]" if r.get("extras") else "") + r["specifier"]
        for r in requirements
    )


def _normalized(requirements: list) -> list[str]:
    return sorted(
        re.sub(r"^([A-Za-z0-9_.-]+)", lambda m: m.group(1).lower().replace("_", "-"), r).replace(
            " ", ""
        )
        for r in requirements
        if isinstance(r, str)
    )


def test_the_lock_file_pins_what_pyproject_asks_for():
    """uv.lock was made from this pyproject.toml (`make lint` checks it with uv itself)."""
    metadata = _locked(PROJECT)["metadata"]
    assert _specifiers(metadata["requires-dist"]) == _normalized(
        PYPROJECT["project"]["dependencies"]
    )
    groups = PYPROJECT["dependency-groups"]
    assert set(metadata["requires-dev"]) == set(groups)
    for group, requirements in metadata["requires-dev"].items():
        # Included groups are flattened into the lock's view of a group.
        direct = _normalized(groups[group])
        assert set(direct) <= set(_specifiers(requirements)), group


def test_the_runtime_dependencies_hold_nothing_of_development():
    runtime = _closure(_locked(PROJECT)["dependencies"])
    assert {"django", "gunicorn", "celery", "psycopg", "whitenoise"} <= runtime
    assert runtime.isdisjoint(DEVELOPMENT_ONLY)
    sandbox = _closure(_locked(PROJECT)["dev-dependencies"]["sandbox"])
    assert "flask" in sandbox
    assert sandbox.isdisjoint({"django", "pytest", "honcho"})


def _uv() -> str:
    found = shutil.which("uv", path=str(ROOT / ".venv-tools" / "bin")) or shutil.which("uv")
    if not found:
        pytest.skip("needs uv (make install puts it in .venv-tools/)")
    return found


def _installed(venv: Path) -> set[str]:
    (site,) = venv.glob("lib/python3*/site-packages")
    return {
        re.sub(r"-[^-]+\.dist-info$", "", p.name).lower().replace("_", "-")
        for p in site.glob("*.dist-info")
    }


@pytest.mark.parametrize(
    ("stage_name", "expected"), [("build", "runtime"), ("sandbox-build", "sandbox")]
)
def test_the_build_stages_install_exactly_the_locked_tree(stages, tmp_path, stage_name, expected):
    """The stage's own `uv sync`, run here with its settings, into a new venv."""
    (command,) = _uv_commands(stages[stage_name])[:1]
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "uv.lock"):  # what the installer stage copies
        shutil.copy2(ROOT / name, src / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "VIRTUAL_ENV"))}
    env.update({k: v for k, v in _env(stages["installer"]).items() if k.startswith("UV_")})
    # Here: a venv of its own, this machine's Python, its uv cache, linked files, no bytecode.
    env["UV_PROJECT_ENVIRONMENT"] = str(tmp_path / "venv")
    env["UV_PYTHON"] = os.path.realpath(ROOT / ".venv" / "bin" / "python")
    del env["UV_NO_CACHE"], env["UV_COMPILE_BYTECODE"], env["UV_LINK_MODE"]
    done = subprocess.run(  # noqa: S603 - the Dockerfile's own command
        [_uv(), *command[1:]], cwd=src, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    installed = _installed(tmp_path / "venv")
    root = _locked(PROJECT)
    dependencies = (
        root["dependencies"] if expected == "runtime" else root["dev-dependencies"]["sandbox"]
    )
    assert installed == _closure(dependencies)
    assert PROJECT not in installed


def test_the_build_context_leaves_out_everything_but_the_sources():
    lines = [
        line
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert lines[0] == "*"
    included = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    assert included == {*IMAGE_TREE, "pyproject.toml", "uv.lock", "README.md", "sandbox"}
    assert "**/__pycache__" in lines
    text = DOCKERFILE.read_text()
    for name in included - {"sandbox"}:
        assert name in text
