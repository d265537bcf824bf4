"""Hostile attribute names and values travel from a Genesys page to the warehouse as plain data:
every SQL statement binds values and quotes identifiers, so nothing in the data can run as SQL."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from sqlalchemy import column, insert, select, table, text

from genesys_pipeline.staging.area import ExtractionWriter
from genesys_pipeline.warehouse import Warehouse
from tests.reliability.reliability_runs import measured_run

pytestmark = pytest.mark.slow
INJECTION = "x'); DROP TABLE users;--"
HOSTILE_ATTRIBUTES = {
    INJECTION: INJECTION,
    'name"; DROP TABLE conversations; --': "1; DELETE FROM participants",
    "Robert'); DROP TABLE sync_audit;--": "\\'; SELECT pg_sleep(30); --",
    "ünïcødé \u202e ✓": "line\nbreak\ttab %s %(name)s ? :param $1",
}
CANARY = "users"


def inject_hostile_attributes(page: bytes) -> bytes:
    """The page with the hostile map added to its first conversation's first participant."""
    body = orjson.loads(page)
    participant = body["conversations"][0]["participants"][0]
    participant["attributes"] = {**participant.get("attributes", {}), **HOSTILE_ATTRIBUTES}
    return orjson.dumps(body)


def create_canaries(warehouse: Warehouse) -> None:
    """A marked row in the pipeline's own ``users`` lookup table, and on PostgreSQL also a ``public.users``
    table: wherever an injected, unqualified ``DROP TABLE users`` could resolve to."""
    warehouse.ensure_schema()
    users = table(CANARY, column("id"), column("name"), schema=warehouse.schema)
    with warehouse.engine.begin() as conn:
        conn.execute(insert(users).values(id="canary", name="still here"))
        if warehouse.schema is not None:
            conn.execute(text(f"CREATE TABLE public.{CANARY} (id TEXT PRIMARY KEY, name TEXT)"))
            conn.execute(text(f"INSERT INTO public.{CANARY} VALUES ('canary', 'still here')"))


def canary_rows(warehouse: Warehouse) -> list[Any]:
    schemas = [warehouse.schema] if warehouse.schema is None else [warehouse.schema, "public"]
    with warehouse.engine.connect() as conn:
        return [
            conn.execute(
                select(column("name")).select_from(table(CANARY, schema=schema)).where(column("id") == "canary")
            ).scalar_one()
            for schema in schemas
        ]


def loaded_attributes(warehouse: Warehouse, conversation_id: str) -> dict[str, str]:
    attributes = table(
        "participant_attributes", column("name"), column("value"), column("conversation_id"), schema=warehouse.schema
    )
    query = select(attributes.c.name, attributes.c.value).where(attributes.c.conversation_id == conversation_id)
    with warehouse.engine.connect() as conn:
        return dict(conn.execute(query).all())


def test_hostile_attribute_names_and_values_load_as_data(
    daily_dag, small_emulator, pipeline_env, warehouse_url, day, monkeypatch, no_task_retries, report_row
):
    pipeline_env(warehouse_url)
    warehouse = Warehouse.from_url(warehouse_url)
    create_canaries(warehouse)
    original = ExtractionWriter.write_page
    injected: list[str] = []

    def write_hostile_first_page(self: ExtractionWriter, raw: bytes, records: int) -> Any:
        if not injected:
            raw = inject_hostile_attributes(raw)
            injected.append(orjson.loads(raw)["conversations"][0]["conversationId"])
        return original(self, raw, records)

    monkeypatch.setattr(ExtractionWriter, "write_page", write_hostile_first_page)

    try:
        run = measured_run(daily_dag, day, small_emulator.control)

        assert run.succeeded, run.task_states
        attributes = loaded_attributes(warehouse, injected[0])
        assert {name: attributes.get(name) for name in HOSTILE_ATTRIBUTES} == HOSTILE_ATTRIBUTES
        assert set(canary_rows(warehouse)) == {"still here"}
    finally:
        warehouse.dispose()
    report_row(
        "security",
        check=f"hostile attribute names and values such as `{INJECTION}` ({warehouse.engine.dialect.name})",
        result="stored verbatim as data; canary `users` tables intact",
    )
