"""Settings parsing, webhook signing, warehouse URL mapping and the audit table (Airflow-free helpers)."""
from datetime import timezone

import pytest
from sqlalchemy import create_engine

from genesys_pipeline.report import webhook
from genesys_pipeline.report.audit import AuditRecord, read_audit, write_audit, write_audit_reliably
from genesys_pipeline.settings import PipelineSettings


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


def test_signature_matches_the_documented_scheme_and_verifies():
    import hashlib
    import hmac

    body = webhook.encode_event({"b": 1, "a": 2})
    headers = webhook.signed_headers("s3cret", body, "key-1", timestamp=1700000000)
    expected = hmac.new(b"s3cret", b"1700000000.key-1." + body, hashlib.sha256).hexdigest()
    assert headers[webhook.SIGNATURE_HEADER] == f"sha256={expected}"
    assert webhook.verify("s3cret", headers, body, now=1700000010)
    assert not webhook.verify("wrong", headers, body, now=1700000010)
    assert not webhook.verify("s3cret", headers, body + b" ", now=1700000010)
    assert not webhook.verify("s3cret", headers, body, now=1700000000 + 3600)  # replay of an old request
    rekeyed = {**headers, webhook.IDEMPOTENCY_HEADER: "key-2"}
    assert not webhook.verify("s3cret", rekeyed, body, now=1700000010)  # a replay under a fresh key


def test_idempotency_key_identifies_the_event():
    key = webhook.idempotency_key(webhook.EVENT_FAILED, "d", "2024-05-01", "run", "authenticate", 1)
    assert key == webhook.idempotency_key(webhook.EVENT_FAILED, "d", "2024-05-01", "run", "authenticate", 1)
    assert key != webhook.idempotency_key(webhook.EVENT_FAILED, "d", "2024-05-01", "run", "authenticate", 2)
    # After a clear: authenticate try 1 failed, then audit try 1 succeeded. Two events, two keys.
    assert key != webhook.idempotency_key(webhook.EVENT_SYNCED, "d", "2024-05-01", "run", "audit", 1)
    assert key != webhook.idempotency_key(webhook.EVENT_FAILED, "d", "2024-05-01", "run", "audit", 1)


def test_failure_and_success_of_one_run_get_different_keys_from_their_audit_summaries():
    summary = {"dag_id": "d", "run_id": "run", "partition": "2024-05-01", "status": "failed", "try_number": 1}
    _, failed_key = webhook.event_from_audit(webhook.EVENT_FAILED, {**summary, "task_id": "authenticate"})
    _, synced_key = webhook.event_from_audit(webhook.EVENT_SYNCED, {**summary, "status": "success", "task_id": "audit"})
    assert failed_key != synced_key


def test_warehouse_urls_come_from_the_provider_hooks_as_url_objects(monkeypatch):
    import json

    from genesys_cloud.warehouse_connection import warehouse_sqlalchemy_url

    def connection(**fields):
        monkeypatch.setenv("AIRFLOW_CONN_WH", json.dumps(fields))
        return warehouse_sqlalchemy_url("wh")

    assert connection(conn_type="sqlite", host="/tmp/w.db").render_as_string() == "sqlite:////tmp/w.db"
    pg = connection(conn_type="postgres", host="db", port=5432, login="u", password="p@ss/word", schema="wh")
    assert pg.drivername == "postgresql+psycopg" and pg.password == "p@ss/word" and pg.database == "wh"
    assert "p@ss" not in repr(pg) and "p@ss" not in str(pg)
    explicit = connection(conn_type="generic", extra={"sqlalchemy_url": "postgresql://u@db/x"})
    assert explicit.drivername == "postgresql+psycopg"  # one driver rule, whatever the URL names
    with pytest.raises(ValueError, match="mysql"):
        connection(conn_type="mysql", host="h")
    with pytest.raises(ValueError, match="host = the database file path"):
        connection(conn_type="sqlite")


def test_audit_rows_are_appended_with_json_metrics(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'a.db'}")
    record = AuditRecord(dag_id="d", run_id="r", try_number=1, partition="2024-05-01", status="success")
    record.add_extract({"records": 4, "pages": 1, "cache_hit": False, "api": {"requests": 5, "failed_correlation_ids": ["c1"]}})
    record.add_load({"conversations_loaded": 3, "conversations_rejected": 1, "rows_per_table": {"conversations": 3}})
    write_audit(engine, record)
    write_audit(engine, AuditRecord(dag_id="d", run_id="r", try_number=2, partition="2024-05-01", status="failed", error="boom"))
    rows = read_audit(engine, "2024-05-01")
    assert [row["status"] for row in rows] == ["success", "failed"]
    assert rows[0]["completeness_rate"] == 0.75
    assert rows[0]["rows_per_table"] == {"conversations": 3}
    assert rows[0]["failed_correlation_ids"] == ["c1"]
    assert rows[1]["completeness_rate"] is None and rows[1]["error"] == "boom"


def test_completeness_counts_conversations_kept_because_a_fresher_copy_is_loaded(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'a.db'}")
    record = AuditRecord(dag_id="d", run_id="r", try_number=1, partition="2024-05-01", status="success")
    record.add_extract({"records": 300})
    record.add_load({"conversations_loaded": 288, "conversations_skipped_older": 12, "conversations_rejected": 0})
    write_audit(engine, record)
    [row] = read_audit(engine)
    assert row["completeness_rate"] == 1.0
    assert (row["conversations_loaded"], row["conversations_skipped_older"]) == (288, 12)  # kept apart


def test_an_audit_row_that_cannot_be_written_is_retried_then_logged_whole(tmp_path, caplog):
    record = AuditRecord(dag_id="d", run_id="run-x", try_number=1, partition="2024-05-01", status="retry")
    engines = []

    def broken_then_working():
        # the first two engines point into a directory that does not exist yet: the write fails
        path = tmp_path / ("missing" if len(engines) < 2 else ".") / "a.db"
        engines.append(create_engine(f"sqlite:///{path}"))
        return engines[-1]

    write_audit_reliably(broken_then_working, record, attempts=3, backoff_s=0)
    assert len(engines) == 3 and [row["run_id"] for row in read_audit(engines[-1])] == ["run-x"]

    with caplog.at_level("ERROR"), pytest.raises(Exception):
        write_audit_reliably(lambda: create_engine(f"sqlite:///{tmp_path / 'missing' / 'a.db'}"), record,
                             attempts=2, backoff_s=0)
    [logged] = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert "NOT written after 2 tries" in logged and '"run_id":"run-x"' in logged
