"""Helpers shared by the suites that run the daily DAG in process: run one day with ``dag.test()``
and read the outcome (tests/dags, tests/operations, tests/reliability)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from tests.support.connections import EMULATOR_CLIENT, EMULATOR_WEBHOOK_SECRET  # noqa: F401  (re-exported)
from tests.support.paths import DAGS_FOLDER  # noqa: F401  (re-exported)

DAG_ID = "genesys_conversations_daily"


def past_day(days_ago: int = 2, now: datetime | None = None) -> datetime:
    """Midnight UTC of a day that ended well before the emulator's watermark (now - 1 h);
    ``now`` is the org clock when the emulator's is pinned elsewhere than the real now."""
    today = (now or datetime.now(UTC)).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days_ago)


def run_day(dag, day: datetime, **conf):
    """Run the DAG for the UTC day starting at ``day``: a manual run at D+1 has data interval [D, D+1)."""
    with params_restored(dag):
        return dag.test(logical_date=day + timedelta(days=1), run_conf=conf or None)


@contextmanager
def params_restored(dag) -> Iterator[None]:
    """In-process ``dag.test(run_conf=...)`` resolves the conf into the DAG's and its tasks' own Param
    objects, so one run's conf (``force_extract``, a window) would silently apply to every later run."""
    params = [param for holder in (dag, *dag.tasks) for _, param in holder.params.items()]
    values = [param.value for param in params]
    try:
        yield
    finally:
        for param, value in zip(params, values):
            param.value = value


def day_interval(day: datetime) -> str:
    end = day + timedelta(days=1)
    return f"{day:%Y-%m-%dT%H:%M:%S.000Z}/{end:%Y-%m-%dT%H:%M:%S.000Z}"


def task_states(dag_run) -> dict[str, str]:
    return {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}


def data_snapshot(warehouse) -> dict[str, list[tuple]]:
    """Every conversation table's rows in key order, without the lineage columns (_run_id, _extracted_at).

    ``_run_id`` rightly changes when another run reloads a day, and ``_extracted_at`` when it
    re-extracts; what must not change is the data itself. (``Warehouse.table_checksums``
    leaves out ``_run_id`` only, for reruns served from the cached extraction.)
    """
    from sqlalchemy import column, select, table

    from genesys_pipeline.tables import CONVERSATION_TABLES, EXTRACTED_AT, RUN_ID

    snapshot = {}
    with warehouse.engine.connect() as conn:
        for spec in CONVERSATION_TABLES:
            names = [name for name in spec.column_names if name not in (EXTRACTED_AT, RUN_ID)]
            target = table(spec.name, *map(column, spec.column_names), schema=warehouse.schema)
            query = select(*(target.c[name] for name in names)).order_by(*(target.c[key] for key in spec.primary_key))
            snapshot[spec.name] = [tuple(row) for row in conn.execute(query)]
    return snapshot


def free_port_url(path: str = "") -> str:
    """An http URL on a loopback port nobody listens on: a receiver that is down."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


def details_job_calls(stats: dict) -> int:
    """Requests the emulator served on the async details-job routes (submit, status, results, delete)."""
    operations = {
        "post_analytics_conversations_details_jobs",
        "get_analytics_conversations_details_job",
        "get_analytics_conversations_details_job_results",
        "delete_analytics_conversations_details_job",
    }
    return sum(sum(by_status.values()) for name, by_status in stats.items() if name in operations)
