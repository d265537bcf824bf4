"""The run note naming the synced day: the rule validate_window applies, never over a note someone wrote."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from genesys_cloud.run_notes import DAILY_DAG_ID, on_dag_run_running, synced_label

DAY = datetime(2024, 5, 1, tzinfo=UTC)
NEXT = datetime(2024, 5, 2, tzinfo=UTC)


def run(**fields):
    base = dict(dag_id=DAILY_DAG_ID, run_id="r", note=None, conf={}, data_interval_start=DAY, data_interval_end=NEXT)
    return SimpleNamespace(**{**base, **fields})


def test_a_backfill_or_scheduled_run_names_its_data_intervals_day():
    assert synced_label(DAY, NEXT, {}) == "Syncs 2024-05-01 (UTC day)"


def test_a_manual_window_wins_over_the_data_interval():
    conf = {"interval_start": "2024-12-01T00:00:00Z", "interval_end": "2024-12-03T00:00:00Z"}
    assert synced_label(DAY, NEXT, conf) == "Syncs 2024-12-01 00:00 → 2024-12-03 00:00 UTC"
    one_day = {"interval_start": "2024-12-01T00:00:00Z", "interval_end": "2024-12-02T00:00:00Z"}
    assert synced_label(DAY, NEXT, one_day) == "Syncs 2024-12-01 (UTC day)"


def test_a_bad_window_is_named():
    assert synced_label(DAY, NEXT, {"interval_start": "2024-12-01"}) == (
        "Syncs nothing: interval_end: is required when interval_start is given"
    )


def test_the_listener_notes_daily_runs_only_and_keeps_a_users_note():
    daily = run()
    on_dag_run_running(dag_run=daily, msg="started")
    assert daily.note == "Syncs 2024-05-01 (UTC day)"
    written = run(note="rerun after the outage")
    on_dag_run_running(dag_run=written, msg="started")
    assert written.note == "rerun after the outage"
    other = run(dag_id="genesys_reference_data")
    on_dag_run_running(dag_run=other, msg="started")
    assert other.note is None


def test_registered_as_a_plugin_listener():
    from airflow import plugins_manager

    plugins, errors = plugins_manager._get_plugins()
    assert not errors
    plugin = next(p for p in plugins if p.name == "genesys_run_notes")
    assert [listener.__name__ for listener in plugin.listeners] == ["genesys_cloud.run_notes"]
