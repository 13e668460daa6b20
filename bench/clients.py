"""HTTP clients: the dashboard as a signed-in browser, the sandbox's control API, WebWork's API."""

import re
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import requests

from bench.stack import BenchError

PERSONA = "manager@sandbox.test"
TIMEOUT = 60

_APP = re.compile(r"app;dur=([0-9.]+)")
_UPSTREAM = re.compile(r'upstream;dur=([0-9.]+);desc="(\d+) calls?"')


@dataclass(frozen=True)
class ServerTiming:
    """What the dashboard says about one response (`Server-Timing`)."""

    app_ms: float | None
    upstream_ms: float | None
    upstream_calls: int | None

    @classmethod
    def parse(cls, header: str | None) -> "ServerTiming":
        """Read `app;dur=<ms>, upstream;dur=<ms>;desc="<n> calls"`."""
        app = _APP.search(header or "")
        upstream = _UPSTREAM.search(header or "")
        return cls(
            app_ms=float(app.group(1)) if app else None,
            upstream_ms=float(upstream.group(1)) if upstream else None,
            upstream_calls=int(upstream.group(2)) if upstream else None,
        )


@dataclass
class Dashboard:
    """A browser signed in to the dashboard (cookies, CSRF token)."""

    base: str
    session: requests.Session = field(default_factory=requests.Session)

    def url(self, path: str) -> str:
        """Absolute URL of a path."""
        return self.base + path

    @property
    def csrf(self) -> str:
        """The CSRF cookie's value."""
        return self.session.cookies.get("csrftoken", "")

    def sign_in(self, persona: str = PERSONA) -> None:
        """The OAuth flow as a browser does it; `login_hint` skips the sandbox's picker."""
        self.session.get(self.url("/accounts/login/"), timeout=TIMEOUT)
        start = self.session.post(
            self.url("/accounts/webwork/login/"),
            data={"csrfmiddlewaretoken": self.csrf},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        if start.status_code != 302:
            raise BenchError(f"sign-in did not start: HTTP {start.status_code}")
        authorize = urlsplit(start.headers["Location"])
        query = parse_qs(authorize.query) | {"login_hint": [persona]}
        consent = requests.get(
            urlunsplit(authorize._replace(query=urlencode(query, doseq=True))),
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        if consent.status_code not in (302, 303):
            raise BenchError(f"the sandbox did not authorize: HTTP {consent.status_code}")
        callback = urlsplit(consent.headers["Location"])
        done = self.session.get(
            self.url(f"{callback.path}?{callback.query}"), allow_redirects=False, timeout=TIMEOUT
        )
        if done.status_code != 302:
            raise BenchError(f"the sign-in callback failed: HTTP {done.status_code}")

    def request(
        self,
        method: str,
        path: str,
        *,
        data: dict | None = None,
        htmx: bool = False,
        script: bool = False,
    ) -> tuple[requests.Response, float]:
        """One request (no redirects followed) and its time seen from here, in ms; `script`:
        as a browser that runs the dashboard's script (its cookie: cold pages come frame first).
        """
        headers = {}
        if method != "GET":
            headers["X-CSRFToken"] = self.csrf
        if htmx:
            headers["HX-Request"] = "true"
        started = time.perf_counter()
        response = self.session.request(
            method,
            self.url(path),
            data=data,
            headers=headers,
            cookies={"wwld_js": "1"} if script else None,
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        return response, (time.perf_counter() - started) * 1000


@dataclass
class Sandbox:
    """The sandbox's control API and, with a bearer token, WebWork's API v2."""

    base: str
    token: str = ""
    control: requests.Session = field(default_factory=requests.Session)
    api: requests.Session = field(default_factory=requests.Session)

    def set_latency(self, ms: int) -> None:
        """Latency added to every OAuth and API call."""
        self.control.put(f"{self.base}/_sandbox/config", json={"latency_ms": ms}, timeout=10)

    def reset_rate_limits(self) -> None:
        """Start every rate window afresh (the limit itself stays on)."""
        self.control.delete(f"{self.base}/_sandbox/rate-limits", timeout=10).raise_for_status()

    def clear_calls(self) -> None:
        """Forget the call log."""
        self.control.delete(f"{self.base}/_sandbox/calls", timeout=10).raise_for_status()

    def calls(self, since: float | None = None) -> dict:
        """`{total, counts, now, calls}`: calls that arrived at or after `since` (sandbox clock),
        else every call since the last clear."""
        params = {"since": repr(since)} if since is not None else {}
        response = self.control.get(f"{self.base}/_sandbox/calls", params=params, timeout=10)
        response.raise_for_status()
        return response.json()

    def now(self) -> float:
        """The sandbox's clock, as its call log records arrivals."""
        return float(self.calls(since=1e18)["now"])

    def wait_idle(self, *, quiet: float = 1.0, timeout: float = 20.0) -> None:
        """Wait until no call has been logged for `quiet` seconds.

        A request that ran out of its upstream time budget leaves calls in flight; the sandbox
        still answers (and logs) them afterwards, and they would slow the next measurement.
        """
        deadline = time.monotonic() + timeout
        last, changed = -1, time.monotonic()
        while time.monotonic() < deadline:
            total = int(self.calls()["total"])
            if total != last:
                last, changed = total, time.monotonic()
            elif time.monotonic() - changed >= quiet:
                return
            time.sleep(0.2)

    def get(self, path: str, params: dict) -> tuple[dict, float]:
        """GET an API v2 path with the bearer token; the body and the time it took in ms."""
        started = time.perf_counter()
        response = self.api.get(
            f"{self.base}/api/v2{path}",
            params=params,
            headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"},
            timeout=TIMEOUT,
        )
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise BenchError(f"GET {path} answered {response.status_code}: {response.text[:200]}")
        return response.json(), elapsed

    def get_all(self, path: str, params: dict) -> list[dict]:
        """Every item of a paginated list."""
        items: list[dict] = []
        page = 1
        while True:
            body, _ = self.get(path, {**params, "per_page": 100, "page": page})
            items += body.get("data") or []
            pagination = (body.get("meta") or {}).get("pagination") or {}
            if page >= int(pagination.get("last_page") or 1):
                return items
            page += 1
