"""Accessibility: axe-core on every page and in its interactive states, light and dark themes.

Serious and critical violations fail the test; all of them are listed, readably, at once. The
same visit saves the screenshots in docs/screenshots (with UPDATE_SCREENSHOTS=1).
"""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.browser import STATES, sign_in, visit

pytestmark = pytest.mark.e2e

BLOCKING_IMPACTS = {"serious", "critical"}
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SCREENSHOT_NAMES = {
    "sign-in",
    "inbox",
    "requests",
    "new-request",
    "calendar",
    "balances",
    "policies",
    "feed-link",
    "notifications",
}
# The dark theme changes only colours, so only colour rules run there.
DARK_THEME_RULES = ["color-contrast", "link-in-text-block"]

# axe-core as bundled with axe-playwright-python (no network needed).
AXE_SCRIPT = Axe().axe_script


def axe_violations(page, where: str, rules: list[str] | None = None) -> list[str]:
    """Serious and critical axe-core violations on the current page, one readable line each.

    `rules` limits the run to those rule ids (e.g. only colour contrast for the dark theme).
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    options = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": rules}
    results = page.evaluate("(options) => axe.run(document, options)", options)
    lines = []
    for violation in results["violations"]:
        if violation["impact"] not in BLOCKING_IMPACTS:
            continue
        for node in violation["nodes"][:5]:
            lines.append(
                f"{where}: {violation['id']} ({violation['impact']}) {violation['help']}\n"
                f"    at {' '.join(node['target'])}: {node['html'][:160]}\n"
                f"    {node.get('failureSummary', '').replace(chr(10), ' ')[:300]}"
            )
        if len(violation["nodes"]) > 5:
            lines.append(f"    ... and {len(violation['nodes']) - 5} more")
    return lines


@pytest.fixture
def screenshots(form_factor, tmp_path):
    """Save a screenshot of the current page as `<name>-<desktop|phone>.png`.

    To docs/screenshots with UPDATE_SCREENSHOTS=1, else to a temporary directory. Phones get
    a viewport-sized shot (readable); the desktop gets the page up to 1,800 px tall.
    """
    target = SCREENSHOT_DIR if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def shoot(page, name: str) -> None:
        page.evaluate("document.querySelectorAll('.toast').forEach((t) => t.remove())")
        page.evaluate("document.fonts.ready")
        path = target / f"{name}-{form_factor}.png"
        options = {"path": path, "animations": "disabled", "caret": "hide"}
        if form_factor == "desktop":
            # The whole page, up to a height that keeps long lists' files small.
            height = page.evaluate("document.documentElement.scrollHeight")
            options.update(
                full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": min(height, 1800)}
            )
        page.screenshot(**options)
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", path
        assert len(data) < 1_500_000, f"{path.name} is {len(data)} bytes"
        written.append(path)

    shoot.written = written
    return shoot


def test_every_page_has_no_serious_accessibility_violations(
    page, dashboard, form_factor, screenshots
):
    """axe-core on every page and state (light theme; colours again in the dark theme on the
    desktop). While at each page, it saves the documentation screenshot."""
    problems = []

    def check(name: str) -> None:
        page.emulate_media(color_scheme="light")
        if name in SCREENSHOT_NAMES:
            screenshots(page, name)
        problems.extend(axe_violations(page, f"{name} [light]"))
        if form_factor == "desktop":
            page.emulate_media(color_scheme="dark")
            problems.extend(axe_violations(page, f"{name} [dark]", rules=DARK_THEME_RULES))
            page.emulate_media(color_scheme="light")

    page.goto(dashboard + "/accounts/login/")
    check("sign-in")
    sign_in(page, dashboard, "Mateo García")
    for name, path, setup in STATES:
        visit(page, dashboard, path, setup)
        check(name)
    assert not problems, "axe-core found serious problems:\n" + "\n".join(problems)
    assert sorted(p.name for p in screenshots.written) == sorted(
        f"{name}-{form_factor}.png" for name in SCREENSHOT_NAMES
    )
