"""The sandbox on the test's clock, for tests that travel through simulated minutes."""

import time


def sandbox_follows_the_clock(state, monkeypatch) -> None:
    """Count the sandbox's rate windows and call log by `time.time()` (which time-machine
    moves), carrying on from the monotonic reading it had; undone when the test ends."""
    offset = time.time() - state.clock()
    monkeypatch.setattr(state, "clock", lambda: time.time() - offset)
