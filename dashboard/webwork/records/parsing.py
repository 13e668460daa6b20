"""Tolerant readers for WebWork's JSON: each takes whatever came and returns a value or None.

Unknown fields are ignored, missing optional fields become None, obvious type slips ("12" for
12, "yes" for true) are coerced and anything else becomes None. Only a payload that is not an
object raises `BadResponse` (the records raise it too for a missing id).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from ..errors import BadResponse

_TRUE = frozenset({"yes", "y", "true", "1", "on"})
_FALSE = frozenset({"no", "n", "false", "0", "off"})
_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")
_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*$")
_DATETIME = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"\s*(Z|z|UTC|[+-]\d{2}:?\d{2}|[+-]\d{2})?\s*$"
)


def as_dict(value: Any, what: str) -> dict[str, Any]:
    """Return `value` if it is a JSON object, else raise `BadResponse` naming `what`."""
    if not isinstance(value, dict):
        raise BadResponse(f"WebWork sent a {what} that is not an object.")
    return value


def to_int(value: Any) -> int | None:
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


def to_float(value: Any) -> float | None:
    """Read a finite number; numeric text (with a decimal point or comma) counts."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value) if abs(value) < 1e300 else math.inf
    elif isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d{1,15}([.,]\d{1,15})?\s*", value):
        number = float(value.strip().replace(",", "."))
    else:
        return None
    return number if math.isfinite(number) else None


def to_str(value: Any) -> str | None:
    """Read text; a number counts as its text, anything else is None."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def to_text(value: Any) -> str | None:
    """Read a free-text field; blank means absent."""
    text = to_str(value)
    return text if text and text.strip() else None


def to_bool(value: Any) -> bool | None:
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


def to_date(value: Any) -> date | None:
    """Read the date at the start of an ISO date or timestamp."""
    if not isinstance(value, str):
        return None
    match = _DATE.match(value)
    if match is None:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def to_datetime(value: Any) -> datetime | None:
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


def to_time(value: Any) -> time | None:
    """Read `HH:MM` or `HH:MM:SS` (fractions of a second are dropped)."""
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


def to_enum[E: StrEnum](value: Any, kind: type[E]) -> E | str | None:
    """Read one of `kind`'s values in any case; keep an unknown one as the text it came as."""
    text = to_str(value)
    if text is None:
        return None
    try:
        return kind(text.strip().lower())
    except ValueError:
        return text


def either[T](value: T | None, fallback: T | None) -> T | None:
    """Return `value` unless it is None (0 and "" are values)."""
    return value if value is not None else fallback


def first_of(payload: dict[str, Any], *keys: str) -> Any:
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
        as_dict(item, "list item")
    return objects
