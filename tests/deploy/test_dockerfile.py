"""The Dockerfile: a slim non-root runtime holding the product only, its dependencies exactly
the pins of pyproject.toml, static files collected at build time, one entrypoint."""

import os
import re
import shlex
import subprocess
import sys
import tomllib

import pytest

from .support import DOCKERFILE, ENTRYPOINT, IMAGE_TREE, ROOT, dockerfile_args, dockerfile_stages

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


@pytest.fixture(scope="module")
def stages():
    return dockerfile_stages()


def _instructions(stage, name):
    return [arguments for instruction, arguments in stage if instruction == name]


def _python_c_programs(stage) -> list[str]:
    """The `python -c "..."` programs a stage's RUN instructions write requirements with."""
    programs = []
    for run in _instructions(stage, "RUN"):
        for match in re.finditer(r"python -c (\"[^\"]*\")\s+> requirements\.txt", run):
            programs.append(shlex.split(match.group(1))[0])
    return programs


def test_every_stage_is_python_313_slim(stages):
    assert dockerfile_args()["PYTHON_IMAGE"] == "python:3.13-slim"
    assert stages["python"][0] == ("FROM", "${PYTHON_IMAGE}")
    for name in ("build", "sandbox", "runtime"):
        assert stages[name][0] == ("FROM", "python")


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
    assert "pip install" not in text  # dependencies come ready-made from the build stage


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


def _run_program(program: str) -> list[str]:
    done = subprocess.run(  # noqa: S603 - a program from our own Dockerfile
        [sys.executable, "-c", program],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return done.stdout.split()


def test_runtime_dependencies_are_exactly_the_project_pins(stages):
    (program,) = _python_c_programs(stages["build"])
    requirements = _run_program(program)
    assert requirements == [r.replace(" ", "") for r in PYPROJECT["project"]["dependencies"]]
    names = {re.split(r"[\[~=<>]", r)[0] for r in requirements}
    for development_only in ("pytest", "flask", "ruff", "playwright", "responses", "locust"):
        assert development_only not in names


def test_the_sandbox_image_gets_the_sandbox_group_only(stages):
    (program,) = _python_c_programs(stages["sandbox"])
    assert _run_program(program) == PYPROJECT["dependency-groups"]["sandbox"]
    assert _instructions(stages["sandbox"], "ENTRYPOINT") == ['["python", "-m", "sandbox"]']
    assert "sandbox/ sandbox/" in _instructions(stages["sandbox"], "COPY")
    assert _instructions(stages["sandbox"], "USER") == ["sandbox"]


def test_the_build_context_leaves_out_everything_but_the_sources():
    lines = [
        line
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert lines[0] == "*"
    included = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    assert included == {*IMAGE_TREE, "pyproject.toml", "README.md", "sandbox"}
    assert "**/__pycache__" in lines
    text = DOCKERFILE.read_text()
    for name in included - {"sandbox"}:
        assert name in text
