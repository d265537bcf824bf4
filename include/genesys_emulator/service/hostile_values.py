"""The hostile-values mode: a share of the served conversation records each carry one value no
warehouse column can hold as it is (a NUL character, an unparseable end, 2^63, ten megabytes of
text) or a person's name where an enum value belongs.

Armed as the persistent fault ``hostile_values`` (``rate``, ``canary``, ``big_chars``); details
job result pages then serve the chosen records rewritten. Which records, and which edit each
gets, follows from a digest of the conversation id alone, so a test can tell from the served
record what it got, and every read of a record serves the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from hashlib import blake2b
from typing import Any

import orjson

HOSTILE_KINDS = ("nul_in_text", "unparseable_timestamp", "int_2_63", "huge_text", "name_in_enum")
DEFAULT_CANARY = "Zebulon Quixotic"
DEFAULT_BIG_CHARS = 10_000_000
_SCALE = 1_000_000


def _first_session(record: dict[str, Any]) -> dict[str, Any]:
    for participant in record.get("participants") or ():
        for session in participant.get("sessions") or ():
            return session
    return {}


def _edits(canary: str, big_chars: int) -> dict[str, Callable[[dict[str, Any]], None]]:
    def first_participant(record: dict[str, Any]) -> dict[str, Any]:
        return (record.get("participants") or [{}])[0]

    return {
        "nul_in_text": lambda r: first_participant(r).update(participantName=f"{canary}\x00"),
        "unparseable_timestamp": lambda r: r.update(conversationEnd=f"{canary} o'clock"),
        "int_2_63": lambda r: _first_session(r).update(routingRing=1 << 63),
        "huge_text": lambda r: first_participant(r).update(
            attributes={**(first_participant(r).get("attributes") or {}), "note": canary + "x" * big_chars}
        ),
        "name_in_enum": lambda r: _first_session(r).update(direction=canary),
    }


class HostileValues:
    """Rewrites the chosen records of a page; ``rate`` is the share of records chosen (0..1)."""

    def __init__(self, rate: float, canary: str = DEFAULT_CANARY, big_chars: int = DEFAULT_BIG_CHARS) -> None:
        if not 0 < rate <= 1:
            raise ValueError(f"hostile_values rate must be in (0, 1], got {rate}")
        self.rate, self.canary = rate, canary
        self._edits = _edits(canary, big_chars)

    def kind_of(self, conversation_id: str) -> str | None:
        """The edit this conversation gets, or None when it is served as it is."""
        digest = int.from_bytes(blake2b(conversation_id.encode(), digest_size=8).digest(), "big")
        if digest % _SCALE >= self.rate * _SCALE:
            return None
        return HOSTILE_KINDS[(digest // _SCALE) % len(HOSTILE_KINDS)]

    def rewrite(self, raw: bytes) -> bytes:
        """One served record (JSON bytes), with its hostile edit if it is chosen."""
        record = orjson.loads(raw)
        kind = self.kind_of(str(record.get("conversationId", "")))
        if kind is None:
            return raw
        self._edits[kind](record)
        return orjson.dumps(record)
