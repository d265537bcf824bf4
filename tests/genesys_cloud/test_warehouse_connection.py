"""The warehouse Airflow connection -> a SQLAlchemy ``URL`` object, through the provider hooks."""

from __future__ import annotations

import pytest


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
