"""A leave request, with the statuses and day periods WebWork gives it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import IntEnum, StrEnum
from typing import Any, Self

from ..errors import BadResponse
from .parsing import (
    as_dict,
    either,
    first_of,
    to_bool,
    to_date,
    to_datetime,
    to_enum,
    to_float,
    to_int,
    to_str,
    to_text,
    to_time,
)


def gettext_noop(message: str) -> str:
    """Mark a label for translation; it is translated where it is shown (no Django here)."""
    return message


class LeaveStatus(StrEnum):
    """Where a request stands. A status WebWork adds later is kept as the text it came as.

    A StrEnum equals its value, so templates, forms and stored rows compare it with strings.
    """

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class LeavePeriod(IntEnum):
    """Which part of the day a day-based request covers: WebWork's `leave_period` codes."""

    label: str

    def __new__(cls, value: int, label: str) -> LeavePeriod:
        """A member with its WebWork code and the label people read (as Django's choices)."""
        member = int.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    FULL_DAY = 0, gettext_noop("Full day")
    FIRST_HALF = 1, gettext_noop("First half")
    SECOND_HALF = 2, gettext_noop("Second half")

    @classmethod
    def read(cls, value: int | None) -> LeavePeriod:
        """The period with this code; a missing or unknown code is a full day."""
        try:
            return cls(value)
        except ValueError:
            return cls.FULL_DAY


@dataclass(frozen=True, kw_only=True)
class Leave:
    """A leave request."""

    id: str
    user_id: int | None = None
    status: LeaveStatus | str = ""
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
    leave_period: LeavePeriod = LeavePeriod.FULL_DAY
    start_time: time | None = None
    end_time: time | None = None

    @classmethod
    def from_api(cls, payload: Any) -> Self:
        """Parse one leave request object."""
        payload = as_dict(payload, "leave request")
        leave_id = to_str(payload.get("id"))
        if leave_id is None or not leave_id.strip():
            raise BadResponse("WebWork sent a leave request without an id.")
        status = to_enum(payload.get("status"), LeaveStatus) or ""
        start = to_date(payload.get("start_date"))
        policy = payload.get("policy") if isinstance(payload.get("policy"), dict) else {}
        total = payload.get("total") if isinstance(payload.get("total"), dict) else {}
        decided_at = to_datetime(payload.get("decided_at"))
        if decided_at is None and status in (LeaveStatus.APPROVED, LeaveStatus.REJECTED):
            # Without a decision timestamp the last update of a decided leave is the decision.
            decided_at = to_datetime(payload.get("updated_at"))
        return cls(
            id=leave_id.strip(),
            user_id=to_int(payload.get("user_id")),
            status=status,
            note=to_text(payload.get("note")),
            is_paid=to_bool(payload.get("is_paid")),
            created_by=to_int(payload.get("created_by")),
            approved_by=to_int(payload.get("approved_by")),
            rejected_by=to_int(payload.get("rejected_by")),
            reject_reason=to_text(payload.get("reject_reason")),
            start_date=start,
            # A leave without an end date is a one-day leave.
            end_date=to_date(payload.get("end_date")) or start,
            created_at=to_datetime(first_of(payload, "created_at", "created_on")),
            decided_at=decided_at,
            policy_id=either(to_int(payload.get("policy_id")), to_int(policy.get("id"))),
            policy_name=either(
                to_text(first_of(payload, "policy_name", "leave_type")), to_text(policy.get("name"))
            ),
            total_days=either(to_float(total.get("days")), to_float(payload.get("total_days"))),
            total_hours=either(to_float(total.get("hours")), to_float(payload.get("total_hours"))),
            leave_period=LeavePeriod.read(to_int(payload.get("leave_period"))),
            start_time=to_time(payload.get("start_time")),
            end_time=to_time(payload.get("end_time")),
        )

    @property
    def is_pending(self) -> bool:
        """Whether the request still waits for a decision."""
        return self.status == LeaveStatus.PENDING

    @property
    def is_half_day(self) -> bool:
        """Whether the request covers the first or second half of the day."""
        return self.leave_period in (LeavePeriod.FIRST_HALF, LeavePeriod.SECOND_HALF)

    @property
    def is_hour_based(self) -> bool:
        """Whether the request covers a time range within the day."""
        return self.start_time is not None and self.end_time is not None

    @property
    def decided_by(self) -> int | None:
        """Who approved or rejected the request, if anyone."""
        return self.approved_by if self.approved_by is not None else self.rejected_by
