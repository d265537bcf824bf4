"""PII hashing end to end: with every PII column hashed, no raw phone number (ANI, DNIS) or person
name from the extracted pages appears in any cell of any warehouse table."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import MetaData, select

from genesys_pipeline.normalize.pii import PII_COLUMNS
from genesys_pipeline.staging.area import StagingArea
from genesys_pipeline.warehouse import Warehouse
from tests.reliability.reliability_runs import audit_rows, backend_of, measured_run

pytestmark = pytest.mark.slow
SALT = "reliability-suite-salt"
PERSON_PURPOSES = {"customer", "external", "agent", "user"}


def staged_conversations(staging_root: str, partition: str, query_hash: str) -> Iterator[dict[str, Any]]:
    staging = StagingArea(Path(staging_root))
    manifest = staging.read_manifest(partition, query_hash)
    for page in staging.iter_pages(manifest):
        yield from orjson.loads(page).get("conversations") or []


def raw_personal_values(conversations: Iterator[dict[str, Any]]) -> set[str]:
    """Phone numbers (without their ``tel:`` prefix, so any spelling is caught) and people's names."""
    values: set[str] = set()
    for conversation in conversations:
        for participant in conversation.get("participants", []):
            if participant.get("purpose") in PERSON_PURPOSES and participant.get("participantName"):
                values.add(participant["participantName"])
            for session in participant.get("sessions", []):
                for key in ("ani", "dnis", "sessionDnis"):
                    if session.get(key):
                        values.add(session[key].removeprefix("tel:"))
    return values


def every_cell(warehouse: Warehouse) -> list[str]:
    """Every non-null value of every table and view in the warehouse, as text."""
    metadata = MetaData(schema=warehouse.schema)
    metadata.reflect(warehouse.engine, views=True)
    with warehouse.engine.connect() as conn:
        return [
            str(value)
            for target in metadata.sorted_tables
            for row in conn.execute(select(target))
            for value in row
            if value is not None
        ]


def test_hashing_leaves_no_raw_ani_dnis_or_name_in_the_warehouse(
    daily_dag, small_emulator, pipeline_env, warehouse_url, day, monkeypatch, no_task_retries, report_row
):
    pipeline_env(warehouse_url)
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_PII_CONFIG", json.dumps({"hash": list(PII_COLUMNS)}))
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_PII_SECRET", SALT)

    run = measured_run(daily_dag, day, small_emulator.control)

    assert run.succeeded, run.task_states
    [audit] = audit_rows(warehouse_url)
    conversations = list(
        staged_conversations(os.environ["AIRFLOW_VAR_GENESYS_STAGING_ROOT"], audit["partition"], audit["query_hash"])
    )
    personal = raw_personal_values(conversations)
    assert len(personal) > 100, "the day has too few phone numbers and names to prove anything"
    warehouse = Warehouse.from_url(warehouse_url)
    try:
        cells = every_cell(warehouse)
    finally:
        warehouse.dispose()
    corpus = "\x00".join(cells)
    leaked = sorted(value for value in personal if value in corpus)
    assert leaked == [], f"{len(leaked)} raw values in the warehouse, e.g. {leaked[:5]}"
    # The sessions.ani column is hashed from the value as sent (e.g. "tel:+1555..."); the first
    # in sorted order, so the check does not depend on set iteration order.
    first_ani = min(
        session["ani"]
        for conversation in conversations
        for participant in conversation["participants"]
        for session in participant.get("sessions", [])
        if session.get("ani")
    )
    expected_digest = hmac.new(SALT.encode(), first_ani.encode(), hashlib.sha256).hexdigest()
    assert expected_digest in cells, "hashed columns hold neither the raw values nor their salted digests"
    report_row(
        "security",
        check=f"PII hashing on, every cell of every table and view scanned ({backend_of(warehouse_url)})",
        result=f"0 of {len(personal)} raw phone numbers and names found; HMAC-SHA256 digests present",
    )
