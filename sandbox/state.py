"""The sandbox's in-memory store: seeded data, OAuth grants, faults, call log and settings.

Everything is guarded by one re-entrant lock, so the threaded server and test code can use the
same state at once. The helpers at the bottom let tests change the world "elsewhere" (a leave
decided by another manager, a role changed, tokens expired) without going through the API.
"""

from __future__ import annotations

import copy
import hashlib
import math
import secrets
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime

from sandbox import seed as seeding
from sandbox.calls import CallLog
from sandbox.faults import FaultRule
from sandbox.models import (
    LEAVE_STATUSES,
    ROLES,
    SCOPES,
    Leave,
    Membership,
    OAuthClient,
    Token,
    iso_seconds,
    leave_json,
    member_json,
    policy_json,
    workspace_json,
)

DAY = 24 * 60 * 60
DEFAULT_CLIENT_ID = "sandbox-client"
DEFAULT_CLIENT_SECRET = "sandbox-secret"


@dataclass
class Config:
    """Run-time settings; ``reset()`` restores the values the state was created with."""

    rate_limit: int = 60
    """Requests allowed per ``rate_window`` seconds and per access token; 0 = unlimited."""
    rate_window: float = 60.0
    rate_limit_per: str = "token"
    """``"token"`` (one window per access token) or ``"user"`` (per token owner)."""
    token_ttl: int = 15 * DAY
    refresh_ttl: int = 30 * DAY
    code_ttl: int = 600
    latency_ms: int = 0
    """Added to every OAuth and API request."""
    revoke_family_on_reuse: bool = False
    """Reusing a rotated refresh token also revokes every token of that login."""

    def update(self, **values) -> None:
        """Set several settings at once, refusing unknown names and bad values."""
        known = {f.name: f for f in fields(self)}
        for name, value in values.items():
            if name not in known:
                raise ValueError(f"unknown setting: {name}")
            if name == "rate_limit_per":
                if value not in ("token", "user"):
                    raise ValueError('rate_limit_per must be "token" or "user"')
            elif name == "revoke_family_on_reuse":
                value = bool(value)
            else:
                value = float(value) if name == "rate_window" else int(value)
                if value < 0 or (name in ("token_ttl", "refresh_ttl", "rate_window") and not value):
                    raise ValueError(f"{name} out of range")
            setattr(self, name, value)


class SandboxState:
    """All the data and knobs of one sandbox."""

    def __init__(
        self,
        *,
        members: int = 40,
        teams: int = 4,
        policies: int = 4,
        leaves: int | None = None,
        seed: int = 1,
        hostile: bool = False,
        anchor: date | None = None,
        config: Config | None = None,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
    ):
        self.lock = threading.RLock()
        self.clock = time.monotonic
        """Monotonic clock for token expiry, rate windows and the call log; replaceable."""
        self.wall = lambda: datetime.now(UTC)
        """Wall clock for timestamps; replaceable."""
        self.calls = CallLog(lambda: self.clock())
        self.token_prefix = ""
        self.refresh_prefix = ""
        self.generation = 0
        self._wake = threading.Event()
        self._defaults = config or Config()
        self._seed_defaults = seeding.SeedOptions(
            members=members,
            teams=teams,
            policies=policies,
            leaves=leaves,
            seed=seed,
            hostile=hostile,
            anchor=anchor,
        )
        self.client = OAuthClient(client_id, client_secret, "WebWork Leave Dashboard")
        self.reset()

    # ------------------------------------------------------------------ lifecycle

    def reset(self, **seed_options) -> None:
        """Re-seed (defaults unless overridden) and clear tokens, faults, calls and counters."""
        options = replace(self._seed_defaults, **seed_options)
        if options.anchor is None:
            options = replace(options, anchor=self.wall().date())
        data = seeding.generate(options)
        with self.lock:
            self.seed_options = options
            self.config = replace(self._defaults)
            self.workspaces = {k: copy.copy(v) for k, v in data.workspaces.items()}
            self.users = {k: copy.copy(v) for k, v in data.users.items()}
            self.memberships = {k: copy.copy(v) for k, v in data.memberships.items()}
            self.policies = {k: copy.copy(v) for k, v in data.policies.items()}
            self.leaves = {k: copy.copy(v) for k, v in data.leaves.items()}
            self.clients = {self.client.client_id: self.client}
            self.codes = {}
            self.access_tokens = {}
            self.refresh_tokens = {}
            self.faults: list[FaultRule] = []
            self.rate_buckets: dict[str, deque] = {}
            self.token_prefix = ""
            self.refresh_prefix = ""
            self.generation += 1
            self.calls.clear()
        self.wake_sleepers()

    def sleep(self, seconds: float) -> None:
        """Sleep, but wake early when faults are cleared or the state is reset."""
        self._wake.wait(seconds)

    def wake_sleepers(self) -> None:
        """Wake every request currently delayed by a latency knob."""
        old, self._wake = self._wake, threading.Event()
        old.set()

    def meta(self, pagination: dict | None = None) -> dict:
        """The ``meta`` object of API responses."""
        meta = {"api_version": "2.0.0", "timestamp": iso_seconds(self.wall())}
        if pagination is not None:
            meta["pagination"] = pagination
        return meta

    # ------------------------------------------------------------------ faults

    def add_fault(self, rule: FaultRule | dict | None = None, **fields_) -> FaultRule:
        """Add a fault rule (a FaultRule, a dict, or keyword fields) and return it."""
        if rule is None:
            rule = FaultRule(**fields_)
        elif isinstance(rule, dict):
            rule = FaultRule.from_dict(rule)
        with self.lock:
            self.faults.append(rule)
        return rule

    def clear_faults(self) -> None:
        """Remove every fault rule and wake requests sleeping on one."""
        with self.lock:
            self.faults = []
        self.wake_sleepers()

    def remove_fault(self, rule_id: int) -> bool:
        """Remove one rule by id; tell whether it existed."""
        with self.lock:
            before = len(self.faults)
            self.faults = [r for r in self.faults if r.id != rule_id]
            return len(self.faults) != before

    def take_fault(self, method: str, path: str) -> FaultRule | None:
        """Return the first rule matching the request, counting it against ``times``."""
        with self.lock:
            for rule in self.faults:
                if rule.matches(method, path):
                    rule.hits += 1
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times <= 0:
                            self.faults.remove(rule)
                    return copy.copy(rule)
        return None

    # ------------------------------------------------------------------ tokens

    def register_client(self, client_id: str, client_secret: str, name: str = "Other app"):
        """Register another OAuth client (until the next reset)."""
        with self.lock:
            self.clients[client_id] = OAuthClient(client_id, client_secret, name)
            return self.clients[client_id]

    @staticmethod
    def token_id_for(value: str) -> str:
        """Short, non-secret id of a token (a hash prefix), as used in the call log."""
        return hashlib.sha256(value.encode()).hexdigest()[:12]

    def issue_tokens(
        self,
        user_id: int,
        scope: str | tuple[str, ...] = ("read", "write"),
        client_id: str | None = None,
        family: str | None = None,
    ) -> dict:
        """Mint an access and refresh token pair; return the OAuth token response."""
        if isinstance(scope, str):
            scope = tuple(s for s in SCOPES if s in scope.split())
        client_id = client_id or self.client.client_id
        family = family or uuid.uuid4().hex
        now = self.clock()
        with self.lock:
            access = self.token_prefix + secrets.token_urlsafe(32)
            refresh = self.refresh_prefix + secrets.token_urlsafe(32)
            self.access_tokens[access] = Token(
                access,
                self.token_id_for(access),
                "access",
                user_id,
                client_id,
                scope,
                now + self.config.token_ttl,
                family,
            )
            self.refresh_tokens[refresh] = Token(
                refresh,
                self.token_id_for(refresh),
                "refresh",
                user_id,
                client_id,
                scope,
                now + self.config.refresh_ttl,
                family,
            )
            ttl = self.config.token_ttl
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": ttl,
            "refresh_token": refresh,
            "scope": " ".join(scope),
        }

    def authenticate(self, value: str) -> Token | None:
        """Return the live access token with this value, or None."""
        with self.lock:
            token = self.access_tokens.get(value)
            if token is None or token.revoked or token.expires_at <= self.clock():
                return None
            return token

    def identify_bearer(self, header: str | None) -> tuple[int | None, str | None]:
        """Owner and token id of a bearer header, even for an expired token (for the log)."""
        if not header or header[:7].lower() != "bearer ":
            return None, None
        value = header[7:].strip()
        with self.lock:
            token = self.access_tokens.get(value)
        if token is None:
            return None, None
        return token.user_id, token.token_id

    def expire_access_tokens(self, user_id: int | None = None) -> int:
        """Make access tokens (of one user, or all) expired now; return how many."""
        count = 0
        with self.lock:
            for token in self.access_tokens.values():
                if user_id is None or token.user_id == user_id:
                    token.expires_at = self.clock() - 1
                    count += 1
        return count

    def revoke_refresh_tokens(self, user_id: int | None = None) -> int:
        """Revoke refresh tokens (of one user, or all); return how many were live."""
        count = 0
        with self.lock:
            for token in self.refresh_tokens.values():
                if (user_id is None or token.user_id == user_id) and not token.revoked:
                    token.revoked = True
                    count += 1
        return count

    def revoke_family(self, family: str) -> None:
        """Revoke every access and refresh token issued from one login."""
        with self.lock:
            for token in (*self.access_tokens.values(), *self.refresh_tokens.values()):
                if token.family == family:
                    token.revoked = True

    def check_rate(self, token: Token) -> tuple[int, int, int | None]:
        """Count a request against the sliding window: ``(limit, remaining, retry_after)``.

        ``retry_after`` is None when the request is allowed, else the whole seconds until a
        slot frees. A limit of 0 means unlimited and returns ``(0, 0, None)``.
        """
        limit = self.config.rate_limit
        if limit <= 0:
            return 0, 0, None
        window = self.config.rate_window
        key = token.token_id if self.config.rate_limit_per == "token" else f"u{token.user_id}"
        now = self.clock()
        with self.lock:
            bucket = self.rate_buckets.setdefault(key, deque())
            while bucket and bucket[0] <= now - window:
                bucket.popleft()
            if len(bucket) >= limit:
                return limit, 0, max(1, math.ceil(bucket[0] + window - now))
            bucket.append(now)
            return limit, limit - len(bucket), None

    def reset_rate_limits(self) -> None:
        """Forget every rate-limit window."""
        with self.lock:
            self.rate_buckets = {}

    # ------------------------------------------------------------------ lookups

    def membership(self, workspace_id: int, user_id: int) -> Membership | None:
        """The user's membership of a workspace, or None."""
        return self.memberships.get((workspace_id, user_id))

    def user_by_email(self, email: str):
        """The user with this email (case-insensitive), or None."""
        wanted = email.strip().lower()
        with self.lock:
            return next((u for u in self.users.values() if u.email.lower() == wanted), None)

    def workspace_leaves(self, workspace_id: int) -> list[Leave]:
        """A workspace's leave records, ordered by ``created_at`` then id."""
        with self.lock:
            found = [lv for lv in self.leaves.values() if lv.workspace_id == workspace_id]
        found.sort(key=lambda lv: (lv.created_at, lv.id))
        return found

    def leave_dict(self, leave: Leave) -> dict:
        """The API form of a leave record."""
        return leave_json(leave, self.policies.get(leave.policy_id))

    def workspaces_for(self, user_id: int) -> list[dict]:
        """API form of the workspaces a user belongs to."""
        with self.lock:
            return [
                workspace_json(self.workspaces[m.workspace_id], m)
                for (ws_id, uid), m in sorted(self.memberships.items())
                if uid == user_id and m.status == "active"
            ]

    def members_for(self, workspace_id: int) -> list[dict]:
        """API form of a workspace's members, by id."""
        with self.lock:
            return [
                member_json(self.users[uid], m)
                for (ws_id, uid), m in sorted(self.memberships.items())
                if ws_id == workspace_id
            ]

    def policies_for(self, workspace_id: int) -> list[dict]:
        """API form of a workspace's leave policies."""
        with self.lock:
            return [
                policy_json(p)
                for p in sorted(self.policies.values(), key=lambda p: p.id)
                if p.workspace_id == workspace_id
            ]

    def leaves_for(
        self, workspace_id: int, *, user_id: int | None = None, status: str | None = None
    ) -> list[dict]:
        """API form of a workspace's leaves (optionally one user's or one status)."""
        with self.lock:
            return [
                self.leave_dict(lv)
                for lv in self.workspace_leaves(workspace_id)
                if (user_id is None or lv.user_id == user_id)
                and (status is None or lv.status == status)
            ]

    def leave(self, leave_id: str) -> dict:
        """API form of one leave; KeyError when unknown."""
        with self.lock:
            return self.leave_dict(self.leaves[leave_id])

    # ------------------------------------------------------------------ changes "elsewhere"

    def decide(
        self, leave_id: str, status: str, by_user_id: int, reason: str | None = None
    ) -> dict:
        """Set a leave's status as if someone decided it outside the dashboard."""
        if status not in LEAVE_STATUSES:
            raise ValueError(f"status must be one of {', '.join(LEAVE_STATUSES)}")
        with self.lock:
            leave = self.leaves[leave_id]
            now = self.wall()
            leave.status = status
            leave.approved_by = by_user_id if status == "approved" else None
            leave.rejected_by = by_user_id if status == "rejected" else None
            leave.reject_reason = reason if status == "rejected" else None
            leave.decided_at = None if status == "pending" else now
            leave.updated_at = now
            return self.leave_dict(leave)

    def set_role(self, workspace_id: int, user_id: int, role: str) -> dict:
        """Change a member's role in a workspace; return the member."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        with self.lock:
            membership = self.memberships[(workspace_id, user_id)]
            membership.role = role
            return member_json(self.users[user_id], membership)

    def set_member_status(self, workspace_id: int, user_id: int, status: str) -> dict:
        """Change a member's status (active, inactive, left, unknown); return the member."""
        with self.lock:
            membership = self.memberships[(workspace_id, user_id)]
            membership.status = status
            return member_json(self.users[user_id], membership)

    def add_leave(
        self,
        workspace_id: int,
        user_id: int,
        start: date,
        end: date | None = None,
        *,
        policy_id: int | None = None,
        status: str = "pending",
        note: str | None = None,
        leave_period: int = 0,
        start_time: str | None = None,
        end_time: str | None = None,
        created_by: int | None = None,
        created_at: datetime | None = None,
        decided_by: int | None = None,
        reject_reason: str | None = None,
        show_end_date: bool = True,
    ) -> dict:
        """Insert a leave directly (no validation beyond existence); return its API form."""
        with self.lock:
            if (workspace_id, user_id) not in self.memberships:
                raise KeyError(f"user {user_id} is not a member of workspace {workspace_id}")
            if policy_id is None:
                policy_id = min(
                    p.id for p in self.policies.values() if p.workspace_id == workspace_id
                )
            policy = self.policies[policy_id]
            if policy.workspace_id != workspace_id:
                raise KeyError(f"policy {policy_id} belongs to another workspace")
            created = created_at or self.wall()
            leave = Leave(
                id=str(uuid.uuid4()),
                workspace_id=workspace_id,
                user_id=user_id,
                policy_id=policy_id,
                status="pending",
                start_date=start,
                end_date=end or start,
                created_by=created_by or user_id,
                created_at=created,
                updated_at=created,
                is_paid=policy.is_paid,
                leave_period=leave_period,
                start_time=start_time,
                end_time=end_time,
                note=note,
                show_end_date=show_end_date,
            )
            self.leaves[leave.id] = leave
            if status != "pending":
                owner = self.workspaces[workspace_id].owner_id
                return self.decide(leave.id, status, decided_by or owner, reject_reason)
            return self.leave_dict(leave)
