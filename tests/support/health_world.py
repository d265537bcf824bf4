"""A small synced history written through the product's own writers: audit rows, loaded conversations, aggregates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import orjson
from sqlalchemy import Engine

from genesys_pipeline.normalize.normalizer import Normalizer
from genesys_pipeline.report.aggregates import replace_partition
from genesys_pipeline.report.audit import AuditRecord, write_audit
from genesys_pipeline.warehouse import Warehouse
from genesys_pipeline.warehouse.converge.freshness import upsert_partition_freshness

END = date(2026, 11, 24)
EXTRACTED_AT = datetime(2026, 11, 25, 1, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Attempt:
    partition: str
    status: str
    fetched: int | None = None
    loaded: int | None = None
    requests: int = 0
    throttled: int = 0
    extract_seconds: float | None = None
    reconciliation: str | None = None
    delta: int = 0
    job_id: str | None = None


# Oldest first, as the pipeline would have written them. 11-21 failed once, then succeeded;
# 11-22 is incomplete (reconciliation); 11-23 failed for good; 11-20 and 11-24 were never synced.
ATTEMPTS = (
    Attempt("2026-11-19", "success", 120, 120, requests=7, extract_seconds=4.0, reconciliation="match", job_id="j19"),
    Attempt("2026-11-21", "retry", 140, None, requests=9, throttled=2, job_id="j21"),  # the load retried
    Attempt(
        "2026-11-21",
        "success",
        140,
        138,
        requests=9,
        throttled=2,
        extract_seconds=6.5,
        reconciliation="match",
        job_id="j21",
    ),
    Attempt(
        "2026-11-22",
        "incomplete",
        150,
        150,
        requests=8,
        extract_seconds=5.0,
        reconciliation="incomplete",
        delta=3,
        job_id="j22",
    ),
    Attempt("2026-11-23", "failed", None, None, requests=3, job_id="j23"),  # the job failed
)


def write_attempts(engine: Engine, attempts: tuple[Attempt, ...] = ATTEMPTS) -> None:
    for number, attempt in enumerate(attempts, 1):
        record = AuditRecord(
            dag_id="genesys_conversations_daily",
            run_id=f"run-{number}",
            try_number=1,
            partition=attempt.partition,
            status="success" if attempt.status == "incomplete" else attempt.status,
        )
        record.add_extract(
            {
                "records": attempt.fetched,
                "job_id": attempt.job_id,
                "api": {"requests": attempt.requests, "retries": attempt.throttled, "throttled": attempt.throttled},
            }
        )
        if attempt.loaded is not None:
            record.add_load(
                {
                    "conversations_loaded": attempt.loaded,
                    "conversations_rejected": (attempt.fetched or 0) - attempt.loaded,
                }
            )
        if attempt.reconciliation:
            record.add_reconciliation({"status": attempt.reconciliation, "conversations_delta": attempt.delta})
        if attempt.extract_seconds is not None:
            record.stage_latency_seconds = {"extract": attempt.extract_seconds, "load": attempt.extract_seconds / 2}
        write_audit(engine, record)


def conversation(conversation_id: str, day: date, ended: bool) -> dict:
    start = datetime(day.year, day.month, day.day, 10, tzinfo=UTC)
    record = {
        "conversationId": conversation_id,
        "conversationStart": start.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "originatingDirection": "inbound",
        "participants": [],
    }
    if ended:
        record["conversationEnd"] = (start + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return record


def load_conversations(url: str, day: date, ended: int, still_open: int) -> None:
    """Load ``ended`` finished and ``still_open`` running conversations of ``day`` through the real loader."""
    load_extraction(url, {day: (ended, still_open)}, EXTRACTED_AT)


def load_extraction(
    url: str,
    days: dict[date, tuple[int, int]],
    extracted_at: datetime,
    whole_days: list[date] | None = None,
    run_id: str = "run-load",
) -> None:
    """One extraction's load through the real loader: per day (ended, still open) conversations, the
    days in ``whole_days`` (default: all) stamped extracted whole at ``extracted_at``."""
    records = []
    for day, (ended, still_open) in days.items():
        records += [conversation(f"{day}-done-{n}", day, True) for n in range(ended)]
        records += [conversation(f"{day}-open-{n}", day, False) for n in range(still_open)]
    stamped = list(days) if whole_days is None else whole_days
    warehouse = Warehouse.from_url(url)
    try:
        warehouse.ensure_schema()
        normalizer = Normalizer(extracted_at, run_id)
        warehouse.load_batches(
            normalizer.normalize_pages([orjson.dumps({"conversations": records})]),
            run_id,
            finish=lambda tables, counts, report: upsert_partition_freshness(tables, stamped, extracted_at, {}),
        )
    finally:
        warehouse.dispose()


def aggregates_response(offered: int, connected: int) -> dict:
    return {
        "results": [
            {
                "group": {"mediaType": "voice", "queueId": "q-1"},
                "data": [
                    {
                        "interval": "2026-11-21T00:00:00.000Z/2026-11-22T00:00:00.000Z",
                        "metrics": [
                            {"metric": "nOffered", "stats": {"count": offered}},
                            {"metric": "nConnected", "stats": {"count": connected}},
                        ],
                    }
                ],
            }
        ]
    }


def write_aggregates(engine: Engine, partition: str, offered: int, connected: int) -> None:
    from genesys_pipeline.report.aggregates import flatten

    replace_partition(engine, partition, flatten(aggregates_response(offered, connected), partition, "run-agg"))
