"""Pipeline settings: defaults, overrides, the convergence settings, and errors that name the setting and its
allowed values; every setting documented in docs/operations.md."""

from __future__ import annotations

import orjson
import pytest

from genesys_pipeline.settings import SPECS, PipelineSettings
from tests.support.paths import DOCS


def test_convergence_defaults():
    settings = PipelineSettings.from_lookup(lambda name: None)
    assert settings.lookback_days == 3
    assert (settings.refresh_days, settings.max_job_results, settings.open_followup_batch) == (30, 400_000, 100)
    assert settings.expected_divisions is None  # every division must be readable


def test_every_setting_is_documented_in_operations_md():
    doc = (DOCS / "operations.md").read_text()
    assert [spec.name for spec in SPECS if f"`{spec.name}`" not in doc] == []


@pytest.mark.parametrize(
    "raw, parsed",
    [
        ('["d-1", "d-2", "d-1"]', ("d-1", "d-2")),
        ("*", "any"),
        ("ANY", "any"),
        ("", None),
    ],
)
def test_expected_divisions(raw, parsed):
    settings = PipelineSettings.from_lookup({"genesys_expected_divisions": raw}.get)
    assert settings.expected_divisions == parsed
    orjson.dumps(settings.as_plan())  # the plan goes to XCom: plain JSON


@pytest.mark.parametrize("raw", ["d-1", "[]", "[1]", '{"d": 1}', '[""]'])
def test_bad_expected_divisions_name_the_setting_and_the_allowed_values(raw):
    with pytest.raises(ValueError, match=r'genesys_expected_divisions must be a JSON list .*"\*" or "any"'):
        PipelineSettings.from_lookup({"genesys_expected_divisions": raw}.get)


@pytest.mark.parametrize("name", ["genesys_refresh_days", "genesys_max_job_results", "genesys_open_followup_batch"])
@pytest.mark.parametrize("raw", ["0", "x"])
def test_bad_counts_name_the_setting(name, raw):
    with pytest.raises(ValueError, match=name):
        PipelineSettings.from_lookup({name: raw}.get)


def test_settings_defaults_and_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    defaults = PipelineSettings.from_lookup(lambda name: None)
    assert defaults.staging_root == str(tmp_path / "genesys_staging")
    assert (defaults.cache_ttl_seconds, defaults.retention_days, defaults.max_job_interval_days) == (86400, 730, 31)
    custom = PipelineSettings.from_lookup({"genesys_cache_ttl_seconds": "60", "genesys_staging_root": "/x"}.get)
    assert (custom.cache_ttl_seconds, custom.staging_root) == (60, "/x")


@pytest.mark.parametrize("value", ["abc", "-1"])
def test_bad_setting_values_name_the_setting(value):
    with pytest.raises(ValueError, match="genesys_cache_ttl_seconds"):
        PipelineSettings.from_lookup({"genesys_cache_ttl_seconds": value}.get)
