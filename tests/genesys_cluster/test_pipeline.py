"""The daily DAG's cluster helpers: complete staged extractions only, a config parsing the daily DAG alone,
the union interval."""

from __future__ import annotations

from datetime import UTC, datetime

from genesys_cluster.pipeline import (
    DAILY_DAG_FILE,
    GENESYS_POOL,
    PipelineTarget,
    daily_dag_config,
    staged_manifests,
    union_interval,
)
from genesys_pipeline.staging.area import StagingArea
from genesys_pipeline.staging.followup import FOLLOWUP_QUERY_KEY


def test_staged_manifests_lists_only_complete_extractions(tmp_path):
    staging = StagingArea(tmp_path)
    committed = staging.open_writer("2024-01-01", {"interval": "a"})
    committed.write_page(b'{"conversations": []}', 3)
    committed.commit(datetime(2024, 1, 2, tzinfo=UTC), "job-1")
    staging.open_writer("2024-01-02", {"interval": "b"}).write_page(b"{}", 5)  # interrupted: no manifest
    follow_up = staging.open_writer("2024-01-01", {FOLLOWUP_QUERY_KEY: ["c1"]})  # by id: not the day's window
    follow_up.write_page(b'{"conversations": []}', 1)
    follow_up.commit(datetime(2024, 1, 3, tzinfo=UTC), None)

    assert {p: m.record_count for p, m in staged_manifests(tmp_path).items()} == {"2024-01-01": 3}


def test_daily_dag_config_parses_only_the_daily_dag_and_layers_overrides(tmp_path):
    target = PipelineTarget("http://127.0.0.1:1", "postgresql+psycopg://postgres@127.0.0.1:5432/w", tmp_path / "s")
    config = daily_dag_config(
        tmp_path, target, executor="CeleryExecutor", env_overrides={"AIRFLOW_VAR_GENESYS_POLL_INTERVAL_SECONDS": "5"}
    )

    # the daily DAG and the module it imports beside it (default args, pool): no other DAG
    assert sorted(path.name for path in config.dags_folder.iterdir()) == [DAILY_DAG_FILE.name]
    assert config.executor == "CeleryExecutor" and config.pools == {GENESYS_POOL: 4}
    assert config.env_overrides["AIRFLOW_VAR_GENESYS_STAGING_ROOT"] == str(tmp_path / "s")
    assert config.env_overrides["AIRFLOW_VAR_GENESYS_POLL_INTERVAL_SECONDS"] == "5"
    assert '"host": "http://127.0.0.1:1"' in config.env_overrides["AIRFLOW_CONN_GENESYS_CLOUD_DEFAULT"]


def test_union_interval_covers_the_first_to_the_day_after_the_last():
    days = [datetime(2024, 2, 28, tzinfo=UTC), datetime(2024, 2, 29, tzinfo=UTC)]
    assert union_interval(days) == "2024-02-28T00:00:00.000Z/2024-03-01T00:00:00.000Z"
