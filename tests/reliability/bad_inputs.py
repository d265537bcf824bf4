"""The rows of the bad-input matrix: one wrong value each, given to a real DAG run, and the field
the resulting error must name.

Each ``apply`` changes exactly one input (a run param, a connection, a Variable, the emulator's
client) and returns the run conf; everything else is the suite's working configuration.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.reliability.reliability_runs import genesys_connection
from tests.support.daily_dag_harness import EMULATOR_CLIENT


@dataclass
class InputContext:
    monkeypatch: pytest.MonkeyPatch
    emulator: Any  # genesys_emulator.testing.EmulatorServer
    day: datetime


@dataclass(frozen=True)
class BadInput:
    id: str
    title: str
    task: str  # the task that must refuse it
    field: str  # must appear in the error
    apply: Callable[[InputContext], dict[str, Any]]


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def window(start: Callable[[InputContext], Any], end: Callable[[InputContext], Any]) -> Callable[[InputContext], dict]:
    return lambda ctx: {"interval_start": start(ctx), "interval_end": end(ctx)}


def connection(host: str | None = None, **options: Any) -> Callable[[InputContext], dict]:
    """The working Genesys connection with ``host`` and/or ``options`` (login, password, extra keys) changed."""

    def apply(ctx: InputContext) -> dict:
        genesys_connection(ctx.monkeypatch, host or ctx.emulator.base_url, **options)
        return {}

    return apply


def variable(name: str, value: str) -> Callable[[InputContext], dict]:
    def apply(ctx: InputContext) -> dict:
        ctx.monkeypatch.setenv(f"AIRFLOW_VAR_{name.upper()}", value)
        return {}

    return apply


def missing_connection(ctx: InputContext) -> dict:
    ctx.monkeypatch.delenv("AIRFLOW_CONN_GENESYS_CLOUD_DEFAULT")
    return {}


def client_without_analytics(ctx: InputContext) -> dict:
    ctx.emulator.control.reset(
        clients=[
            {"client_id": EMULATOR_CLIENT[0], "client_secret": EMULATOR_CLIENT[1], "roles": ["routing:queue:view"]},
        ]
    )
    return {}


def unsupported_warehouse(ctx: InputContext) -> dict:
    ctx.monkeypatch.setenv(
        "AIRFLOW_CONN_GENESYS_WAREHOUSE",
        json.dumps({"conn_type": "generic", "extra": {"sqlalchemy_url": "mysql://etl@warehouse.internal/genesys"}}),
    )
    return {}


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


BAD_INPUTS: tuple[BadInput, ...] = (
    BadInput(
        "reversed",
        "reversed interval",
        "validate_window",
        "interval_end",
        window(lambda c: _iso(c.day + timedelta(days=1)), lambda c: _iso(c.day)),
    ),
    BadInput(
        "zero-length",
        "zero-length interval",
        "validate_window",
        "interval_end",
        window(lambda c: _iso(c.day), lambda c: _iso(c.day)),
    ),
    BadInput(
        "future",
        "interval ending in the future",
        "validate_window",
        "interval_end",
        window(lambda c: _iso(_now() - timedelta(hours=1)), lambda c: _iso(_now() + timedelta(days=1))),
    ),
    BadInput(
        "over-retention",
        "interval older than the 730-day retention",
        "validate_window",
        "interval_start",
        window(lambda c: _iso(c.day - timedelta(days=800)), lambda c: _iso(c.day - timedelta(days=799))),
    ),
    BadInput(
        "over-job-limit",
        "40-day interval, over the 31-day job limit",
        "validate_window",
        "interval_end",
        window(lambda c: _iso(c.day - timedelta(days=40)), lambda c: _iso(c.day)),
    ),
    BadInput(
        "malformed-date",
        "malformed date string in params (2024-13-45T25:00)",
        "validate_window",
        "interval_start",
        window(lambda c: "2024-13-45T25:00", lambda c: _iso(c.day)),
    ),
    BadInput(
        "unknown-region",
        "unknown region in the connection host (mars_north_1)",
        "authenticate",
        "host",
        connection(host="mars_north_1"),
    ),
    BadInput(
        "missing-connection", "missing Genesys connection", "authenticate", "genesys_cloud_default", missing_connection
    ),
    BadInput(
        "wrong-secret",
        "wrong client secret",
        "authenticate",
        "password (client secret)",
        connection(password="not-the-secret"),
    ),
    BadInput(
        "no-analytics-permission",
        "OAuth client without analytics permission",
        "authenticate",
        "analytics:conversationDetail:view",
        client_without_analytics,
    ),
    BadInput(
        "page-size-over-max",
        "results_page_size 5000 in the connection extra (max 1000)",
        "authenticate",
        "results_page_size",
        connection(results_page_size=5000),
    ),
    BadInput(
        "pii-unknown-column",
        "PII config hashing an unknown column",
        "validate_window",
        "genesys_pii_config",
        variable("genesys_pii_config", '{"hash": ["social_security_number"]}'),
    ),
    BadInput(
        "pii-salt-in-config",
        "PII config still holding its salt (now the secret Variable genesys_pii_secret)",
        "validate_window",
        "genesys_pii_secret",
        variable("genesys_pii_config", '{"hash": ["ani"], "salt": "s"}'),
    ),
    BadInput(
        "host-with-userinfo",
        "connection host with user:password@",
        "authenticate",
        "host",
        connection(host="https://client:pw@api.mypurecloud.ie"),
    ),
    BadInput(
        "unsupported-dialect",
        "warehouse URL for an unsupported dialect (mysql://)",
        "validate_window",
        "genesys_warehouse",
        unsupported_warehouse,
    ),
)
