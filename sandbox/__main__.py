"""Run the WebWork sandbox: ``python -m sandbox --port 8001``."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from datetime import date

from sandbox.app import create_app
from sandbox.seed import PERSONAS
from sandbox.server import make_server
from sandbox.state import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Config, SandboxState


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m sandbox", description="A local fake of WebWork's OAuth2 server and API v2."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--members", type=int, default=40, help="members of workspace 1")
    parser.add_argument("--teams", type=int, default=4, help="teams of workspace 1")
    parser.add_argument("--policies", type=int, default=4, help="leave policies per workspace")
    parser.add_argument("--leaves", type=int, default=None, help="leaves of workspace 1")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--anchor", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
    parser.add_argument("--hostile", action="store_true", help="serve XSS payloads as text")
    parser.add_argument("--token-ttl", type=int, default=Config.token_ttl, help="seconds")
    parser.add_argument("--rate-limit", type=int, default=60, help="per minute; 0 = unlimited")
    parser.add_argument("--latency-ms", type=int, default=0, help="added to every call")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Seed, print where to connect and who to log in as, then serve until stopped."""
    args = parse_args(argv)
    config = Config(
        token_ttl=args.token_ttl, rate_limit=args.rate_limit, latency_ms=args.latency_ms
    )
    state = SandboxState(
        members=args.members,
        teams=args.teams,
        policies=args.policies,
        leaves=args.leaves,
        seed=args.seed,
        hostile=args.hostile,
        anchor=args.anchor,
        config=config,
        client_id=os.environ.get("WEBWORK_CLIENT_ID") or DEFAULT_CLIENT_ID,
        client_secret=os.environ.get("WEBWORK_CLIENT_SECRET") or DEFAULT_CLIENT_SECRET,
    )
    server = make_server(create_app(state), args.host, args.port)
    url = f"http://{args.host}:{server.server_port}"
    print(f"WebWork sandbox on {url}")
    print(f"  WEBWORK_API_URL={url}/api/v2")
    print(f"  WEBWORK_OAUTH_URL={url}/oauth")
    print(f"  client id: {state.client.client_id}")
    print(f"  control API: {url}/_sandbox/")
    print("Personas (login_hint=<email> skips the consent page):")
    for persona in PERSONAS:
        places = ", ".join(
            f"{w['role']} of {w['workspace_name']}" for w in state.workspaces_for(persona.id)
        )
        print(f"  {persona.id}  {persona.email:<24} {places}")
    sys.stdout.flush()

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
