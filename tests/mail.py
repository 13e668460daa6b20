"""A real SMTP server for the mail tests (aiosmtpd), keeping every message it accepts."""

from __future__ import annotations

import email
import threading
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.ports import free_port


class SmtpSink:
    """Accepts mail on 127.0.0.1; `refuse` answers that many messages with a temporary error."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse = 0
        self.attempts = 0
        self._lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    async def handle_DATA(self, server, session, envelope):
        """Keep the message, or refuse it for now."""
        with self._lock:
            self.attempts += 1
            if self.refuse > 0:
                self.refuse -= 1
                return "451 4.3.0 Mailbox busy, try again later"
            self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        """Messages addressed to `address`."""
        return [m for m in self.messages if address in str(m["To"])]

    @property
    def port(self) -> int:
        """Where it listens."""
        return self.controller.port


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML bodies of a message."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html
