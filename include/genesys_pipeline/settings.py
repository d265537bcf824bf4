"""Pipeline settings that have no natural home in a connection, with their documented names and defaults.

Each setting is read through a ``lookup(name)`` callable. In Airflow that is
``Variable.get(name, default=None)``, which also sees environment variables named
``AIRFLOW_VAR_<NAME upper-cased>`` (for example ``AIRFLOW_VAR_GENESYS_CACHE_TTL_SECONDS=3600``);
outside Airflow it can be ``os.environ.get``-style. Values are parsed and range-checked here so
a typo fails the run's first task with the setting's name, not a later stage.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Callable

from .window import WindowLimits

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
    SettingSpec("genesys_staging_root", str, None, "Directory for the staged raw pages and the rejects files (default $AIRFLOW_HOME/genesys_staging)."),
    SettingSpec("genesys_cache_ttl_seconds", int, 0, "Reuse a complete extraction of the same query younger than this (default 86400; 0 disables)."),
    SettingSpec("genesys_retention_days", int, 1, "Oldest window start accepted, in days before now (default 730)."),
    SettingSpec("genesys_max_job_interval_days", int, 1, "Widest window one details job may cover, in days (default 31)."),
    SettingSpec("genesys_availability_timeout_seconds", int, 1, "How long wait_for_data waits for the watermark (default 21600)."),
    SettingSpec("genesys_poll_interval_seconds", int, 1, "Seconds between job-status and watermark polls (default 5)."),
    SettingSpec("genesys_lookback_days", int, 0, "Also re-extract this many days before each run's day, for late data (default 0)."),
    SettingSpec("genesys_pii_config", str, None, "PII handling as JSON for genesys_pipeline.pii.PiiConfig (default: its defaults)."),
)


@dataclass(frozen=True)
class PipelineSettings:
    staging_root: str
    cache_ttl_seconds: int = 86_400
    retention_days: int = 730
    max_job_interval_days: int = 31
    availability_timeout_seconds: int = 6 * 3600
    poll_interval_seconds: int = 5
    lookback_days: int = 0
    pii_config: str = ""

    @property
    def window_limits(self) -> WindowLimits:
        return WindowLimits(retention_days=self.retention_days, max_interval_days=self.max_job_interval_days)

    def as_plan(self) -> dict[str, Any]:
        """Every setting except the PII config, whose salt must not land in XCom (visible in the UI)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "pii_config"}

    @classmethod
    def from_lookup(cls, lookup: Lookup) -> "PipelineSettings":
        """Settings from ``lookup``; unset names keep their defaults, bad values raise ValueError naming them."""
        values: dict[str, Any] = {"staging_root": default_staging_root()}
        for spec in SPECS:
            raw = lookup(spec.name)
            if raw is None or str(raw).strip() == "":
                continue
            values[spec.name.removeprefix("genesys_")] = _parse(spec, str(raw).strip())
        return cls(**values)


def _parse(spec: SettingSpec, raw: str) -> Any:
    if spec.kind is str:
        return raw
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"setting {spec.name} must be an integer, got {raw!r}") from None
    if spec.minimum is not None and value < spec.minimum:
        raise ValueError(f"setting {spec.name} must be >= {spec.minimum:g}, got {value}")
    return value
