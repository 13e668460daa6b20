"""Records kept by the sandbox store, and their JSON shapes as WebWork API v2 serves them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sandbox import leave_math

ROLES = (
    "Owner",
    "Project viewer",
    "Executive manager",
    "Team manager",
    "Project manager",
    "Regular User",
)
MANAGER_ROLES = frozenset({"Owner", "Executive manager"})
MEMBER_STATUSES = ("active", "inactive", "left", "unknown")
LEAVE_STATUSES = ("pending", "approved", "rejected")
SCOPES = ("read", "write", "admin")


def iso_micro(moment: datetime) -> str:
    """Format like ``2025-02-19T19:24:55.000000Z`` (WebWork's ``created_at``)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_seconds(moment: datetime) -> str:
    """Format like ``2024-01-15T10:30:00Z`` (WebWork's ``meta.timestamp``)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def sql_datetime(moment: datetime) -> str:
    """Format like ``2025-02-19 19:24:55`` (WebWork's ``activated_at``)."""
    return moment.strftime("%Y-%m-%d %H:%M:%S")


@dataclass(slots=True)
class Workspace:
    """A WebWork workspace (team)."""

    id: int
    name: str
    owner_id: int
    created_at: datetime
    activated_at: datetime
    status: str = "active"


@dataclass(slots=True)
class User:
    """A WebWork account; the same person has the same id in every workspace."""

    id: int
    email: str
    firstname: str
    lastname: str
    timezone: str | None
    avatar: str | None = None

    @property
    def full_name(self) -> str:
        """First and last name, as WebWork shows them."""
        return f"{self.firstname} {self.lastname}".strip()


@dataclass(slots=True)
class Membership:
    """A user's place in one workspace: role, status, team and title."""

    workspace_id: int
    user_id: int
    role: str
    created_at: datetime
    status: str = "active"
    team_name: str | None = None
    title: str | None = None
    is_blocked: bool = False
    weekly_hours_limit: int | None = None


@dataclass(slots=True)
class Policy:
    """A leave policy of one workspace."""

    id: int
    workspace_id: int
    name: str
    time_unit: str
    duration: float
    hours_per_day: float | None
    is_paid: bool
    allow_negative_balance: bool
    reason_required: bool


@dataclass(slots=True)
class Leave:
    """A leave request."""

    id: str
    workspace_id: int
    user_id: int
    policy_id: int
    status: str
    start_date: date
    end_date: date
    created_by: int
    created_at: datetime
    is_paid: bool
    leave_period: int = 0
    start_time: str | None = None
    end_time: str | None = None
    note: str | None = None
    approved_by: int | None = None
    rejected_by: int | None = None
    reject_reason: str | None = None
    decided_at: datetime | None = None
    updated_at: datetime | None = None
    show_end_date: bool = True


@dataclass(slots=True)
class OAuthClient:
    """A registered OAuth application."""

    client_id: str
    client_secret: str
    name: str


@dataclass(slots=True)
class AuthorizationCode:
    """An issued authorization code and everything it is bound to."""

    code: str
    client_id: str
    redirect_uri: str
    scope: tuple[str, ...]
    user_id: int
    expires_at: float
    family: str
    code_challenge: str | None = None
    used: bool = False


@dataclass(slots=True)
class Token:
    """An access or refresh token."""

    value: str
    token_id: str
    kind: str
    user_id: int
    client_id: str
    scope: tuple[str, ...]
    expires_at: float
    family: str
    revoked: bool = False
    rotated: bool = False


def workspace_json(workspace: Workspace, membership: Membership) -> dict:
    """Serialize a workspace as seen by the member ``membership``."""
    return {
        "id": workspace.id,
        "owner_id": workspace.owner_id,
        "user_id": membership.user_id,
        "workspace_name": workspace.name,
        "role": membership.role,
        "status": membership.status,
        "created_at": iso_micro(workspace.created_at),
        "activated_at": sql_datetime(workspace.activated_at),
    }


def member_json(user: User, membership: Membership) -> dict:
    """Serialize a member object (documented fields first, then a few extra ones)."""
    return {
        "id": user.id,
        "email": user.email,
        "firstname": user.firstname,
        "lastname": user.lastname,
        "avatar": user.avatar,
        "current_role": membership.role,
        "timezone": user.timezone,
        "status": membership.status,
        "team_name": membership.team_name,
        "title": membership.title,
        "is_blocked": membership.is_blocked,
        "weekly_hours_limit": membership.weekly_hours_limit,
        "created_at": iso_micro(membership.created_at),
    }


def policy_json(policy: Policy) -> dict:
    """Serialize a leave policy."""
    return {
        "id": policy.id,
        "name": policy.name,
        "time_unit": policy.time_unit,
        "duration": leave_math.plain_number(policy.duration),
        "hours_per_day": (
            None if policy.hours_per_day is None else leave_math.plain_number(policy.hours_per_day)
        ),
        "is_paid": "yes" if policy.is_paid else "no",
        "allow_negative_balance": policy.allow_negative_balance,
        "reason_required": policy.reason_required,
    }


def leave_json(leave: Leave, policy: Policy | None) -> dict:
    """Serialize a leave request; ``end_date`` is left out when the record says so."""
    days, hours = leave_math.leave_total(leave, policy)
    data = {
        "id": leave.id,
        "user_id": leave.user_id,
        "status": leave.status,
        "note": leave.note,
        "is_paid": "yes" if leave.is_paid else "no",
        "created_by": leave.created_by,
        "approved_by": leave.approved_by,
        "rejected_by": leave.rejected_by,
        "reject_reason": leave.reject_reason,
        "start_date": leave.start_date.isoformat(),
        "end_date": leave.end_date.isoformat(),
        "created_at": iso_micro(leave.created_at),
        "policy_id": leave.policy_id,
        "policy_name": policy.name if policy else None,
        "total": {
            "days": leave_math.plain_number(days),
            "hours": leave_math.plain_number(hours),
        },
        "leave_period": leave.leave_period,
        "start_time": leave.start_time,
        "end_time": leave.end_time,
        "updated_at": iso_micro(leave.updated_at or leave.created_at),
        "decided_at": iso_micro(leave.decided_at) if leave.decided_at else None,
    }
    if not leave.show_end_date and leave.start_date == leave.end_date:
        del data["end_date"]
    return data
