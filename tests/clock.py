"""Instants for pinned clocks: ``2026-12-01T10:00Z``, ``2027-12-31T23:50``, ``2028-02-29``."""

import datetime as dt

NOON = dt.time(12, 0)


def parse_instant(text: str) -> dt.datetime:
    """An aware datetime from ISO 8601 text: UTC unless a zone is given; a bare date is noon."""
    text = text.strip()
    try:
        if len(text) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(text), NOON, tzinfo=dt.UTC)
        instant = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("not an ISO 8601 date or date and time, e.g. 2027-12-31T23:50") from None
    return instant if instant.tzinfo else instant.replace(tzinfo=dt.UTC)
