"""The ``conversation_ids`` of a by-id re-sync, checked before any request is made.

A by-id run re-reads named conversations (a disputed call, a compliance request, one record that
looks wrong) instead of a whole day. Its only input is the list of ids, so every problem with it
is found at once and every offending entry is named in one error: a user fixing a list of twelve
ids should not learn about the second typo only after fixing the first.

The cap, 1,000 ids a run, is the one the by-id job this product grew from had (at most 1,000
records a request). The multi-get itself takes ``genesys_open_followup_batch`` ids a request
(default 100; its Genesys maximum is UNCONFIRMED, fact sheet §3.5), so a full run is 10 requests.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

PARAM = "conversation_ids"
MAX_IDS_PER_RUN = 1000
# Genesys conversation ids are UUIDs; any case is accepted, compared and sent in lower case.
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_SHOWN = 20  # bad entries named in one message; the count says how many more


class ConversationIdsError(ValueError):
    """The ``conversation_ids`` param is unusable; the message names every bad entry (up to ``_SHOWN`` a kind)."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__(f"{PARAM}: " + "; ".join(self.problems))


def _listed(kind: str, items: Sequence[str]) -> str:
    shown = ", ".join(items[:_SHOWN])
    more = f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else ""
    return f"{len(items)} {kind}: {shown}{more}"


def checked_conversation_ids(raw: Any, cap: int = MAX_IDS_PER_RUN) -> list[str]:
    """The ids, lower-cased, in the order given; raises :class:`ConversationIdsError` naming each entry that is
    not a UUID (with its 1-based position), each id given more than once (with its positions), and the count
    when it is over ``cap``. A string is split on commas and whitespace (the CLI's ``--conf`` and pasted lists)."""
    if isinstance(raw, str):
        raw = [part for part in re.split(r"[\s,]+", raw) if part]
    if not isinstance(raw, (list, tuple)):
        raise ConversationIdsError([f"expected a list of conversation ids (UUIDs), got {type(raw).__name__}"])
    if not raw:
        raise ConversationIdsError([f"give at least one conversation id (a UUID), at most {cap}"])
    not_uuid: list[str] = []
    positions: dict[str, list[int]] = {}
    for position, entry in enumerate(raw, start=1):
        text = entry.strip() if isinstance(entry, str) else entry
        if not isinstance(text, str) or not _UUID.fullmatch(text):
            not_uuid.append(f"{entry!r} (#{position})")
            continue
        positions.setdefault(text.lower(), []).append(position)
    problems: list[str] = []
    if not_uuid:
        problems.append(_listed("not a UUID", not_uuid))
    duplicated = [f"{cid} (#{', #'.join(map(str, at))})" for cid, at in positions.items() if len(at) > 1]
    if duplicated:
        problems.append(_listed("given more than once", duplicated))
    if len(raw) > cap:
        problems.append(f"{len(raw)} ids given, at most {cap} a run (split the list over several runs)")
    if problems:
        raise ConversationIdsError(problems)
    return list(positions)
