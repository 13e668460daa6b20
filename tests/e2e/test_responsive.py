"""Phones: no sideways scrolling, 44 px tap targets, even with hostile text in every field."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import (
    STATES,
    WORKSPACE_PAGES,
    horizontal_overflow,
    open_page,
    sign_in,
    small_tap_targets,
    visit,
)

pytestmark = pytest.mark.e2e

# What a person taps: navigation, the top bar, buttons, form controls, disclosure toggles.
TAP_TARGETS = ", ".join(
    [
        ".nav a",
        ".topbar a",
        ".topbar button",
        ".topbar select",
        "main button",
        "main a.button",
        "main .link-button",
        "main summary",
        "main select",
        "main textarea",
        "main input:not([type=hidden]):not([type=radio]):not([type=checkbox])",
        "main .choice",
        ".toast__close",
    ]
)


@pytest.mark.sizes("phone")
def test_phone_layout_no_sideways_scrolling_and_44px_tap_targets(page, dashboard):
    """Every page and state at 390 and 375 px: nothing scrolls sideways, and everything a
    person taps is at least 44x44 px."""
    overflows, small = [], []

    def check(name: str) -> None:
        for width in (390, 375):
            page.set_viewport_size({"width": width, "height": 800})
            if overflow := horizontal_overflow(page):
                overflows.append(f"{name} at {width}px: {overflow}")
            small.extend(f"{name} at {width}px: {t}" for t in small_tap_targets(page, TAP_TARGETS))
        page.set_viewport_size({"width": 390, "height": 844})

    page.goto(dashboard + "/accounts/login/")
    check("sign-in")
    sign_in(page, dashboard, "Mateo García")
    # There must be something to measure: the nav, Approve and Reject.
    expect(page.locator(".nav a")).to_have_count(6)
    expect(page.get_by_role("button", name=re.compile("^Approve ")).first).to_be_visible()
    for name, path, setup in STATES:
        visit(page, dashboard, path, setup)
        check(name)
    assert not overflows, "Pages scroll sideways:\n" + "\n".join(overflows)
    assert not small, "Tap targets under 44x44 px:\n" + "\n".join(small)


@pytest.mark.sizes("phone")
@pytest.mark.sandbox_seed(hostile=True)
def test_hostile_text_neither_runs_nor_widens_pages(page, dashboard):
    """Every name, note and title is an XSS payload or a 5,600-character string."""
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.set_viewport_size({"width": 375, "height": 800})
    # The consent page shows the payload names too, and its long ones overlap the buttons:
    # choose and authorize from the keyboard.
    page.goto(dashboard + "/accounts/login/")
    page.get_by_role("button", name="Sign in with WebWork").click()
    page.get_by_role("radio", name=re.compile("manager@sandbox.test")).focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Authorize").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/w/1/$"))
    problems = []
    for name, path in WORKSPACE_PAGES.items():
        open_page(page, dashboard, path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        if overflow := horizontal_overflow(page):
            problems.append(f"{name}: {overflow}")
        if page.evaluate("window.__pwned"):
            problems.append(f"{name}: a payload ran (window.__pwned is set)")
    assert not dialogs, f"payloads opened dialogs: {dialogs}"
    assert not problems, "\n".join(problems)


@pytest.mark.sizes("phone")
def test_the_measurements_catch_problems(page, dashboard, browser_problems):
    """The checks above can fail: a small button, a too-wide box and a CSP violation are seen."""
    page.goto(dashboard + "/accounts/login/")
    assert horizontal_overflow(page) is None
    page.evaluate(
        """() => {
          for (const [id, size] of [["tiny", 20], ["fine", 44]]) {
            const b = document.createElement("button");
            b.id = id;
            b.textContent = id;
            b.style.cssText = `all: unset; display: block; width: ${size}px; height: ${size}px`;
            document.querySelector("main").append(b);
          }
          const wide = document.createElement("div");
          wide.id = "wide";
          wide.style.width = "600px";
          wide.style.height = "1px";
          document.body.append(wide);
        }"""
    )
    assert small_tap_targets(page, "main button#tiny, main button#fine") == ['button "tiny" 20x20']
    overflow = horizontal_overflow(page)
    assert overflow["scrollWidth"] >= 600
    assert any(c.startswith("div#wide") for c in overflow["culprits"])

    # An inline script (no nonce) is refused by the CSP, and the refusal is reported.
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.__inlineRan = true";
          document.body.append(script);
        }"""
    )
    assert page.evaluate("window.__inlineRan") is None
    for _ in range(20):
        if any("CSP violation: script-src" in seen for seen in browser_problems.seen):
            break
        page.wait_for_timeout(100)
    else:
        pytest.fail(f"no CSP violation reported; saw {browser_problems.seen}")
    browser_problems.allow(r"CSP violation: script-src|Content Security Policy")
