"""Answers a backfill would otherwise ask again for every partition, kept as client facts.

Every partition of a backfill asked the same two questions: how far data is available
(authenticate's probe and ``wait_for_data``) and which divisions the client reads
(``authenticate``). Across 14 partitions that was 56 of 241 requests, for answers that change
rarely. They are kept beside the org's limits in the rate budget's store (``client_facts.py``),
so every task process of the client shares them:

- **Data availability** (``availability_cache_seconds``, default 300 s): the date only moves
  forward, so a recent answer of this client at or past a window's end answers for that window
  with no request, and a window past it asks again. A cached date is always a lower bound of the
  real one, so it can make a run wait, never load a day too early. The expiry bounds how long an
  answer stands in for the probe that the client still holds the details permission.
- **Divisions read** (``divisions_cache_seconds``, default 3600 s, the hour the org's limits are
  kept): the whole listing (every division, those readable with the permission, Genesys's
  ``allDivsPermitted``) is kept, and each run still checks it against its own
  ``genesys_expected_divisions``. Only a listing that passed a check is kept, and a check that
  fails on a kept listing is judged again on a fresh one, so a failure is never a stale
  answer's and a grant is seen by the next run. A division taken away is seen after the expiry
  at the latest.

Either cache is off at 0 s, and with the ``local`` budget backend (nothing is shared there, as
for the limits): then every run asks.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from genesys_cloud.api.client_facts import ClientFacts
from genesys_cloud.api.endpoints import parse_timestamp

AVAILABILITY_FACT = "data_availability"
DIVISIONS_FACT = "divisions:{permission}"


@dataclass(frozen=True)
class DivisionListing:
    """What ``check_division_access`` judges: every division, the readable ones, ``allDivsPermitted``."""

    all_divisions: list[dict[str, Any]]
    readable: list[dict[str, Any]]
    all_permitted: bool

    def encode(self) -> str:
        return json.dumps(
            {
                "all": [_id_and_name(d) for d in self.all_divisions],
                "readable": [_id_and_name(d) for d in self.readable],
                "all_permitted": self.all_permitted,
            }
        )

    @classmethod
    def decode(cls, raw: str | None) -> DivisionListing | None:
        """The kept listing, or None when absent or damaged (then it is read again)."""
        if not raw:
            return None
        try:
            data = json.loads(raw)
            listing = cls(_divisions(data["all"]), _divisions(data["readable"]), data["all_permitted"] is True)
        except (ValueError, TypeError, KeyError):
            return None
        return listing


def _id_and_name(division: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": division["id"], "name": division.get("name")}


def _divisions(values: Sequence[Any]) -> list[dict[str, Any]]:
    if not isinstance(values, list) or not all(isinstance(v, dict) and isinstance(v.get("id"), str) for v in values):
        raise ValueError("not a list of divisions")
    return [_id_and_name(v) for v in values]


class AnswerCache:
    """This client's kept answers (``key``: the rate budget's per-client key)."""

    def __init__(self, facts: ClientFacts, key: str, *, availability_seconds: float, divisions_seconds: float) -> None:
        self.facts = facts
        self.key = key
        self.availability_seconds = availability_seconds
        self.divisions_seconds = divisions_seconds

    def availability_covering(self, target: datetime | None) -> datetime | None:
        """The kept availability date if it is at or past ``target`` (None: any kept date), else None."""
        if self.availability_seconds <= 0:
            return None
        raw = self.facts.get(self.key, AVAILABILITY_FACT)
        try:
            kept = parse_timestamp(raw) if raw else None
        except (ValueError, TypeError):
            return None  # damaged: asked again
        if kept is None or (target is not None and kept < target):
            return None
        return kept

    def keep_availability(self, seen: datetime) -> None:
        if self.availability_seconds > 0:
            self.facts.put(self.key, AVAILABILITY_FACT, seen.isoformat(), self.availability_seconds)

    def divisions(self, permission: str) -> DivisionListing | None:
        if self.divisions_seconds <= 0:
            return None
        return DivisionListing.decode(self.facts.get(self.key, DIVISIONS_FACT.format(permission=permission)))

    def keep_divisions(self, permission: str, listing: DivisionListing) -> None:
        if self.divisions_seconds > 0:
            self.facts.put(
                self.key, DIVISIONS_FACT.format(permission=permission), listing.encode(), self.divisions_seconds
            )
