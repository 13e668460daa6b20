"""Ports for servers that tests start in other processes."""

import random
import socket


def free_port() -> int:
    """A port no one listens on, for a server started later by another process.

    Chosen below the kernel's ephemeral range (32768 and up), so that neither outgoing
    connections nor the port-0 servers of other tests can take it in the meantime.
    """
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(20000, 32000)
        with socket.socket() as sock:
            try:
                sock.bind(("0.0.0.0", port))  # noqa: S104 - probing, as gunicorn will bind
            except OSError:
                continue
            return port
    raise RuntimeError("no free port between 20000 and 32000")
