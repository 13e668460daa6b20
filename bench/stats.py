"""Percentiles and call waves (no numpy needed)."""

import math
import statistics


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0..100), linear between closest ranks; None without values."""
    data = sorted(v for v in values if v is not None)
    if not data:
        return None
    if len(data) == 1:
        return data[0]
    rank = (len(data) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return data[low] + (data[high] - data[low]) * (rank - low)


def summary(values: list[float]) -> dict:
    """n, p50, p95, max and mean of the values."""
    data = [v for v in values if v is not None]
    return {
        "n": len(data),
        "p50": percentile(data, 50),
        "p95": percentile(data, 95),
        "max": max(data) if data else None,
        "mean": statistics.fmean(data) if data else None,
    }


def median(values: list[float]) -> float | None:
    """The median, or None."""
    data = [v for v in values if v is not None]
    return statistics.median(data) if data else None


def rounds(arrivals: list[float], latency_ms: float) -> int:
    """How many sequential waves of calls arrived, given the added latency per call.

    Calls made at the same time by the dashboard (parallel pages, parallel reads) reach the
    sandbox within a few milliseconds of each other; a call that needed an earlier answer comes
    at least one latency later. A new wave starts when a call arrives more than 60 % of the
    latency after the first call of the current wave.
    """
    if not arrivals:
        return 0
    gap = 0.6 * latency_ms / 1000
    waves = 1
    wave_start = None
    for at in sorted(arrivals):
        if wave_start is None:
            wave_start = at
        elif at - wave_start > gap:
            waves += 1
            wave_start = at
    return waves
