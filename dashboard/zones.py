"""Time zones by name: read tolerantly, the one most people use, and "today" in a zone.

Plain standard library, like `dates.py`: names in, `zoneinfo.ZoneInfo` and dates out. WebWork
sends IANA names (`America/New_York`) or nothing; anything else is treated as nothing.
"""

import datetime as dt
import zoneinfo
from collections import Counter
from collections.abc import Iterable
from functools import cache, lru_cache


@lru_cache(maxsize=512)
def zone_named(name: str | None) -> zoneinfo.ZoneInfo | None:
    """The zone called `name`, or None when it is empty, malformed or unknown."""
    name = (name or "").strip()
    if not name or len(name) > 64:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None


def most_used_zone(names: Iterable[str | None]) -> str | None:
    """The known zone named most often (ties: alphabetical), or None when none is known."""
    counts = Counter(zone.key for zone in map(zone_named, names) if zone is not None)
    if not counts:
        return None
    return min(counts, key=lambda key: (-counts[key], key))


def today_in(zone: dt.tzinfo, now: dt.datetime | None = None) -> dt.date:
    """The calendar date in `zone` at `now` (an aware datetime; the current instant if None)."""
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(zone).date()


@cache
def zone_choices() -> list[tuple[str, str]]:
    """Every IANA zone this machine knows, sorted, as form choices."""
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


def same_clock(first: dt.tzinfo, second: dt.tzinfo, on: dt.datetime) -> bool:
    """True when both zones show the same wall-clock time at the instant `on`."""
    return on.astimezone(first).utcoffset() == on.astimezone(second).utcoffset()
