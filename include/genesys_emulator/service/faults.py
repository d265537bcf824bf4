"""Scripted faults ("the next K calls to route R answer X") and an opt-in probability mode.

Scripted faults are deterministic so retry tests never flake; the probability mode exists
only for soak tests and is seeded, so even it replays identically.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

from genesys_emulator.service.hostile_values import DEFAULT_BIG_CHARS, DEFAULT_CANARY, HostileValues

FAULT_KINDS = (
    "status",
    "drop",
    "truncate",
    "fail_job",
    "expire_job",
    "reject_cursor",
    "hide_conversations",
    "skip_page",  # users details results: the requested page is lost, the one after it served instead
    "hostile_values",
)
FAULT_STATUSES = (401, 429, 500, 502, 503, 504)
PROBABILITY_KEYS = (*(str(s) for s in FAULT_STATUSES), "drop", "truncate")
ANY_ROUTE = "*"


@dataclass
class Fault:
    route: str
    kind: str
    remaining: int
    params: dict[str, Any] = field(default_factory=dict)

    def matches(self, kind: str, operation: str) -> bool:
        return self.kind == kind and self.remaining > 0 and self.route in (ANY_ROUTE, operation)


class FaultBook:
    """Armed faults, consumed in the order they were added."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._rates: dict[str, float] = {}
        self._random = random.Random(0)
        self._lock = threading.Lock()

    def add(self, route: str, kind: str, count: int = 1, **params: Any) -> Fault:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {', '.join(FAULT_KINDS)}")
        if count < 1:
            raise ValueError("count must be at least 1")
        if kind == "status":
            status = int(params.get("status", 503))
            if status not in FAULT_STATUSES:
                raise ValueError(f"status must be one of {FAULT_STATUSES}")
            params = {**params, "status": status, "retry_after": int(params.get("retry_after", 1))}
        if kind == "hide_conversations":
            params = {"n": int(params.get("n", 1))}
        if kind == "hostile_values":
            HostileValues(float(params.get("rate", 0.01)))  # refuses a rate outside (0, 1] now, not per page
            params = {
                "rate": float(params.get("rate", 0.01)),
                "canary": str(params.get("canary", DEFAULT_CANARY)),
                "big_chars": int(params.get("big_chars", DEFAULT_BIG_CHARS)),
            }
        fault = Fault(route, kind, count, params)
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, kind: str, operation: str) -> Fault | None:
        """Consume one use of the first armed fault of ``kind`` for ``operation``."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(kind, operation):
                    fault.remaining -= 1
                    return fault
        return None

    def hidden_count(self) -> int:
        """How many conversations details endpoints must omit (persistent until reset)."""
        return sum(f.params["n"] for f in self._faults if f.kind == "hide_conversations")

    def hostile_values(self) -> HostileValues | None:
        """The hostile-values mode, when armed (persistent until reset; the last one armed wins)."""
        armed = [f.params for f in self._faults if f.kind == "hostile_values"]
        return HostileValues(**armed[-1]) if armed else None

    def set_probabilities(self, rates: dict[str, float], seed: int = 0) -> None:
        unknown = sorted(set(rates) - set(PROBABILITY_KEYS))
        if unknown:
            raise ValueError(f"unknown probability keys {unknown}; expected {PROBABILITY_KEYS}")
        with self._lock:
            self._rates = {k: float(v) for k, v in rates.items() if v > 0}
            self._random = random.Random(seed)

    def draw(self) -> str | None:
        """In probability mode, pick at most one fault key for this call; else None."""
        if not self._rates:
            return None
        with self._lock:
            roll = self._random.random()
        cumulative = 0.0
        for key in PROBABILITY_KEYS:
            cumulative += self._rates.get(key, 0.0)
            if roll < cumulative:
                return key
        return None

    def armed(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {"route": f.route, "kind": f.kind, "remaining": f.remaining, "params": f.params}
                for f in self._faults
                if f.remaining > 0 or f.kind in ("hide_conversations", "hostile_values")
            ]
