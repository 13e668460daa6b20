"""Run the sandbox on a real socket: werkzeug's threaded server, in a background thread."""

from __future__ import annotations

import json
import socket
import struct
import threading
import urllib.request

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from sandbox.app import create_app
from sandbox.faults import DropConnection
from sandbox.state import SandboxState


class SandboxRequestHandler(WSGIRequestHandler):
    """Quiet request handler that can reset a connection on a ``drop`` fault."""

    def make_environ(self):
        """Mark the environ so the fault middleware knows resets are handled here."""
        environ = super().make_environ()
        environ["sandbox.resets_connection"] = True
        return environ

    def log_request(self, code="-", size="-") -> None:
        """Do not log every request."""

    def connection_dropped(self, error, environ=None) -> None:
        """Close the socket with SO_LINGER 0, so the client sees a reset and no response."""
        if not isinstance(error, DropConnection):
            return
        self.close_connection = True
        sock = self.connection
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()
            sock.close()
        except OSError:
            pass


class SandboxWSGIServer(ThreadedWSGIServer):
    """Threaded server whose shutdown does not wait for requests stuck in a latency fault."""

    block_on_close = False
    daemon_threads = True


def make_server(app, host: str = "127.0.0.1", port: int = 0) -> SandboxWSGIServer:
    """Bind a threaded sandbox server (``port=0`` picks a free port)."""
    return SandboxWSGIServer(host, port, app, handler=SandboxRequestHandler)


class SandboxServer:
    """The sandbox on a free local port, served from a daemon thread."""

    def __init__(self, state: SandboxState | None = None, host: str = "127.0.0.1", port: int = 0):
        self.state = state or SandboxState()
        self.host = host
        self.port = port
        self.app = create_app(self.state)
        self._server: SandboxWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def api_url(self) -> str:
        """API v2 base URL."""
        return f"{self.url}/api/v2"

    @property
    def oauth_url(self) -> str:
        """OAuth base URL (``/authorize`` and ``/token`` below it)."""
        return f"{self.url}/oauth"

    @property
    def control_url(self) -> str:
        """Control API base URL."""
        return f"{self.url}/_sandbox"

    def start(self, timeout: float = 5.0) -> SandboxServer:
        """Bind, serve in the background and wait until ``/_sandbox/healthz`` answers."""
        try:
            self._server = make_server(self.app, self.host, self.port)
        except SystemExit as exc:  # werkzeug exits when the port cannot be bound
            raise RuntimeError(f"cannot bind {self.host}:{self.port}") from exc
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"webwork-sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        with urllib.request.urlopen(f"{self.control_url}/healthz", timeout=timeout) as response:  # noqa: S310 - loopback URL
            if not json.load(response).get("ok"):
                raise RuntimeError("the sandbox did not report healthy")
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.state.wake_sleepers()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
