"""Browser tests: Playwright drives Debian's Chromium against the live dashboard and the sandbox.

Every test that uses a page runs twice, once per form factor (desktop 1280x800 and a phone
390x844 with touch); ``@pytest.mark.sizes("phone")`` limits a test to the named ones. Any
Content Security Policy violation, uncaught JavaScript error or console error fails the test.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests import needs
from tests.e2e.browser import sign_in

# The live server runs Django in a thread of this process while Playwright's sync API keeps an
# event loop running; Django would otherwise refuse database access from it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

SIZES: dict[str, dict] = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
}

# Reports every CSP violation as a console error, with the directive and what was blocked.
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(
    "CSP violation: " + event.violatedDirective + " blocked " +
    (event.blockedURI || "inline code") + " at " + event.sourceFile + ":" + event.lineNumber
  );
});
"""

NO_BROWSER_REASON = (
    f"Chromium not found at {CHROMIUM}: install Debian's `chromium` package (or set E2E_CHROMIUM)"
)


def pytest_configure(config):
    """Register the ``sizes`` marker."""
    config.addinivalue_line(
        "markers", "sizes(*names): run a browser test only at these form factors (desktop, phone)"
    )


def pytest_collection_modifyitems(config, items):
    """Skip browser tests when there is no Chromium (they fail instead when it is required).

    Under ``--dist loadgroup`` a module's desktop and phone runs form separate groups, so
    they can run on different workers (each worker has its own live server and sandbox).
    """
    skip = None if CHROMIUM.exists() else needs.unavailable("browser", NO_BROWSER_REASON)
    for item in items:
        if not item.get_closest_marker("e2e"):
            continue
        if skip:
            item.add_marker(skip)
        callspec = getattr(item, "callspec", None)
        if callspec and "form_factor" in callspec.params:
            item.add_marker(pytest.mark.xdist_group(callspec.params["form_factor"]))


def pytest_generate_tests(metafunc):
    """Run each browser test at every form factor, or those its ``sizes`` marker names."""
    if "form_factor" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("sizes")
    names = list(marker.args) if marker else list(SIZES)
    unknown = set(names) - set(SIZES)
    if unknown:
        raise pytest.UsageError(f"Unknown form factor(s) {sorted(unknown)}; use {list(SIZES)}")
    metafunc.parametrize("form_factor", names, indirect=True)


@pytest.fixture
def form_factor(request) -> str:
    """``desktop`` or ``phone``."""
    return request.param


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium (Playwright cannot download its own here)."""
    if not CHROMIUM.exists():
        pytest.fail(NO_BROWSER_REASON, pytrace=False)
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture
def browser_context_args(browser_context_args, form_factor):
    """Viewport and touch of the form factor; a fixed locale and time zone."""
    return {
        **browser_context_args,
        **SIZES[form_factor],
        "locale": "en-GB",
        "timezone_id": "UTC",
        "accept_downloads": True,
    }


@dataclass
class BrowserProblems:
    """Console errors, CSP violations and uncaught exceptions seen by one browser context."""

    seen: list[str] = field(default_factory=list)
    allowed: list[re.Pattern] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        """Tolerate console errors matching this regex (for tests that provoke them)."""
        self.allowed.append(re.compile(pattern))

    def on_console(self, message) -> None:
        """Record console errors (Chromium reports CSP violations there too)."""
        if message.type == "error":
            where = message.location.get("url", "")
            self.seen.append(f"console error: {message.text} ({where})")

    def on_error(self, error) -> None:
        """Record uncaught exceptions and unhandled rejections."""
        self.seen.append(f"uncaught: {error.error}")

    def unexpected(self) -> list[str]:
        """What was seen and not allowed."""
        return [s for s in self.seen if not any(p.search(s) for p in self.allowed)]


PROBLEMS = pytest.StashKey[BrowserProblems]()


@pytest.fixture
def browser_problems(request) -> BrowserProblems:
    """The problems collector of this test's browser context."""
    problems = request.node.stash.get(PROBLEMS, None)
    if problems is None:
        problems = request.node.stash[PROBLEMS] = BrowserProblems()
    return problems


@pytest.fixture
def context(new_context, browser_problems):
    """A browser context that reports CSP violations, console errors and uncaught exceptions."""
    ctx = new_context()
    ctx.set_default_timeout(10_000)
    ctx.add_init_script(script=CSP_REPORTER)
    ctx.on("console", browser_problems.on_console)
    ctx.on("weberror", browser_problems.on_error)
    return ctx


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail a test that passed its assertions when the browser reported problems."""
    result = yield
    problems = item.stash.get(PROBLEMS, None)
    if problems is not None and (unexpected := problems.unexpected()):
        raise AssertionError("The browser reported problems:\n  " + "\n  ".join(unexpected))
    return result


@pytest.fixture
def dashboard(live_server, transactional_db, webwork) -> str:
    """Base URL of the live dashboard, wired to a freshly seeded sandbox."""
    return live_server.url


@pytest.fixture
def signed_in_page(page, dashboard, form_factor):
    """A page signed in as Mateo García (Executive manager of Northwind Studio) via the browser."""
    sign_in(page, dashboard, "Mateo García")
    return page
