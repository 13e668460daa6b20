"""Frozen records parsed from WebWork JSON at the edge; the only place that knows its field names.

The parsers are tolerant readers: unknown fields are ignored, missing optional fields become
None or a default, unknown enum values are kept as they came, obvious type slips ("12" for 12,
"yes" for true) are coerced and anything else becomes None. Only a payload that is not an
object, or lacks the id that identifies it, raises `BadResponse`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Self

from .errors import BadResponse

# --------------------------------------------------------------------------- coercion helpers

_TRUE = frozenset({"yes", "y", "true", "1", "on"})
_FALSE = frozenset({"no", "n", "false", "0", "off"})
_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")
_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*$")
_DATETIME = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"\s*(Z|z|UTC|[+-]\d{2}:?\d{2}|[+-]\d{2})?\s*$"
)


def _as_dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadResponse(f"WebWork sent a {what} that is not an object.")
    return value


def _int(value: Any) -> int | None:
    """Read an integer id or count; "12" and 12.0 count, True and 12.5 do not."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[+-]?\d{1,18}", text):
            return int(text)
    return None


def _float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value) if abs(value) < 1e300 else math.inf
    elif isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d{1,15}([.,]\d{1,15})?\s*", value):
        number = float(value.strip().replace(",", "."))
    else:
        return None
    return number if math.isfinite(number) else None


def _str(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _text(value: Any) -> str | None:
    """Read a free-text field; blank means absent."""
    text = _str(value)
    return text if text and text.strip() else None


def _bool(value: Any) -> bool | None:
    """Read WebWork's booleans, which are sometimes "yes"/"no" strings."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return None


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    match = _DATE.match(value)
    if match is None:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _datetime(value: Any) -> datetime | None:
    """Read the timestamp formats WebWork mixes; a timestamp without an offset is UTC."""
    if not isinstance(value, str):
        return None
    match = _DATETIME.match(value)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro
        )
        if offset and offset.upper() not in ("Z", "UTC"):
            sign = -1 if offset[0] == "-" else 1
            digits = offset[1:].replace(":", "").ljust(4, "0")
            minutes = sign * (int(digits[:2]) * 60 + int(digits[2:]))
            return moment.replace(tzinfo=UTC) - timedelta(minutes=minutes)
        return moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        return None


def _time(value: Any) -> time | None:
    if not isinstance(value, str):
        return None
    match = _TIME.match(value)
    if match is None:
        return None
    hour, minute, second = match.groups()
    try:
        return time(int(hour), int(minute), int(second or 0))
    except ValueError:
        return None


def _enum(value: Any, known: frozenset[str]) -> str | None:
    """Normalise a known enum value's case; keep an unknown one as it came."""
    text = _str(value)
    if text is None:
        return None
    normal = text.strip().lower()
    return normal if normal in known else text


def _either[T](value: T | None, fallback: T | None) -> T | None:
    """Return `value` unless it is None (0 and "" are values)."""
    return value if value is not None else fallback


def _first(payload: dict[str, Any], *keys: str) -> Any:
    """Return the first of `keys` present with a non-null value."""
    for key in keys:
        value = payload.get(key)
        if value is not None:
            return value
    return None


def items_from_api(data: Any) -> list[dict[str, Any]]:
    """Return the objects of a list payload; also accept an object keyed by id, or one object."""
    if data is None:
        return []
    if isinstance(data, list):
        objects = data
    elif isinstance(data, dict) and "id" in data and not isinstance(data["id"], dict):
        objects = [data]  # a filtered list answered with the one object itself
    elif isinstance(data, dict) and all(isinstance(value, dict) for value in data.values()):
        # Some renderings key a collection by id; the key then stands in for a missing id.
        objects = [{"id": key, **value} for key, value in data.items()]
    else:
        raise BadResponse("WebWork sent a list that is neither an array nor an object by id.")
    for item in objects:
        _as_dict(item, "list item")
    return objects


# --------------------------------------------------------------------------- records

_MANAGING_ROLES = frozenset({"owner", "executive manager"})


@dataclass(frozen=True, kw_only=True)
class Workspace:
    """A workspace the signed-in account belongs to, with its role there."""

    id: int
    name: str
    role: str
    user_id: int | None = None
    owner_id: int | None = None
    status: str | None = None

    @classmethod
    def from_api(cls, payload: Any) -> Self:
        """Parse one workspace object."""
        payload = _as_dict(payload, "workspace")
        workspace_id = _int(payload.get("id"))
        if workspace_id is None:
            raise BadResponse("WebWork sent a workspace without an id.")
        return cls(
            id=workspace_id,
            name=_str(_first(payload, "workspace_name", "name")) or "",
            role=_str(payload.get("role")) or "",
            user_id=_int(payload.get("user_id")),
            owner_id=_int(payload.get("owner_id")),
            status=_str(payload.get("status")),
        )

    @property
    def can_manage(self) -> bool:
        """Whether the role may decide leave (WebWork opens its API to these roles only)."""
        role = re.sub(r"[\s_-]+", " ", self.role).strip().casefold()
        return role in _MANAGING_ROLES


@dataclass(frozen=True, kw_only=True)
class Member:
    """A member of a workspace."""

    id: int
    email: str
    first_name: str
    last_name: str
    team_name: str | None = None
    title: str | None = None
    role: str | None = None
    status: str | None = None
    timezone: str | None = None
    avatar: str | None = None

    @classmethod
    def from_api(cls, payload: Any) -> Self:
        """Parse one member object."""
        payload = _as_dict(payload, "member")
        member_id = _int(_first(payload, "id", "user_id"))
        if member_id is None:
            raise BadResponse("WebWork sent a member without an id.")
        return cls(
            id=member_id,
            email=_str(payload.get("email")) or "",
            first_name=_str(_first(payload, "firstname", "first_name")) or "",
            last_name=_str(_first(payload, "lastname", "last_name")) or "",
            team_name=_text(payload.get("team_name")),
            title=_text(payload.get("title")),
            role=_str(_first(payload, "current_role", "role")),
            status=_str(payload.get("status")),
            timezone=_text(payload.get("timezone")),
            avatar=_text(payload.get("avatar")),
        )

    @property
    def full_name(self) -> str:
        """First and last name, else the email, else the id."""
        name = f"{self.first_name.strip()} {self.last_name.strip()}".strip()
        return name or self.email.strip() or f"User {self.id}"


LEAVE_PENDING = "pending"
LEAVE_APPROVED = "approved"
LEAVE_REJECTED = "rejected"
_LEAVE_STATUSES = frozenset({LEAVE_PENDING, LEAVE_APPROVED, LEAVE_REJECTED})

LEAVE_PERIOD_FULL_DAY = 0
LEAVE_PERIOD_FIRST_HALF = 1
LEAVE_PERIOD_SECOND_HALF = 2
_LEAVE_PERIODS = frozenset(
    {LEAVE_PERIOD_FULL_DAY, LEAVE_PERIOD_FIRST_HALF, LEAVE_PERIOD_SECOND_HALF}
)


@dataclass(frozen=True, kw_only=True)
class Leave:
    """A leave request."""

    id: str
    user_id: int | None = None
    status: str = ""
    note: str | None = None
    is_paid: bool | None = None
    created_by: int | None = None
    approved_by: int | None = None
    rejected_by: int | None = None
    reject_reason: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    created_at: datetime | None = None
    decided_at: datetime | None = None
    policy_id: int | None = None
    policy_name: str | None = None
    total_days: float | None = None
    total_hours: float | None = None
    leave_period: int = LEAVE_PERIOD_FULL_DAY
    start_time: time | None = None
    end_time: time | None = None

    @classmethod
    def from_api(cls, payload: Any) -> Self:
        """Parse one leave request object."""
        payload = _as_dict(payload, "leave request")
        leave_id = _str(payload.get("id"))
        if leave_id is None or not leave_id.strip():
            raise BadResponse("WebWork sent a leave request without an id.")
        status = _enum(payload.get("status"), _LEAVE_STATUSES) or ""
        start = _date(payload.get("start_date"))
        policy = payload.get("policy") if isinstance(payload.get("policy"), dict) else {}
        total = payload.get("total") if isinstance(payload.get("total"), dict) else {}
        period = _int(payload.get("leave_period"))
        decided_at = _datetime(payload.get("decided_at"))
        if decided_at is None and status in (LEAVE_APPROVED, LEAVE_REJECTED):
            # Without a decision timestamp the last update of a decided leave is the decision.
            decided_at = _datetime(payload.get("updated_at"))
        return cls(
            id=leave_id.strip(),
            user_id=_int(payload.get("user_id")),
            status=status,
            note=_text(payload.get("note")),
            is_paid=_bool(payload.get("is_paid")),
            created_by=_int(payload.get("created_by")),
            approved_by=_int(payload.get("approved_by")),
            rejected_by=_int(payload.get("rejected_by")),
            reject_reason=_text(payload.get("reject_reason")),
            start_date=start,
            # A leave without an end date is a one-day leave.
            end_date=_date(payload.get("end_date")) or start,
            created_at=_datetime(_first(payload, "created_at", "created_on")),
            decided_at=decided_at,
            policy_id=_either(_int(payload.get("policy_id")), _int(policy.get("id"))),
            policy_name=_either(
                _text(_first(payload, "policy_name", "leave_type")), _text(policy.get("name"))
            ),
            total_days=_either(_float(total.get("days")), _float(payload.get("total_days"))),
            total_hours=_either(_float(total.get("hours")), _float(payload.get("total_hours"))),
            leave_period=period if period in _LEAVE_PERIODS else LEAVE_PERIOD_FULL_DAY,
            start_time=_time(payload.get("start_time")),
            end_time=_time(payload.get("end_time")),
        )

    @property
    def is_pending(self) -> bool:
        """Whether the request still waits for a decision."""
        return self.status == LEAVE_PENDING

    @property
    def is_half_day(self) -> bool:
        """Whether the request covers the first or second half of the day."""
        return self.leave_period in (LEAVE_PERIOD_FIRST_HALF, LEAVE_PERIOD_SECOND_HALF)

    @property
    def is_hour_based(self) -> bool:
        """Whether the request covers a time range within the day."""
        return self.start_time is not None and self.end_time is not None

    @property
    def decided_by(self) -> int | None:
        """Who approved or rejected the request, if anyone."""
        return self.approved_by if self.approved_by is not None else self.rejected_by


TIME_UNIT_DAYS = "days"
TIME_UNIT_HOURS = "hours"
_UNITS = {
    "d": TIME_UNIT_DAYS,
    "day": TIME_UNIT_DAYS,
    "days": TIME_UNIT_DAYS,
    "h": TIME_UNIT_HOURS,
    "hr": TIME_UNIT_HOURS,
    "hrs": TIME_UNIT_HOURS,
    "hour": TIME_UNIT_HOURS,
    "hours": TIME_UNIT_HOURS,
}


def _unit(value: Any) -> str | None:
    text = _str(value)
    if text is None:
        return None
    return _UNITS.get(text.strip().lower(), text)


@dataclass(frozen=True, kw_only=True)
class Policy:
    """A leave policy (the rules a leave request is filed under)."""

    id: int
    name: str
    time_unit: str = TIME_UNIT_DAYS
    duration: float | None = None
    hours_per_day: float | None = None
    is_paid: bool | None = None
    allow_negative_balance: bool = False
    reason_required: bool = False

    @classmethod
    def from_api(cls, payload: Any) -> Self:
        """Parse one policy object."""
        payload = _as_dict(payload, "leave policy")
        policy_id = _int(payload.get("id"))
        if policy_id is None:
            raise BadResponse("WebWork sent a leave policy without an id.")
        return cls(
            id=policy_id,
            name=_str(_first(payload, "name", "policy_name")) or "",
            time_unit=_unit(_first(payload, "time_unit", "unit")) or TIME_UNIT_DAYS,
            duration=_float(payload.get("duration")),
            hours_per_day=_float(payload.get("hours_per_day")),
            is_paid=_bool(payload.get("is_paid")),
            allow_negative_balance=bool(_bool(payload.get("allow_negative_balance"))),
            reason_required=bool(_bool(payload.get("reason_required"))),
        )

    @classmethod
    def list_from_api(cls, data: Any) -> list[Self]:
        """Parse the policies payload: a list, or an object keyed by policy id."""
        return [cls.from_api(item) for item in items_from_api(data)]

    @property
    def is_hour_based(self) -> bool:
        """Whether leave under this policy is counted in hours."""
        return self.time_unit == TIME_UNIT_HOURS


# "<sign><number> <unit>": "10 days", "-1.5 days", "12,5 days", "1 day", "8h".
_AMOUNT = re.compile(
    r"^\s*([+\-\u2212]?)\s*(\d{1,12}(?:[.,]\d{1,12})?|[.,]\d{1,12})\s*([^\W\d_]*)\.?\s*$"
)


@dataclass(frozen=True, kw_only=True)
class BalanceAmount:
    """A balance as WebWork wrote it ("4.5 hours"), with the number and unit when readable."""

    text: str
    value: Decimal | None = None
    unit: str | None = None

    @classmethod
    def parse(cls, raw: Any) -> Self:
        """Read `<number> <unit>` (sign, decimal point or comma); keep other text as it came."""
        if isinstance(raw, bool) or raw is None:
            return cls(text="" if raw is None else str(raw))
        if isinstance(raw, int | float):
            number = _float(raw)
            if number is None:
                return cls(text=str(raw))
            return cls(text=str(raw), value=Decimal(str(raw)))
        text = _str(raw) or ""
        match = _AMOUNT.match(text)
        if match is None:
            return cls(text=text)
        sign, number, unit_text = match.groups()
        try:
            value = Decimal(number.replace(",", "."))
        except InvalidOperation:  # pragma: no cover - the pattern only admits numbers
            return cls(text=text)
        if sign in ("-", "\u2212"):
            value = -value
        if not unit_text:
            return cls(text=text, value=value)
        unit = _UNITS.get(unit_text.lower())
        if unit is None:
            return cls(text=text)
        return cls(text=text, value=value, unit=unit)


@dataclass(frozen=True, kw_only=True)
class PolicyBalance:
    """One member's remaining balance under one policy (WebWork names the policy, no id)."""

    policy_name: str
    amount: BalanceAmount


@dataclass(frozen=True, kw_only=True)
class Balance:
    """One member's remaining leave balances."""

    user_id: int
    user_name: str
    amounts: tuple[PolicyBalance, ...] = ()
    total: BalanceAmount | None = None

    @classmethod
    def from_api(cls, payload: Any) -> Self:
        """Parse one member's balance entry."""
        payload = _as_dict(payload, "balance entry")
        user_id = _int(payload.get("user_id"))
        if user_id is None:
            raise BadResponse("WebWork sent a balance entry without a user id.")
        lines = payload.get("leave_information")
        amounts = tuple(
            PolicyBalance(
                policy_name=_str(_first(line, "leave_type", "policy_name")) or "",
                amount=BalanceAmount.parse(line.get("balance")),
            )
            for line in (lines if isinstance(lines, list) else [])
            if isinstance(line, dict)
        )
        total = payload.get("total_balance")
        return cls(
            user_id=user_id,
            user_name=_str(payload.get("user_name")) or "",
            amounts=amounts,
            total=None if total is None else BalanceAmount.parse(total),
        )

    def for_policy(self, name: str) -> BalanceAmount | None:
        """Return the balance for the policy called `name` (exact match first, then any case)."""
        for line in self.amounts:
            if line.policy_name == name:
                return line.amount
        wanted = name.strip().casefold()
        for line in self.amounts:
            if line.policy_name.strip().casefold() == wanted:
                return line.amount
        return None


@dataclass(frozen=True, kw_only=True)
class RateLimitStatus:
    """WebWork's rate-limit headers from the latest response, and when they were seen."""

    limit: int | None
    remaining: int | None
    observed_at: float


@dataclass(frozen=True, kw_only=True)
class TokenSet:
    """Tokens from WebWork's OAuth token endpoint; the repr never shows their values."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_in: int | None = None
    scope: str | None = None
    token_type: str | None = None

    @classmethod
    def from_api(cls, payload: Any) -> Self:
        """Parse a plain OAuth2 token response."""
        payload = _as_dict(payload, "token response")
        access_token = _str(payload.get("access_token"))
        if not access_token:
            raise BadResponse("WebWork's token endpoint sent no access token.")
        expires_in = _int(payload.get("expires_in"))
        return cls(
            access_token=access_token,
            refresh_token=_str(payload.get("refresh_token")) or None,
            expires_in=expires_in if expires_in is None or expires_in >= 0 else None,
            scope=_str(payload.get("scope")),
            token_type=_str(payload.get("token_type")),
        )

    def __repr__(self) -> str:
        refresh = "***" if self.refresh_token else None
        return (
            f"TokenSet(access_token='***', refresh_token={refresh!r}, "
            f"expires_in={self.expires_in!r}, scope={self.scope!r}, "
            f"token_type={self.token_type!r})"
        )

    __str__ = __repr__
