"""Helpers for the browser tests: signing in, and measuring what a person sees and can tap."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

# The pages of workspace 1 every layout and accessibility check visits, by screenshot name.
WORKSPACE_PAGES = {
    "inbox": "/w/1/",
    "requests": "/w/1/leaves/",
    "new-request": "/w/1/leaves/new/",
    "calendar": "/w/1/calendar/",
    "balances": "/w/1/balances/",
    "policies": "/w/1/policies/",
    "settings": "/w/1/settings/",
    "feeds": "/w/1/feeds/",
    "notifications": "/w/1/notifications/",
}

MIN_TAP = 44


def sign_in(page: Page, base_url: str, persona: str, button: str = "Sign in with WebWork") -> None:
    """Sign in through the real flow: the dashboard's button, then WebWork's consent page.

    `persona` is text of the persona's entry on the consent page: a name or an email; `button`
    the sign-in button's name in the page's language.
    """
    page.goto(base_url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_role("button", name=button).click()
    choice = page.locator("label").filter(has_text=persona)
    choice.click()
    expect(choice.get_by_role("radio")).to_be_checked()
    page.get_by_role("button", name="Authorize").click()
    expect(page).to_have_url(re.compile(r"/w/1/$"))
    wait_until_filled(page)


def wait_until_filled(page: Page) -> None:
    """Wait until the page's scripts (HTMX and ours) have run and, when the page came as its
    frame first (views/shell.py: its data was not held), until its data has filled it in."""
    page.wait_for_function(
        "() => window.htmx !== undefined && document.readyState === 'complete'"
        " && !document.querySelector('[data-shell]')"
    )


def tap(locator: Locator, form_factor: str) -> None:
    """Tap on the phone, click on the desktop (as a person on that device would)."""
    if form_factor == "phone":
        locator.tap()
    else:
        locator.click()


def open_page(page: Page, base_url: str, path: str) -> None:
    """Go to a page and wait until it is whole (see `wait_until_filled`)."""
    page.goto(base_url + path)
    wait_until_filled(page)


def horizontal_overflow(page: Page) -> dict | None:
    """None when the page does not scroll sideways, else the widths and the widest elements.

    With mobile emulation Chromium widens the layout viewport to fit wide content, so
    `window.innerWidth` grows with the overflow; the root's clientWidth stays the screen's.
    """
    return page.evaluate(
        """() => {
          const doc = document.documentElement;
          const width = Math.min(window.innerWidth, doc.clientWidth);
          if (doc.scrollWidth <= width) return null;
          const culprits = [...document.body.querySelectorAll("*")]
            .filter((el) => el.getBoundingClientRect().right > width + 0.5)
            .slice(0, 5)
            .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
                 (el.className && typeof el.className === "string"
                    ? "." + el.className.trim().split(/\\s+/).join(".") : "") +
                 " right=" + Math.round(el.getBoundingClientRect().right));
          return {scrollWidth: doc.scrollWidth, width, culprits};
        }"""
    )


def small_tap_targets(page: Page, selector: str) -> list[str]:
    """Visible elements matching `selector` whose box is under 44x44 CSS pixels."""
    return page.evaluate(
        """([selector, min]) => [...document.querySelectorAll(selector)]
          .filter((el) => {
            const r = el.getBoundingClientRect();
            const style = getComputedStyle(el);
            return r.width > 0 && r.height > 0 && style.visibility !== "hidden";
          })
          .map((el) => {
            const r = el.getBoundingClientRect();
            const name = (el.getAttribute("aria-label") || el.textContent || el.name || "")
              .trim().replace(/\\s+/g, " ").slice(0, 40);
            return {name, tag: el.tagName.toLowerCase(), w: r.width, h: r.height};
          })
          .filter((t) => t.w < min - 0.5 || t.h < min - 0.5)
          .map((t) => `${t.tag} "${t.name}" ${t.w.toFixed(0)}x${t.h.toFixed(0)}`)""",
        [selector, MIN_TAP],
    )


# ---------------------------------------------------------------- pages in interesting states


def open_reject_with_error(page) -> None:
    """Open the first request's reject form and send it blank (the server's error shows)."""
    row = page.locator("ol.requests > li.request").first
    row.locator("summary", has_text="Reject").click()
    row.get_by_label("Reason (the member will see it)").fill(" ")
    row.get_by_role("button", name="Reject request").click()
    expect(page.locator("ol.requests .field__error").first).to_be_visible()


def submit_empty_request(page) -> None:
    """Send the new-request form empty, so every error shows."""
    page.get_by_role("button", name="File request").click()
    expect(page.locator(".field__error").first).to_be_visible()


def open_more_filters(page) -> None:
    """Unfold "More filters" where it is folded."""
    summary = page.get_by_text(re.compile(r"^More filters"))
    if summary.is_visible():
        summary.click()
    expect(page.get_by_label("Status")).to_be_visible()


def go_to_next_month(page) -> None:
    """Move the calendar on a month (over HTMX)."""
    page.locator("#cal-next").click()
    expect(page).to_have_url(re.compile(r"\?month=\d{4}-\d{2}$"))


def make_a_feed(page) -> None:
    """Make a feed for one team: its link is shown, once, with the copy button."""
    page.get_by_label("Team").last.select_option(index=1)
    page.get_by_role("button", name="Make feed").click()
    expect(page.get_by_role("button", name="Copy link")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")


# (name, path, what to do there before checking)
STATES = [
    *[(name, path, None) for name, path in WORKSPACE_PAGES.items()],
    ("inbox, reject form with an error", "/w/1/", open_reject_with_error),
    ("new request with errors", "/w/1/leaves/new/", submit_empty_request),
    ("requests, all filters", "/w/1/leaves/?status=pending", open_more_filters),
    ("calendar, next month", "/w/1/calendar/", go_to_next_month),
    ("feed-link", "/w/1/feeds/", make_a_feed),
]


def visit(page, dashboard: str, path: str, setup) -> None:
    """Open a state's page and prepare it."""
    open_page(page, dashboard, path)
    if setup:
        setup(page)


def pending_badge(page: Page) -> int:
    """The number on the Inbox badge (0 when the badge is not shown)."""
    badge = page.locator("#pending-badge .badge")
    return int(badge.inner_text()) if badge.count() else 0
