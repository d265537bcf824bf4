"""The emulator's two clocks: service time and the org's time, advanced by the control plane."""

from __future__ import annotations

import time


class Clock:
    """Two times that the control plane advances together (no real sleeping).

    ``now`` is service time: wall clock plus every advance; tokens, rate windows, job
    progression and the webhook tolerance run on it, so they keep moving in real time.
    ``org_now`` is the emulated org's time, which decides what data exists: the same as
    ``now`` by default, but once pinned (``--clock``, ``POST /_emulator/clock``) it stands
    still except for advances, so a test sees the same org state however slowly it runs.
    """

    def __init__(self, org_start: float | None = None) -> None:
        self._offset = 0.0
        self._org_pinned_at = org_start

    def now(self) -> float:
        return time.time() + self._offset

    def now_ms(self) -> int:
        return int(self.now() * 1000)

    @property
    def pinned(self) -> bool:
        return self._org_pinned_at is not None

    def org_now(self) -> float:
        if self._org_pinned_at is None:
            return self.now()
        return self._org_pinned_at + self._offset

    def org_now_ms(self) -> int:
        return int(self.org_now() * 1000)

    def pin_org(self, instant: float) -> None:
        """Org time becomes ``instant`` and from then on moves only with advances."""
        self._org_pinned_at = instant - self._offset

    def advance(self, seconds: float) -> None:
        self._offset += seconds
