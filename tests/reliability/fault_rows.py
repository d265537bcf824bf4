"""The rows of the fault matrix: how each fault is armed, what a correct pipeline does about it,
and how the test proves the fault really happened.

A row either *completes* (the hook's retries absorb the fault; the warehouse equals ground
truth), *fails cleanly* (the run fails with ``message`` in its reported error and the warehouse
is unchanged) or, for the webhook, *syncs without notifying* (data complete, notify failed).
Every row is then healed and rerun, and the rerun must complete.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from genesys_emulator.testing import EmulatorControl
from genesys_pipeline.staging.area import ExtractionWriter
from genesys_pipeline.warehouse import Warehouse
from tests.reliability.reliability_runs import unused_port_url

RESULTS = "get_analytics_conversations_details_job_results"
SUBMIT = "post_analytics_conversations_details_jobs"
EVERY_WAREHOUSE = ("sqlite", "postgres")
COMPLETES = "completes"
FAILS = "fails cleanly"
NOTIFY_FAILS = "syncs, notify fails"
NEVER_AVAILABLE = "2000-01-01T00:00:00.000Z"
KILL_WAIT_SECONDS = 120
REAL_LOAD_BATCHES = Warehouse.load_batches  # the worker inherits the patch, so it calls this directly


@dataclass
class FaultContext:
    """What an arm function may touch; ``patch`` is undone before the rerun."""

    control: EmulatorControl
    patch: pytest.MonkeyPatch
    dag: Any
    use_warehouse: Callable[[str], str]
    warehouse_url: str
    tmp_path: Path


@dataclass(frozen=True)
class FaultRow:
    id: str
    title: str
    expect: str
    arm: Callable[[FaultContext], None]
    message: str = ""  # regex the reported error of a failed run must match
    heal: Callable[[FaultContext], None] = lambda ctx: None
    fired: Callable[[FaultContext], bool] = lambda ctx: all(f["remaining"] == 0 for f in ctx.control.faults())
    # The warehouses the row runs on. A fault of the API or the webhook acts before or after the
    # load, whose code is the same for both dialects: one run on PostgreSQL (the production
    # warehouse) proves it. A fault of the warehouse itself runs on every dialect.
    warehouses: tuple[str, ...] = ("postgres",)


def scripted(route: str, kind: str, count: int = 1, **params: Any) -> Callable[[FaultContext], None]:
    def arm(ctx: FaultContext) -> None:
        ctx.control.add_fault(route, kind, count, **params)

    return arm


def together(*arms: Callable[[FaultContext], None]) -> Callable[[FaultContext], None]:
    def arm(ctx: FaultContext) -> None:
        for each in arms:
            each(ctx)

    return arm


def answered(route: str, status: int) -> Callable[[FaultContext], bool]:
    """The emulator answered ``route`` with ``status`` at least once."""
    return lambda ctx: ctx.control.stats().get(route, {}).get(str(status), 0) > 0


# --- arms that need more than a scripted emulator fault ---------------------------------------


def expire_tokens_after_first_page(ctx: FaultContext) -> None:
    """Expire every token the moment the first result page is staged: the next page gets a 401."""
    original = ExtractionWriter.write_page
    done: list[bool] = []

    def write_then_expire(self: ExtractionWriter, raw: bytes, records: int) -> Any:
        entry = original(self, raw, records)
        if not done:
            done.append(True)
            ctx.control.expire_tokens()
        return entry

    ctx.patch.setattr(ExtractionWriter, "write_page", write_then_expire)


def watermark_never_reaches(ctx: FaultContext) -> None:
    ctx.control.configure(watermark=NEVER_AVAILABLE)
    ctx.patch.setenv("AIRFLOW_VAR_GENESYS_AVAILABILITY_TIMEOUT_SECONDS", "3")


def watermark_back(ctx: FaultContext) -> None:
    ctx.control.configure(watermark=None)


def warehouse_down(ctx: FaultContext) -> None:
    """A PostgreSQL server that refuses connections, or a SQLite file whose directory is gone."""
    if ctx.warehouse_url.startswith("sqlite"):
        ctx.use_warehouse(f"sqlite:///{ctx.tmp_path / 'unmounted-volume' / 'warehouse.db'}")
    else:
        ctx.use_warehouse(unused_port_url("postgresql+psycopg").rstrip("/") + "/warehouse")


def warehouse_back(ctx: FaultContext) -> None:
    ctx.use_warehouse(ctx.warehouse_url)


def webhook_down(ctx: FaultContext) -> None:
    ctx.patch.setenv(
        "AIRFLOW_CONN_GENESYS_SYNC_WEBHOOK",
        f'{{"conn_type": "http", "host": "{unused_port_url("http", "/hook")}", "password": "unused"}}',
    )
    ctx.patch.setattr(ctx.dag.get_task("notify"), "attempts", 2)


def no_webhook_accepted(ctx: FaultContext) -> bool:
    return not [event for event in ctx.control.webhooks() if event.get("accepted")]


def kill_load_mid_merge(ctx: FaultContext) -> None:
    """The load runs in a forked worker that is SIGKILLed inside its merge transaction, after rows
    reached the real tables: what an OOM kill or a node loss does to a load."""
    ctx.patch.setattr(Warehouse, "load_batches", _load_in_killed_worker)


def _load_in_killed_worker(self: Warehouse, batches: Iterable[Any], run_id: str, *_: Any, **options: Any) -> Any:
    fork = multiprocessing.get_context("fork")
    merging = fork.Event()
    url = self.engine.url.render_as_string(hide_password=False)
    worker = fork.Process(target=_load_until_killed, args=(url, batches, run_id, merging), daemon=True)
    worker.start()
    deadline = time.monotonic() + KILL_WAIT_SECONDS
    while not merging.wait(0.05):
        if not worker.is_alive() or time.monotonic() > deadline:
            worker.kill()
            worker.join()
            raise RuntimeError(f"load worker never reached its merge (exit code {worker.exitcode})")
    os.kill(worker.pid, signal.SIGKILL)
    worker.join()
    raise RuntimeError(f"load worker {worker.pid} was killed with SIGKILL in the middle of its merge transaction")


def _load_until_killed(url: str, batches: Iterable[Any], run_id: str, merging: Any) -> None:
    def progress(event: str) -> None:
        if event.startswith("merge:inserted:"):
            merging.set()
            time.sleep(KILL_WAIT_SECONDS)

    REAL_LOAD_BATCHES(Warehouse.from_url(url, prefetch=False), batches, run_id, progress)


def proven_by_failure(ctx: FaultContext) -> bool:
    """For rows whose failure message can only come from the fault itself (checked separately)."""
    return True


FAULT_ROWS: tuple[FaultRow, ...] = (
    FaultRow(
        "429-storm",
        "429 storm with Retry-After: 1 s (4 in a row on result pages)",
        COMPLETES,
        scripted(RESULTS, "status", 4, status=429, retry_after=1),
    ),
    FaultRow(
        "429-over-cap",
        "429 with Retry-After: 3600 s, over the 300 s cap",
        FAILS,
        scripted(SUBMIT, "status", 1, status=429, retry_after=3600),
        message=r"3600 s .*above the 300 s cap",
    ),
    *(
        FaultRow(
            f"{status}-burst",
            f"HTTP {status} burst (3 on job submission, 3 on result pages)",
            COMPLETES,
            together(scripted(SUBMIT, "status", 3, status=status), scripted(RESULTS, "status", 3, status=status)),
        )
        for status in (500, 502, 503, 504)
    ),
    FaultRow("connection-reset", "connection reset mid-body (2 result pages)", COMPLETES, scripted(RESULTS, "drop", 2)),
    FaultRow("truncated-json", "truncated JSON page (2 result pages)", COMPLETES, scripted(RESULTS, "truncate", 2)),
    FaultRow(
        "token-expiry",
        "every token expires after the first result page",
        COMPLETES,
        expire_tokens_after_first_page,
        fired=answered(RESULTS, 401),
    ),
    FaultRow("job-failed", "details job ends FAILED", FAILS, scripted(SUBMIT, "fail_job"), message=r"ended FAILED"),
    FaultRow(
        "job-expired",
        "job EXPIRED before its results are read",
        COMPLETES,
        scripted(SUBMIT, "expire_job", 1, after_pages=0),
        fired=answered(RESULTS, 404),
    ),
    FaultRow(
        "cursor-rejected",
        "results cursor rejected (HTTP 400)",
        FAILS,
        scripted(RESULTS, "reject_cursor"),
        message=r"HTTP 400.*cursor is invalid",
    ),
    FaultRow(
        "watermark-stuck",
        "availability watermark never reaches the window (3 s timeout)",
        FAILS,
        watermark_never_reaches,
        message=r"did not become available",
        heal=watermark_back,
        fired=proven_by_failure,
    ),
    FaultRow(
        "warehouse-down",
        "warehouse unavailable during load, then back",
        FAILS,
        warehouse_down,
        message=r"(?i)connection refused|unable to open database file",
        heal=warehouse_back,
        fired=proven_by_failure,
        warehouses=EVERY_WAREHOUSE,
    ),
    FaultRow(
        "killed-during-load",
        "load process SIGKILLed mid-merge",
        FAILS,
        kill_load_mid_merge,
        message=r"killed with SIGKILL",
        fired=proven_by_failure,
        warehouses=EVERY_WAREHOUSE,
    ),
    FaultRow("webhook-down", "webhook endpoint down", NOTIFY_FAILS, webhook_down, fired=no_webhook_accepted),
)
