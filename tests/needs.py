"""One rule for tests that need something outside Python: skip here, fail where it is required.

A developer's machine may lack Chromium, Redis, PostgreSQL, Docker Compose or GNU gettext: those
tests skip, and the run ends with one line per skipped group saying why. CI sets
``REQUIRE_<GROUP>`` (any non-empty value means required), so there a missing service is a
failure, never a quiet skip.
"""

from __future__ import annotations

import os
import re

import pytest

GROUPS = {
    "browser": "REQUIRE_BROWSER",
    "redis": "REQUIRE_REDIS",
    "postgres": "REQUIRE_POSTGRES",
    "compose": "REQUIRE_COMPOSE",
    "gettext": "REQUIRE_GETTEXT",
}
_REASON = re.compile(r"^needs (?P<group>[a-z]+): (?P<why>.*?)(?: \(set REQUIRE_[A-Z]+=1 .*\))?$")


def required(group: str) -> bool:
    """Whether this run must have `group` (its REQUIRE_ variable is set to anything)."""
    return bool(os.environ.get(GROUPS[group], "").strip())


def reason(group: str, why: str) -> str:
    """The skip reason for `group`, in the form the end-of-run summary groups by."""
    return f"needs {group}: {why} (set {GROUPS[group]}=1 to fail instead)"


def missing(group: str, why: str) -> None:
    """`group` is not available: fail when it is required, else skip with a groupable reason."""
    if required(group):
        pytest.fail(f"{why}, and {GROUPS[group]} is set: this run requires {group}", pytrace=False)
    pytest.skip(reason(group, why))


def unavailable(group: str, why: str) -> pytest.MarkDecorator:
    """A marker for collection time: skip each test, or fail it at setup when `group` is
    required (the root conftest turns ``required_missing`` into a failure)."""
    if required(group):
        return pytest.mark.required_missing(group, why)
    return pytest.mark.skip(reason=reason(group, why))


def summarise(skipped_reports) -> list[str]:
    """One line per skipped group (or other reason), with how many tests and why."""
    groups: dict[str, tuple[int, str]] = {}
    for report in skipped_reports:
        longrepr = report.longrepr
        text = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        text = text.removeprefix("Skipped: ")
        match = _REASON.match(text)
        key, why = (match["group"], match["why"]) if match else (text, "")
        count, first_why = groups.get(key, (0, why))
        groups[key] = (count + 1, first_why)
    lines = []
    for key, (count, why) in sorted(groups.items()):
        tests = "test" if count == 1 else "tests"
        if key in GROUPS:
            lines.append(f"skipped {count} {tests} that need {key}: {why} (set {GROUPS[key]}=1)")
        else:
            lines.append(f"skipped {count} {tests}: {key}")
    return lines
