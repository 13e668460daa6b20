"""The measured cases and the loop that times one series (a case, cold or warm, at one latency)."""

import datetime as dt
import re
import time
from dataclasses import asdict, dataclass, field

from bench.clients import Dashboard, Sandbox, ServerTiming
from bench.stack import BenchError, Stack, say
from bench.stats import rounds

WORKSPACE = 1
PERSONA_IDS = {1001, 1002, 1003, 1004}


@dataclass(frozen=True)
class Case:
    """One thing a person does: view a page, approve a request, file a request."""

    key: str
    title: str
    kind: str  # "page", "frame" (a cold page, frame first), "approve" or "new"
    path: str
    warm_target: bool = False  # warm p50/p95 target applies
    list_target: bool = False  # cold list call-count target applies

    @property
    def is_page(self) -> bool:
        """A GET page view."""
        return self.kind == "page"


def build_cases(policy_id: int) -> list[Case]:
    """Every case, in the order they run."""
    w = f"/w/{WORKSPACE}"
    return [
        Case("inbox", "Inbox", "page", f"{w}/", warm_target=True),
        Case("leaves", "Requests list", "page", f"{w}/leaves/", list_target=True),
        Case(
            "leaves_filtered",
            "Requests list, filtered",
            "page",
            f"{w}/leaves/?status=pending&policy={policy_id}",
            list_target=True,
        ),
        Case("calendar", "Calendar month", "page", f"{w}/calendar/", warm_target=True),
        Case("balances", "Balances", "page", f"{w}/balances/", warm_target=True),
        Case("policies", "Policies", "page", f"{w}/policies/"),
        # A cold page for a browser that runs the script: its frame, the data to follow.
        Case("inbox_frame", "Inbox, frame first", "frame", f"{w}/"),
        Case("calendar_frame", "Calendar month, frame first", "frame", f"{w}/calendar/"),
        Case("approve", "Approve (HTMX)", "approve", f"{w}/leaves/<uuid>/approve/"),
        Case("new", "New request (form post)", "new", f"{w}/leaves/new/"),
    ]


@dataclass
class Sample:
    """One measured request."""

    status: int
    ok: bool
    app_ms: float | None
    upstream_ms: float | None
    upstream_calls: int | None  # from Server-Timing
    sandbox_calls: int  # from the sandbox's call log
    counts: dict[str, int]  # sandbox calls by "METHOD path"
    client_ms: float
    bytes: int
    rounds: int | None = None  # sequential waves of upstream calls (with added latency)


@dataclass
class Series:
    """Samples of one case, cold or warm, at one latency."""

    case: str
    cold: bool
    latency_ms: int
    planned: int
    warmups: int = 0
    samples: list[Sample] = field(default_factory=list)
    capped: bool = False  # stopped early by the time budget
    skipped: str = ""  # why nothing was measured
    seconds: float = 0.0
    needed_calls: list[dict] = field(default_factory=list)  # GET calls of one cold request

    def to_dict(self) -> dict:
        """JSON-ready."""
        return asdict(self)


@dataclass
class Pools:
    """What write cases consume: pending leaves to approve, free (member, day) pairs to file."""

    pending: list[str]
    members: list[int]
    policy_id: int
    first_day: dt.date
    filed: int = 0

    def next_leave(self) -> str:
        """A pending leave nobody has decided yet."""
        if not self.pending:
            raise BenchError("no pending leave left to approve")
        return self.pending.pop()

    def next_request(self) -> tuple[int, dt.date]:
        """A member and a working day on which that member has no leave."""
        n = self.filed
        self.filed += 1
        member = self.members[n % len(self.members)]
        day = self.first_day + dt.timedelta(days=n // len(self.members) * 7 + n % 5)
        return member, day


def make_pools(sandbox: Sandbox, today: dt.date) -> Pools:
    """Read the seeded data the write cases need, through the API."""
    pending = [
        leave["id"]
        for leave in sandbox.get_all("/leaves", {"workspace_id": WORKSPACE, "status": "pending"})
    ]
    members = [
        m["id"]
        for m in sandbox.get_all("/members", {"workspace_id": WORKSPACE})
        if m.get("status") == "active" and m["id"] not in PERSONA_IDS
    ]
    policy_id = day_policy(sandbox)
    # Three years ahead, a Monday: no seeded leave is that far out and no balance is used there.
    first = dt.date(today.year + 3, 1, 1)
    first += dt.timedelta(days=(7 - first.weekday()) % 7)
    return Pools(pending=pending, members=members, policy_id=policy_id, first_day=first)


def day_policy(sandbox: Sandbox) -> int:
    """A day-based policy that needs no reason (Annual leave in the seed)."""
    body, _ = sandbox.get("/leaves/policies", {"workspace_id": WORKSPACE})
    for policy in body.get("data") or []:
        if policy.get("time_unit") == "days" and not policy.get("reason_required"):
            return int(policy["id"])
    raise BenchError("the sandbox has no day-based policy without a required reason")


_REQUEST_KEY = re.compile(r'name="request_key"[^>]*value="([^"]*)"')


@dataclass
class Runner:
    """Times requests of every case against the running stack."""

    stack: Stack
    dashboard: Dashboard
    sandbox: Sandbox
    pools: Pools
    cases: dict[str, Case]
    latency_ms: int = 0

    # ----------------------------------------------------------------------- one request
    def measure(self, case: Case, *, cold: bool) -> tuple[Sample, list[dict]]:
        """One request of `case` (cache emptied first when cold); the sample and its calls."""
        method, path, data, htmx = self._prepare(case)
        if cold:
            # Each cold request in a minute of its own: the cache (and with it the dashboard's
            # count of calls) emptied, and the sandbox's rate window started afresh.
            self.stack.flush_cache()
            self.sandbox.reset_rate_limits()
        elif not case.is_page:
            # Thirty writes in a few seconds are more than a person's minute holds: each
            # measured write gets a fresh one (its speed is measured here, not the budget).
            self.stack.fresh_minute()
            self.sandbox.reset_rate_limits()
        script = case.kind == "frame"
        if script and cold:
            # The person's access was checked a moment ago (a page seen before): what is cold
            # is the workspace's data, the case the frame is for.
            self.dashboard.request("GET", f"/w/{WORKSPACE}/settings/", script=True)
        self.sandbox.clear_calls()
        since = self.sandbox.now()
        response, client_ms = self.dashboard.request(
            method, path, data=data, htmx=htmx, script=script
        )
        # Only calls that arrived during this request: a late answer to an earlier, cut-short
        # request is logged when it completes, but with its earlier arrival time.
        log = self.sandbox.calls(since=since)
        timing = ServerTiming.parse(response.headers.get("Server-Timing"))
        ok = _ok(case, response)
        if not ok or timing.upstream_calls != int(log.get("total") or 0):
            # Calls still in flight: let them finish (so they neither go uncounted nor slow the
            # next request down), then read the log again.
            self.sandbox.wait_idle()
            log = self.sandbox.calls(since=since)
        calls = log.get("calls") or []
        sample = Sample(
            status=response.status_code,
            ok=ok,
            app_ms=timing.app_ms,
            upstream_ms=timing.upstream_ms,
            upstream_calls=timing.upstream_calls,
            sandbox_calls=int(log.get("total") or 0),
            counts=dict(log.get("counts") or {}),
            client_ms=client_ms,
            bytes=len(response.content),
            rounds=rounds([c["at"] for c in calls], self.latency_ms) if self.latency_ms else None,
        )
        return sample, calls

    def _prepare(self, case: Case) -> tuple[str, str, dict | None, bool]:
        if case.kind in ("page", "frame"):
            return "GET", case.path, None, False
        if case.kind == "approve":
            leave_id = self.pools.next_leave()
            return "POST", case.path.replace("<uuid>", leave_id), {}, True
        form, _ = self.dashboard.request("GET", case.path)
        key = _REQUEST_KEY.search(form.text)
        if form.status_code != 200 or key is None:
            raise BenchError(f"the new-request form did not load: HTTP {form.status_code}")
        member, day = self.pools.next_request()
        data = {
            "csrfmiddlewaretoken": self.dashboard.csrf,
            "request_key": key.group(1),
            "member_q": "",
            "member": str(member),
            "policy": str(self.pools.policy_id),
            "start": day.isoformat(),
            "end": day.isoformat(),
            "leave_period": "0",
            "reason": "",
        }
        return "POST", case.path, data, False

    # ----------------------------------------------------------------------- a series
    def run_series(
        self,
        case: Case,
        *,
        cold: bool,
        reps: int,
        warmups: int,
        min_reps: int,
        allowed_s: float | None,
        hard_deadline: float | None,
    ) -> Series:
        """Measure up to `reps` requests, after warm-up views when warm.

        Time limits never leave a series empty: it stops once `allowed_s` is spent and it has
        `min_reps` samples, once it has spent 2.5 times `allowed_s` (a slow page), or at
        `hard_deadline`, each time with at least one sample.
        """
        series = Series(case=case.key, cold=cold, latency_ms=self.latency_ms, planned=reps)
        started = time.monotonic()
        if not cold:
            if case.kind == "approve":
                # Warm means as after viewing the inbox: its pending list and lookups are cached.
                self.dashboard.request("GET", self.cases["inbox"].path)
            for _ in range(warmups):
                warmup_started = time.monotonic()
                self.measure(case, cold=False)
                series.warmups += 1
                if time.monotonic() - warmup_started > 2:
                    break  # a slow page: one warm-up view is enough
        measuring = time.monotonic()
        while len(series.samples) < reps:
            if series.samples and self._out_of_time(
                started, len(series.samples), allowed_s, min_reps, hard_deadline
            ):
                series.capped = True
                break
            sample, calls = self.measure(case, cold=cold)
            series.samples.append(sample)
            if cold and not series.needed_calls:
                series.needed_calls = _get_calls(calls)
        series.seconds = time.monotonic() - started
        ok = sum(s.ok for s in series.samples)
        app = sorted(s.app_ms for s in series.samples if s.app_ms is not None)
        p50 = app[len(app) // 2] if app else float("nan")
        say(
            f"  {case.key:<16} {'cold' if cold else 'warm'} {self.latency_ms:>3} ms: "
            f"n={len(series.samples)} ok={ok} p50={p50:.0f} ms "
            f"calls={series.samples[-1].sandbox_calls if series.samples else '-'} "
            f"({time.monotonic() - measuring:.0f} s{', time-capped' if series.capped else ''})"
        )
        return series

    @staticmethod
    def _out_of_time(
        started: float, n: int, allowed_s: float | None, min_reps: int, hard: float | None
    ) -> bool:
        now = time.monotonic()
        if hard is not None and now > hard:
            return True
        if allowed_s is None:
            return False
        spent = now - started
        return (spent > allowed_s and n >= min_reps) or spent > 2.5 * allowed_s


def _ok(case: Case, response) -> bool:
    """Did the request do what a person wanted (not just answer)?"""
    if case.kind == "page":
        return response.status_code == 200 and "notice--error" not in response.text
    if case.kind == "frame":
        return response.status_code == 200 and "data-shell" in response.text
    if case.kind == "approve":
        return response.status_code == 200 and "request__outcome--approved" in response.text
    return response.status_code == 302 and "/leaves/" in response.headers.get("Location", "")


def _get_calls(calls: list[dict]) -> list[dict]:
    """The API GETs of one request: path and query (the paging parameters kept)."""
    return [
        {"path": c["path"], "query": c.get("query") or {}}
        for c in calls
        if c.get("method") == "GET" and str(c.get("path", "")).startswith("/api/v2/")
    ]
