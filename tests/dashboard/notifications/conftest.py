"""Mail tests send through Django's SMTP backend to a real SMTP server on 127.0.0.1."""

import pytest

from config.settings.base import mailers_from_url
from tests.mail import SmtpSink
from tests.webhook import WebhookReceiver


@pytest.fixture
def smtp(settings):
    """A running SMTP sink, and the dashboard configured to send to it (EMAIL_URL)."""
    sink = SmtpSink()
    sink.controller.start()
    settings.EMAIL_URL = f"smtp://127.0.0.1:{sink.port}"
    settings.MAILERS = mailers_from_url(settings.EMAIL_URL, timeout=5)
    settings.SITE_URL = "https://leave.example.com"
    try:
        yield sink
    finally:
        sink.controller.stop()


@pytest.fixture
def receiver():
    """A local incoming-webhook receiver."""
    hook = WebhookReceiver().start()
    try:
        yield hook
    finally:
        hook.stop()
