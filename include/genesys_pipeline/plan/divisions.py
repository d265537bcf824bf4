"""Which divisions a run reads, and whether that may count as the whole org.

A client scoped to some divisions silently gets a subset of conversations from every
analytics endpoint, so a run must know before any write whether it reads them all: only then
may a complete re-extraction erase conversations it no longer returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

DETAILS_PERMISSION = "analytics:conversationDetail:view"


class DivisionAccessError(ValueError):
    """The client reads other divisions than the run must read (retrying cannot fix it)."""


@dataclass(frozen=True)
class DivisionAccess:
    read_ids: tuple[str, ...]
    all_read: bool

    def as_dict(self) -> dict[str, Any]:
        return {"division_ids": list(self.read_ids), "all_divisions_read": self.all_read}


def _named(divisions: Iterable[Mapping[str, Any]]) -> str:
    return ", ".join(f"{d.get('name') or '?'} ({d['id']})" for d in sorted(divisions, key=lambda d: d["id"]))


def check_division_access(
    all_divisions: Sequence[Mapping[str, Any]],
    readable: Sequence[Mapping[str, Any]],
    expected: tuple[str, ...] | Literal["any"] | None,
    *,
    all_permitted: bool = False,
) -> DivisionAccess:
    """The divisions read, or DivisionAccessError naming what is missing (name and id).

    ``expected`` None: every division must be readable; "any": whatever the client reads;
    a tuple of ids: exactly those (a declared partial org).
    """
    known = {d["id"]: d for d in all_divisions}
    read = {d["id"]: d for d in readable}
    if all_permitted:
        read = {**known, **read}
    missing = [d for division_id, d in known.items() if division_id not in read]
    access = DivisionAccess(tuple(sorted(read)), all_read=not missing)
    if expected == "any":
        return access
    if expected is None:
        if missing:
            raise DivisionAccessError(
                f"the client cannot read {len(missing)} of {len(known)} divisions with {DETAILS_PERMISSION}: "
                f"{_named(missing)}; grant them, or declare the divisions it should read in genesys_expected_divisions"
            )
        return access
    wanted = set(expected)
    if wanted != set(read):
        unread = wanted - set(read)
        extra = set(read) - wanted
        parts = []
        if unread:
            parts.append(f"expected but not readable: {_named(known.get(i, {'id': i}) for i in unread)}")
        if extra:
            parts.append(f"readable but not expected: {_named(read[i] for i in extra)}")
        raise DivisionAccessError(
            f"genesys_expected_divisions does not match the client's divisions ({'; '.join(parts)})"
        )
    return access
