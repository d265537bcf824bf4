"""A record value (a name) never reaches sync_audit, a webhook or a task log, whatever goes wrong.

Run 1: one participant's ``participantName`` arrives as an object holding a distinctive name
(type drift). The run must complete, quarantine only that conversation and count it in the
audit. Run 2: the same drift with the normalizer's type check switched off, so the drifted
value reaches the warehouse driver and the load fails: the failure's audit row, its
``partition_failed`` webhook and the logs must carry a value-free message.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from genesys_pipeline.normalize import normalizer as normalize
from genesys_pipeline.staging.area import ExtractionWriter
from tests.reliability.reliability_runs import audit_rows, measured_run, warehouse_ids
from tests.reliability.test_secret_leaks import debug_log_file, files_under  # noqa: F401  (a fixture and its helper)

pytestmark = pytest.mark.slow


def drift_first_page(monkeypatch: pytest.MonkeyPatch, name: str, day: datetime) -> list[str]:
    """In each extraction, the first conversation that started on ``day`` gets its first
    participant's name as an object; returns the drifted ids. (Not simply the first record: a job
    selects by overlap, so that can be a conversation of the day before, outside the census.)"""
    original = ExtractionWriter.write_page
    drifted: list[str] = []
    writers: set[int] = set()
    started_on_day = f"{day:%Y-%m-%d}T"

    def write_drifted(self: ExtractionWriter, raw: bytes, records: int) -> Any:
        if id(self) not in writers:  # until the drift is placed in this extraction
            body = orjson.loads(raw)
            on_day = [c for c in body.get("conversations") or [] if c["conversationStart"].startswith(started_on_day)]
            if on_day:
                writers.add(id(self))
                conversation = on_day[0]
                conversation["participants"][0]["participantName"] = {"display": name, "given": name.split()[0]}
                drifted.append(conversation["conversationId"])
                raw = orjson.dumps(body)
        return original(self, raw, records)

    monkeypatch.setattr(ExtractionWriter, "write_page", write_drifted)
    return drifted


def scanned_sources(url: str, control: Any, capfd: Any, log_dir: Path) -> dict[str, bytes]:
    captured = capfd.readouterr()
    return {
        "captured stdout/stderr": (captured.out + captured.err).encode(),
        "sync_audit rows": repr(audit_rows(url)).encode(),
        "webhook deliveries": repr(control.webhooks()).encode(),
        **{str(path): path.read_bytes() for path in files_under(log_dir)},
    }


def test_drifted_name_is_quarantined_and_never_reported(
    daily_dag,
    small_emulator,
    pipeline_env,
    sqlite_url,
    day,
    monkeypatch,
    no_task_retries,
    debug_log_file,  # noqa: F811  (requests the fixture imported above; nothing is redefined)
    capfd,
    report_row,
):
    name = f"Zebulon Quixotic-{uuid.uuid4().hex[:8]}"
    webhook_secret = f"whs-{uuid.uuid4().hex}"
    control = small_emulator.control
    control.reset(conversations_per_day=200, webhook_secret=webhook_secret)
    pipeline_env(sqlite_url)
    monkeypatch.setenv(
        "AIRFLOW_CONN_GENESYS_SYNC_WEBHOOK",
        json.dumps(
            {"conn_type": "http", "host": f"{small_emulator.base_url}/_emulator/webhooks", "password": webhook_secret}
        ),
    )
    drifted = drift_first_page(monkeypatch, name, day)

    synced = measured_run(daily_dag, day, control)

    assert synced.succeeded, synced.task_states
    assert drifted and drifted[0] not in warehouse_ids(sqlite_url)
    final = audit_rows(sqlite_url)[-1]
    # Reconciliation sees the quarantined conversation missing against the census: "incomplete" is the truth.
    assert (final["status"], final["conversations_rejected"]) == ("incomplete", 1)

    monkeypatch.setattr(normalize._FIT, "misfit", lambda table, rows: None)  # the drifted value reaches SQLite
    monkeypatch.setattr(normalize._FIT, "bad_values", lambda table, rows: {})
    failed = measured_run(daily_dag, day, control, force_extract=True)

    assert not failed.succeeded
    errors = [row["error"] for row in audit_rows(sqlite_url) if row["status"] == "failed"]
    assert errors and all("values withheld" in error for error in errors), errors
    assert any(event.get("body", {}).get("type", "").endswith("partition_failed") for event in control.webhooks())
    sources = scanned_sources(sqlite_url, control, capfd, debug_log_file.parent)
    sources.update(
        {
            str(path): path.read_bytes()
            for path in files_under(Path(os.environ["AIRFLOW_HOME"]))
            if "genesys_staging" not in path.parts
        }
    )  # staging holds the raw page by design
    assert any(b"Submitted Genesys details job" in content for content in sources.values()), "task logs not captured"
    hits = [source for source, content in sources.items() if name.encode() in content]
    assert hits == []
    report_row(
        "security",
        check="type-drifted `participantName` (an object holding a distinctive name); then the "
        "same value forced into the warehouse driver so the load fails",
        result="run 1 completes, 1 conversation quarantined, counted in sync_audit (status incomplete); "
        "run 2 fails with "
        f"'{errors[-1][:90]}'; the name in none of {len(sources)} sources (sync_audit, webhooks, "
        "DEBUG log, stdout/stderr, AIRFLOW_HOME)",
    )
