"""The dashboard in German on a phone: every page translated, nothing wider than the screen,
and the footer's picker switching to another language on the same page."""

import os
import re
from pathlib import Path

import pytest
from django.utils import translation
from playwright.sync_api import expect

from tests.e2e.browser import WORKSPACE_PAGES, horizontal_overflow, open_page, sign_in
from tests.i18n.reading import (
    english_left,
    holiday_names,
    readable_text,
    upstream_strings,
    zone_labels,
)

pytestmark = [pytest.mark.e2e, pytest.mark.sizes("phone")]

SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def german(text: str, context: str | None = None) -> str:
    """`text` as the German catalogue has it."""
    with translation.override("de"):
        return translation.pgettext(context, text) if context else translation.gettext(text)


@pytest.fixture
def browser_context_args(browser_context_args):
    """A phone whose browser asks for German."""
    return {**browser_context_args, "locale": "de-DE"}


def test_a_german_browser_gets_every_page_in_german(page, dashboard, webwork, tmp_path):
    sign_in(page, dashboard, "Mateo García", button=german("Sign in with WebWork"))
    expect(page.locator("html")).to_have_attribute("lang", "de")
    team_words = upstream_strings(webwork, 1) + holiday_names() + zone_labels()
    problems = []
    for name, path in WORKSPACE_PAGES.items():
        open_page(page, dashboard, path)
        expect(page.locator("html")).to_have_attribute("lang", "de")
        overflow = horizontal_overflow(page)
        if overflow:
            problems.append(f"{name}: wider than the phone: {overflow}")
        left = english_left(readable_text(page.content()), "de", team_words)
        problems += [f"{name}: {found}" for found in left]
    assert not problems, "\n".join(problems)

    open_page(page, dashboard, WORKSPACE_PAGES["inbox"])
    expect(page.get_by_role("navigation").get_by_role("link").first).to_contain_text(
        german("Inbox")
    )
    target = SCREENSHOT_DIR if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    shot = target / "inbox-de-phone.png"
    page.evaluate("document.querySelectorAll('.toast').forEach((t) => t.remove())")
    page.screenshot(path=shot, animations="disabled", caret="hide")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_french_and_spanish_pages_fit_a_phone_with_no_english_left(page, dashboard, webwork):
    sign_in(page, dashboard, "Mateo García", button=german("Sign in with WebWork"))
    team_words = upstream_strings(webwork, 1) + holiday_names() + zone_labels()
    problems = []
    for language in ("fr", "es"):
        open_page(page, dashboard, "/w/1/")
        page.locator("#language-pick").select_option(language)
        page.locator(".language-picker button").click()
        expect(page.locator("html")).to_have_attribute("lang", language)
        for name, path in WORKSPACE_PAGES.items():
            open_page(page, dashboard, path)
            overflow = horizontal_overflow(page)
            if overflow:
                problems.append(f"{language} {name}: wider than the phone: {overflow}")
            left = english_left(readable_text(page.content()), language, team_words)
            problems += [f"{language} {name}: {found}" for found in left]
        cut = page.evaluate(
            """() => [...document.querySelectorAll('.nav span')]
                .filter((s) => s.scrollWidth > s.clientWidth + 1).map((s) => s.textContent)"""
        )
        if cut:
            problems.append(f"{language}: navigation labels cut short: {cut}")
    assert not problems, "\n".join(problems)


def test_the_footer_picker_switches_language_on_the_same_page(page, dashboard):
    sign_in(page, dashboard, "Mateo García", button=german("Sign in with WebWork"))
    open_page(page, dashboard, "/w/1/calendar/")
    page.get_by_label(german("Language")).select_option("fr")
    page.get_by_role("button", name=german("Change", "language picker")).click()
    expect(page).to_have_url(re.compile(r"/w/1/calendar/$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    # Saved for the person: a new browser session (no cookie) opens in French too.
    page.context.clear_cookies(name="django_language")
    open_page(page, dashboard, "/w/1/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
