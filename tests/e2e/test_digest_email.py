"""The digest e-mail as a mail client shows it: rendered by Chromium at desktop and phone sizes.

With UPDATE_SCREENSHOTS=1 it saves docs/screenshots/digest-email-<desktop|phone>.png, the
README's picture of the digest.
"""

import os
from io import StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.browser import horizontal_overflow

pytestmark = pytest.mark.e2e

SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.mark.clock("2027-05-17T08:05Z")
def test_the_digest_reads_well_in_a_mail_client(
    page, manager_client, webwork, form_factor, tmp_path, settings
):
    settings.SITE_URL = "https://leave.example.com"
    call_command("send_digests", "--user", "manager@sandbox.test", stdout=StringIO())
    (message,) = mail.outbox
    html = next(part.content for part in message.alternatives if part.mimetype == "text/html")
    page.set_content(html)
    expect(page.get_by_role("heading", level=1)).to_contain_text("leave requests waiting")
    expect(page.get_by_role("heading", name="Northwind Studio")).to_be_visible()
    inbox = page.get_by_role("link", name="Open the inbox")
    expect(inbox).to_have_attribute("href", "https://leave.example.com/w/1/")
    expect(page.get_by_text("Balance after:").first).to_be_visible()
    assert not horizontal_overflow(page)
    target = SCREENSHOT_DIR if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    path = target / f"digest-email-{form_factor}.png"
    page.screenshot(path=path, animations="disabled")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
