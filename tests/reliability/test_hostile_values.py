"""Hostile attribute names and values travel from a Genesys page to the warehouse as plain data:
every SQL statement binds values and quotes identifiers, so nothing in the data can run as SQL.

In the same run the emulator serves a day with 1 % hostile values (its ``hostile_values`` mode:
NUL in text, unparseable timestamps, 2^63, 10 MB strings, names in enum fields). The day must
load on either warehouse with the same rows (all but the unstorable records, judged from the
staged pages by an independent reading), the bad records quarantined and counted, and the canary
name in none of sync_audit, the webhooks, the metadata DB (XComs, rendered fields), the task logs,
the DEBUG log, stdout/stderr or PostgreSQL's own server log.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import column, insert, select, table, text

from genesys_pipeline.staging.area import ExtractionWriter
from genesys_pipeline.warehouse import Warehouse
from tests.reliability.reliability_runs import audit_rows, ground_truth_ids, measured_run, warehouse_ids
from tests.reliability.test_secret_leaks import debug_log_file, files_under  # noqa: F401  (a fixture and its helper)

pytestmark = pytest.mark.slow
INJECTION = "x'); DROP TABLE users;--"
HOSTILE_ATTRIBUTES = {
    INJECTION: INJECTION,
    'name"; DROP TABLE conversations; --': "1; DELETE FROM participants",
    "Robert'); DROP TABLE sync_audit;--": "\\'; SELECT pg_sleep(30); --",
    "ünïcødé \u202e ✓": "line\nbreak\ttab %s %(name)s ? :param $1",
}
CANARY = "users"
NAME_CANARY = "Zebulon Quixotic-7f3a"
PG_LOGS = Path("/var/log/postgresql")


def unstorable(record: dict) -> bool:
    """Recomputed from a staged record with the standard library, not with value_fit: a NUL, an end
    that is not ``YYYY-MM-DDTHH:MM:SS(.f)Z``, an int of 2^63 or more, or a text over 1 Mi characters."""
    text = json.dumps(record)
    end = record.get("conversationEnd")
    bad_end = end is not None and not (len(end) >= 20 and end[4] == "-" and end[10] == "T" and end.endswith("Z"))

    def walk(value: object) -> bool:
        if isinstance(value, dict):
            return any(walk(v) for v in value.values())
        if isinstance(value, list):
            return any(walk(v) for v in value)
        if isinstance(value, bool):
            return False
        if isinstance(value, int):
            return value >= 1 << 63
        return isinstance(value, str) and ("\x00" in value or len(value) > 1 << 20)

    return bad_end or "\\u0000" in text or walk(record)


def staged_records(staging_root: Path) -> list[dict]:
    return [
        record
        for page in sorted(staging_root.rglob("page-*.json.gz"))
        for record in json.loads(gzip.decompress(page.read_bytes()))["conversations"]
    ]


def postgres_log() -> tuple[Path | None, int]:
    logs = sorted(PG_LOGS.glob("postgresql-*.log")) if PG_LOGS.is_dir() else []
    if not logs or not os.access(logs[-1], os.R_OK):
        return None, 0
    return logs[-1], logs[-1].stat().st_size


def inject_hostile_attributes(page: bytes) -> tuple[bytes, str]:
    """The page with the hostile map added to the first participant of its first storable conversation."""
    body = orjson.loads(page)
    conversation = next(c for c in body["conversations"] if not unstorable(c) and NAME_CANARY not in str(c))
    participant = conversation["participants"][0]
    participant["attributes"] = {**participant.get("attributes", {}), **HOSTILE_ATTRIBUTES}
    # and a name where an enum value belongs, whether or not the emulator's 1 % drew that kind
    next(p for p in conversation["participants"] if p.get("sessions"))["sessions"][0]["direction"] = NAME_CANARY
    return orjson.dumps(body), conversation["conversationId"]


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
    daily_dag,
    small_emulator,
    pipeline_env,
    warehouse_url,
    day,
    monkeypatch,
    no_task_retries,
    report_row,
    debug_log_file,  # noqa: F811  (requests the fixture imported above; nothing is redefined)
    capfd,
    tmp_path,
):
    pipeline_env(warehouse_url)
    control = small_emulator.control
    webhook_secret = "emulator-webhook-secret"  # the emulator's default receiver secret
    monkeypatch.setenv(
        "AIRFLOW_CONN_GENESYS_SYNC_WEBHOOK",
        json.dumps(
            {"conn_type": "http", "host": f"{small_emulator.base_url}/_emulator/webhooks", "password": webhook_secret}
        ),
    )
    control.add_fault("*", "hostile_values", rate=0.01, canary=NAME_CANARY)
    warehouse = Warehouse.from_url(warehouse_url)
    create_canaries(warehouse)
    original = ExtractionWriter.write_page
    injected: list[str] = []

    def write_hostile_first_page(self: ExtractionWriter, raw: bytes, records: int) -> Any:
        if not injected:
            raw, conversation_id = inject_hostile_attributes(raw)
            injected.append(conversation_id)
        return original(self, raw, records)

    monkeypatch.setattr(ExtractionWriter, "write_page", write_hostile_first_page)
    log, log_start = postgres_log()

    try:
        run = measured_run(daily_dag, day, control)

        assert run.succeeded, run.task_states
        attributes = loaded_attributes(warehouse, injected[0])
        assert {name: attributes.get(name) for name in HOSTILE_ATTRIBUTES} == HOSTILE_ATTRIBUTES
        assert set(canary_rows(warehouse)) == {"still here"}
    finally:
        warehouse.dispose()

    staged = staged_records(tmp_path / "staging")
    bad = {record["conversationId"] for record in staged if unstorable(record)}
    named = {record["conversationId"] for record in staged if NAME_CANARY in str(record)} - bad
    assert bad and injected[0] in named, "unstorable records served, and a name in an enum field"
    assert warehouse_ids(warehouse_url) == ground_truth_ids(control, day) - bad
    final = audit_rows(warehouse_url)[-1]
    assert final["conversations_rejected"] == len(bad) and final["status"] == "incomplete"
    captured = capfd.readouterr()
    sources = {
        "captured stdout/stderr": (captured.out + captured.err).encode(),
        "sync_audit rows": repr(audit_rows(warehouse_url)).encode(),
        "webhook deliveries": repr(control.webhooks()).encode(),
        **{
            str(path): path.read_bytes()
            for path in files_under(debug_log_file.parent, Path(os.environ["AIRFLOW_HOME"]))
            if "genesys_staging" not in path.parts  # staging holds the raw pages and the rejects by design
        },
    }
    if log is not None and warehouse.schema is not None:
        with log.open("rb") as handle:
            handle.seek(log_start)
            sources["PostgreSQL server log"] = handle.read()
    assert any(b"Submitted Genesys details job" in content for content in sources.values()), "task logs not captured"
    assert any(b"rendered_task_instance_fields" in content or path.endswith(".db") for path, content in sources.items())
    hits = [source for source, content in sources.items() if NAME_CANARY.encode() in content]
    assert hits == []
    dialect = warehouse.engine.dialect.name
    report_row(
        "security",
        check=f"hostile attribute names and values such as `{INJECTION}` ({dialect})",
        result="stored verbatim as data; canary `users` tables intact",
    )
    report_row(
        "security",
        check=f"1 % hostile values from the emulator: NUL, unparseable end, 2^63, 10 MB text, a name in an enum "
        f"field ({dialect})",
        result=f"run completes; {len(bad)} unstorable records quarantined and counted (sync_audit "
        f"conversations_rejected {len(bad)}, status incomplete), {len(named)} with a name in an enum field loaded; "
        f"warehouse = ground truth minus the quarantined; the name in none of {len(sources)} sources "
        "(sync_audit, webhooks, metadata DB with XComs and rendered fields, task and DEBUG logs, stdout/stderr"
        + (", PostgreSQL server log)" if "PostgreSQL server log" in sources else ")"),
    )
