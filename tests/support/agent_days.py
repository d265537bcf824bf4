"""Emulated agents' raw user details loaded into a test warehouse through the normalizer and the merge.

The raw ``userDetails`` are returned so a test recomputes what it checks from them, not from the
warehouse's own tables."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import orjson

from genesys_emulator.world.agent_timeline import AgentActivity
from genesys_emulator.world.determinism import MS_PER_DAY, day_start_ms
from genesys_emulator.world.generator import DataGenerator
from genesys_pipeline.normalize.user_details import normalize_user_pages
from genesys_pipeline.warehouse.write.user_activity import load_user_activity


def load_agent_days(warehouse: Any, first: date, days: int, users: int, as_of_ms: int, extracted_at: str) -> list[dict]:
    """``users`` emulated agents' details for ``days`` UTC days from ``first`` at org instant ``as_of_ms``."""
    activity = AgentActivity(DataGenerator(5, 60))
    start = day_start_ms(first)
    ids = [u["id"] for u in activity.users[:users]]
    details = [t.detail() for t in activity.timelines(start, start + days * MS_PER_DAY, as_of_ms, ids)]
    result = normalize_user_pages([orjson.dumps({"userDetails": details})], extracted_at, "r")
    own = [first + timedelta(days=n) for n in range(days)]
    load_user_activity(warehouse.engine, warehouse.writer, result, own, extracted_at, "r")
    return details
