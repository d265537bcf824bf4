"""Short non-secret settings ("1", "0.05") read without Airflow's too-short-secret warning; real
secrets still masked."""

from __future__ import annotations

import logging

from airflow.sdk._shared.secrets_masker import secrets_masker

from genesys_cloud.variables import SHORT_SECRET_WARNING, load_settings, plain_variable


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith(SHORT_SECRET_WARNING)]


def test_short_settings_raise_no_masking_warning_and_the_warn_once_flag_is_left_alone(monkeypatch, caplog):
    monkeypatch.setattr(secrets_masker.SecretsMasker, "_has_warned_short_secret", False)
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_POLL_INTERVAL_SECONDS", "1")
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_RECONCILE_TOLERANCE", "0.05")
    with caplog.at_level(logging.WARNING):
        settings = load_settings()
        assert plain_variable("genesys_reconcile_tolerance") == "0.05"
    assert settings.as_plan()["poll_interval_seconds"] == 1.0
    assert _warnings(caplog) == []
    assert secrets_masker.SecretsMasker._has_warned_short_secret is False

    with caplog.at_level(logging.WARNING):  # outside our reads, Airflow's own warning is untouched
        secrets_masker._secrets_masker().add_mask("abc", "genesys_password")
    assert len(_warnings(caplog)) == 1
