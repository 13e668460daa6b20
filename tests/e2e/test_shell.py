"""Shell first in the browser: a cold page paints its frame at once, then fills itself in."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from tests.e2e.browser import horizontal_overflow, open_page

pytestmark = pytest.mark.e2e

# Sums the layout shifts of the page's life so far (as Lighthouse's CLS does, without input).
LAYOUT_SHIFT = """() => new Promise((resolve) => {
  let total = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
  }).observe({type: "layout-shift", buffered: true});
  setTimeout(() => resolve(total), 300);
})"""


def test_a_cold_page_shows_its_frame_then_its_data(signed_in_page, dashboard, webwork):
    page = signed_in_page
    open_page(page, dashboard, "/w/1/")  # the script has run: the browser says so by cookie
    assert any(c["name"] == "wwld_js" for c in page.context.cookies())
    cache.clear()  # WebWork's data is no longer held
    fills = []
    page.on("request", lambda r: fills.append(r.url) if r.headers.get("x-shell-fill") else None)

    page.goto(dashboard + "/w/1/policies/")
    expect(page.locator(".site-footer")).to_be_visible()  # shown once the content is in
    assert page.evaluate(LAYOUT_SHIFT) < 0.01  # a short page: the footer never jumped
    cache.clear()

    open_page(page, dashboard, "/w/1/calendar/")
    assert fills == [dashboard + "/w/1/policies/", dashboard + "/w/1/calendar/"]
    expect(page.locator("[data-shell]")).to_have_count(0)
    expect(page.locator(".calendar")).to_be_visible()
    expect(page.get_by_role("navigation", name="Sections")).to_be_visible()
    assert page.title().startswith("Calendar ·")
    assert horizontal_overflow(page) is None
    assert page.evaluate(LAYOUT_SHIFT) < 0.1

    fills.clear()
    open_page(page, dashboard, "/w/1/calendar/")  # held now: the page comes in one piece
    assert fills == []


def test_a_frame_that_cannot_be_filled_loads_the_page_in_full(
    signed_in_page, dashboard, webwork, browser_problems
):
    page = signed_in_page
    open_page(page, dashboard, "/w/1/")
    cache.clear()
    for problem in (r"Failed to load resource", r"htmx:afterRequest", r"htmx:sendError"):
        browser_problems.allow(problem)  # the aborted fill, as htmx and Chromium report it
    page.route(
        "**/w/1/balances/",
        lambda route: (
            route.abort() if route.request.headers.get("x-shell-fill") else route.continue_()
        ),
    )
    open_page(page, dashboard, "/w/1/balances/")
    expect(page).to_have_url(dashboard + "/w/1/balances/?full=1")
    expect(page.get_by_role("heading", level=1)).to_have_text("Balances")
