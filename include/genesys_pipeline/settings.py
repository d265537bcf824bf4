"""Pipeline settings that have no natural home in a connection, with their documented names and defaults.

Each setting is read through a ``lookup(name)`` callable. In Airflow that is
``Variable.get(name, default=None)``, which also sees environment variables named
``AIRFLOW_VAR_<NAME upper-cased>`` (for example ``AIRFLOW_VAR_GENESYS_CACHE_TTL_SECONDS=3600``);
outside Airflow it can be ``os.environ.get``-style. Values are parsed and range-checked here so
a typo fails the run's first task with the setting's name, not a later stage.

Why the daily run looks back 3 days by default: a conversation's record keeps changing after
its day. Conversations still ongoing at extraction end on a later read; quality evaluations,
surveys and wrap-up corrections mostly arrive within a few days of the end. Re-extracting the
previous 3 days costs API pages but little warehouse work (only conversations whose content
hash changed are rewritten); the weekly refresh over ``genesys_refresh_days`` catches what
arrives later, and open conversations are followed up by id whatever their day.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

import orjson

from genesys_pipeline.plan.result_cap import DEFAULT_MAX_JOB_RESULTS
from genesys_pipeline.plan.window import WindowLimits
from genesys_pipeline.staging.followup import DEFAULT_FOLLOWUP_BATCH

Lookup = Callable[[str], "str | None"]


def default_staging_root() -> str:
    """Staging lives next to the Airflow home by default, so each deployment gets its own."""
    home = os.environ.get("AIRFLOW_HOME") or str(Path.home() / "airflow")
    return str(Path(home) / "genesys_staging")


@dataclass(frozen=True)
class SettingSpec:
    name: str
    kind: type
    minimum: float | None
    doc: str


SPECS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "genesys_staging_root",
        str,
        None,
        "Directory for the staged raw pages and the rejects files (default $AIRFLOW_HOME/genesys_staging).",
    ),
    SettingSpec(
        "genesys_staging_retention_days",
        int,
        1,
        "Raw pages and rejects are purged this many days after they were written (default 14; see staging_retention).",
    ),
    SettingSpec(
        "genesys_cache_ttl_seconds",
        int,
        0,
        "Reuse a complete extraction of the same query younger than this (default 86400; 0 disables).",
    ),
    SettingSpec("genesys_retention_days", int, 1, "Oldest window start accepted, in days before now (default 730)."),
    SettingSpec(
        "genesys_max_job_interval_days", int, 1, "Widest window one details job may cover, in days (default 31)."
    ),
    SettingSpec(
        "genesys_availability_timeout_seconds",
        int,
        1,
        "How long wait_for_data waits for the watermark (default 21600).",
    ),
    SettingSpec("genesys_poll_interval_seconds", int, 1, "Seconds between job-status and watermark polls (default 5)."),
    SettingSpec(
        "genesys_lookback_days",
        int,
        0,
        "Also re-extract this many days before each run's day, for late data (default 3).",
    ),
    SettingSpec(
        "genesys_refresh_days",
        int,
        1,
        "Complete UTC days the refresh DAG re-extracts before its logical date (default 30).",
    ),
    SettingSpec(
        "genesys_max_job_results",
        int,
        1,
        "Results one details job may page through before a window is split (default 400000).",
    ),
    SettingSpec(
        "genesys_open_followup_batch",
        int,
        1,
        "Open conversations re-fetched per multi-get request (default 100; Genesys max unconfirmed).",
    ),
    SettingSpec(
        "genesys_expected_divisions",
        list,
        None,
        'Divisions the client must read: a JSON list of ids, or "*"/"any" for whatever it can (default: all).',
    ),
    SettingSpec(
        "genesys_pii_config",
        str,
        None,
        "PII handling as JSON for genesys_pipeline.normalize.pii.PiiConfig (default: its defaults).",
    ),
)


@dataclass(frozen=True)
class PipelineSettings:
    staging_root: str
    staging_retention_days: int = 14
    cache_ttl_seconds: int = 86_400
    retention_days: int = 730
    max_job_interval_days: int = 31
    availability_timeout_seconds: int = 6 * 3600
    poll_interval_seconds: int = 5
    lookback_days: int = 3
    refresh_days: int = 30
    max_job_results: int = DEFAULT_MAX_JOB_RESULTS
    open_followup_batch: int = DEFAULT_FOLLOWUP_BATCH
    # None: every division that exists; "any": a partial org is accepted; else these ids.
    expected_divisions: tuple[str, ...] | Literal["any"] | None = None
    pii_config: str = field(default="", repr=False)  # an old config may still hold a salt

    @property
    def window_limits(self) -> WindowLimits:
        return WindowLimits(retention_days=self.retention_days, max_interval_days=self.max_job_interval_days)

    def as_plan(self) -> dict[str, Any]:
        """Every setting except the PII config, whose salt must not land in XCom (visible in the UI)."""
        plan = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "pii_config"}
        if isinstance(self.expected_divisions, tuple):
            plan["expected_divisions"] = list(self.expected_divisions)  # plain JSON for XCom
        return plan

    @classmethod
    def from_lookup(cls, lookup: Lookup) -> PipelineSettings:
        """Settings from ``lookup``; unset names keep their defaults, bad values raise ValueError naming them."""
        values: dict[str, Any] = {"staging_root": default_staging_root()}
        for spec in SPECS:
            raw = lookup(spec.name)
            if raw is None or str(raw).strip() == "":
                continue
            values[spec.name.removeprefix("genesys_")] = _parse(spec, str(raw).strip())
        return cls(**values)


ANY_DIVISION = ("*", "any")


def _parse(spec: SettingSpec, raw: str) -> Any:
    if spec.kind is str:
        return raw
    if spec.kind is list:
        return _parse_divisions(spec.name, raw)
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"setting {spec.name} must be an integer, got {raw!r}") from None
    if spec.minimum is not None and value < spec.minimum:
        raise ValueError(f"setting {spec.name} must be >= {spec.minimum:g}, got {value}")
    return value


def _parse_divisions(name: str, raw: str) -> tuple[str, ...] | Literal["any"]:
    allowed = 'a JSON list of division ids (e.g. ["d-1", "d-2"]), "*" or "any", or unset to require every division'
    if raw.lower() in ANY_DIVISION:
        return "any"
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ValueError(f"setting {name} must be {allowed}; got {raw!r}") from None
    if not isinstance(value, list) or not value or not all(isinstance(item, str) and item for item in value):
        raise ValueError(f"setting {name} must be {allowed}; got {raw!r}")
    return tuple(dict.fromkeys(value))
