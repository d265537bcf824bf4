"""`make airflow`'s settings land in the metadata DB (UI-visible, editable) and the Genesys Test button works.

Real ``airflow`` CLI commands against a scratch SQLite metadata DB and the test emulator over HTTP.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.paths import ROOT, SCRIPTS

sys.path.insert(0, str(SCRIPTS))

from local_env import AIRFLOW, airflow_env, migrate_metadata_db
from metadata_settings import store_in_metadata_db

pytestmark = pytest.mark.slow  # several airflow CLI start-ups
AVAILABILITY = "get_analytics_conversations_details_jobs_availability"


def airflow(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([AIRFLOW, *args], env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout


def test_connections_and_variables_are_stored_in_the_metadata_db_and_the_genesys_test_asks_our_hook(emulator, tmp_path):
    home = tmp_path / "airflow"
    env = airflow_env(home, emulator.base_url, tmp_path / "warehouse.db", tmp_path / "staging")
    env["AIRFLOW__CORE__TEST_CONNECTION"] = "Enabled"
    migrate_metadata_db(env)
    airflow(env, "variables", "set", "genesys_poll_interval_seconds", "7")  # a value edited in the UI earlier

    connections, variables = store_in_metadata_db(env, home)

    assert not [name for name in env if name.startswith(("AIRFLOW_CONN_", "AIRFLOW_VAR_"))]
    assert connections == ["genesys_cloud_default", "genesys_sync_webhook", "genesys_warehouse"]
    assert "genesys_staging_root" in variables
    assert list(home.glob("*.json")) == []  # the import files (with the secret) are gone
    listed = airflow(env, "connections", "list", "-o", "plain")
    assert "genesys_cloud_default" in listed and "genesys_warehouse" in listed
    assert airflow(env, "variables", "get", "genesys_staging_root").strip() == str(tmp_path / "staging")
    assert airflow(env, "variables", "get", "genesys_poll_interval_seconds").strip() == "7"  # edits survive a restart
    before = emulator.control.stats().get(AVAILABILITY, {})
    assert "Connection success" in airflow(env, "connections", "test", "genesys_cloud_default")
    # our hook answered (a token, then the availability watermark), not the stock HTTP hook
    assert sum(emulator.control.stats()[AVAILABILITY].values()) == sum(before.values()) + 1
    assert emulator.control.issued_tokens()
