"""A leave policy: the rules a request is filed under, counted in days or in hours."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

from ..errors import BadResponse
from .parsing import as_dict, first_of, items_from_api, to_bool, to_float, to_int, to_str

TIME_UNIT_DAYS = "days"
TIME_UNIT_HOURS = "hours"
# How WebWork spells a unit -> the unit (balances use it to read "8h" too).
UNITS = {
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
    text = to_str(value)
    if text is None:
        return None
    return UNITS.get(text.strip().lower(), text)


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
        payload = as_dict(payload, "leave policy")
        policy_id = to_int(payload.get("id"))
        if policy_id is None:
            raise BadResponse("WebWork sent a leave policy without an id.")
        return cls(
            id=policy_id,
            name=to_str(first_of(payload, "name", "policy_name")) or "",
            time_unit=_unit(first_of(payload, "time_unit", "unit")) or TIME_UNIT_DAYS,
            duration=to_float(payload.get("duration")),
            hours_per_day=to_float(payload.get("hours_per_day")),
            is_paid=to_bool(payload.get("is_paid")),
            allow_negative_balance=bool(to_bool(payload.get("allow_negative_balance"))),
            reason_required=bool(to_bool(payload.get("reason_required"))),
        )

    @classmethod
    def list_from_api(cls, data: Any) -> list[Self]:
        """Parse the policies payload: a list, or an object keyed by policy id."""
        return [cls.from_api(item) for item in items_from_api(data)]

    @property
    def is_hour_based(self) -> bool:
        """Whether leave under this policy is counted in hours."""
        return self.time_unit == TIME_UNIT_HOURS
