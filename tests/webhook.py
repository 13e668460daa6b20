"""A local incoming-webhook receiver (plain http on 127.0.0.1) that records what it is sent."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class WebhookReceiver:
    """Answers `status` (and `location` for redirects) after `delay` seconds."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.attempts = 0
        self.status = 200
        self.delay = 0.0
        self.location = "https://example.invalid/elsewhere"
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.attempts += 1
                time.sleep(receiver.delay)
                if receiver.status == 200:
                    receiver.received.append(json.loads(body))
                self.send_response(receiver.status)
                if 300 <= receiver.status < 400:
                    self.send_header("Location", receiver.location)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The webhook's address."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/T000/B000/secret-part"

    def start(self) -> WebhookReceiver:
        """Listen in a thread."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        self.server.shutdown()
        self.server.server_close()
