"""Input checks with Laravel-style messages, collected per field for 422 responses."""

from __future__ import annotations

import re
from datetime import date

from sandbox.envelope import ApiError

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _label(field: str) -> str:
    return field.replace("_", " ")


class Errors:
    """Validation messages per request field."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        """Record a message for ``field``."""
        self.fields.setdefault(field, []).append(message)

    def __contains__(self, field: str) -> bool:
        return field in self.fields

    def raise_if_any(self) -> None:
        """Raise a 422 ApiError carrying every message so far."""
        if not self.fields:
            return
        messages = [m for ms in self.fields.values() for m in ms]
        message = messages[0]
        if len(messages) > 1:
            more = len(messages) - 1
            message += f" (and {more} more error{'s' if more > 1 else ''})"
        raise ApiError(422, message, errors=self.fields)

    # ------------------------------------------------------------------ field parsers

    def required(self, data: dict, field: str) -> bool:
        """Tell whether ``field`` has a value; record "required" when it does not."""
        value = data.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            self.add(field, f"The {_label(field)} field is required.")
            return False
        return True

    def integer(
        self,
        data: dict,
        field: str,
        *,
        required: bool = False,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        """Parse an integer (JSON number or digit string)."""
        value = data.get(field)
        if value is None or value == "":
            if required:
                self.add(field, f"The {_label(field)} field is required.")
            return None
        number = None
        if isinstance(value, bool):
            number = None
        elif isinstance(value, int):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, str) and re.fullmatch(r"-?\d{1,12}", value.strip()):
            number = int(value.strip())
        if number is None:
            self.add(field, f"The {_label(field)} field must be an integer.")
            return None
        if minimum is not None and number < minimum:
            self.add(field, f"The {_label(field)} field must be at least {minimum}.")
            return None
        if maximum is not None and number > maximum:
            self.add(field, f"The {_label(field)} field must not be greater than {maximum}.")
            return None
        return number

    def date(self, data: dict, field: str, *, required: bool = False) -> date | None:
        """Parse a ``YYYY-MM-DD`` date."""
        value = data.get(field)
        if value is None or value == "":
            if required:
                self.add(field, f"The {_label(field)} field is required.")
            return None
        if isinstance(value, str) and _DATE.match(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.add(field, f"The {_label(field)} field must match the format Y-m-d.")
        return None

    def time(self, data: dict, field: str, *, required: bool = False) -> str | None:
        """Parse an ``HH:mm`` time of day."""
        value = data.get(field)
        if value is None or value == "":
            if required:
                self.add(field, f"The {_label(field)} field is required.")
            return None
        if isinstance(value, str) and _TIME.match(value):
            return value
        self.add(field, f"The {_label(field)} field must match the format H:i.")
        return None

    def choice(self, data: dict, field: str, choices) -> str | None:
        """Parse a value that must be one of ``choices``."""
        value = data.get(field)
        if value is None or value == "":
            return None
        if value not in choices:
            self.add(field, f"The selected {_label(field)} is invalid.")
            return None
        return value

    def text(self, data: dict, field: str, *, max_length: int = 2000) -> str | None:
        """Parse an optional string."""
        value = data.get(field)
        if value is None:
            return None
        if not isinstance(value, str):
            self.add(field, f"The {_label(field)} field must be a string.")
            return None
        if len(value) > max_length:
            self.add(
                field,
                f"The {_label(field)} field must not be greater than {max_length} characters.",
            )
            return None
        return value

    def date_range(self, data: dict, start_field: str, end_field: str, required: bool = False):
        """Parse two dates; the second must not be before the first."""
        start = self.date(data, start_field, required=required)
        end = self.date(data, end_field, required=required)
        if start and end and end < start:
            self.add(
                end_field,
                f"The {_label(end_field)} field must be a date after or equal to "
                f"{_label(start_field)}.",
            )
        return start, end


def page_params(query, errors: Errors | None = None) -> tuple[int, int]:
    """Read ``page`` (>= 1) and ``per_page`` (1..100, default 20).

    Without ``errors`` a bad value raises the 422 at once; with it, the messages are added
    to the caller's collection.
    """
    own = errors is None
    errors = errors or Errors()
    page = errors.integer(query, "page", minimum=1)
    per_page = errors.integer(query, "per_page", minimum=1, maximum=100)
    if own:
        errors.raise_if_any()
    return page or 1, per_page or 20
