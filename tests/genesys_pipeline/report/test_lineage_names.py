"""OpenLineage dataset names for what the pipeline reads and writes: the naming spec, and no credentials."""

from __future__ import annotations

import pytest

from genesys_pipeline.report.lineage_names import genesys_details, staged_files, warehouse_tables


def test_dataset_names_follow_the_openlineage_naming_spec_and_hold_no_credentials():
    assert genesys_details("https://api.mypurecloud.ie").namespace == "genesys://api.mypurecloud.ie"
    [pg] = warehouse_tables("postgresql+psycopg://etl:s3cret@db.internal:6543/warehouse", ["conversations"])
    assert (pg.namespace, pg.name) == ("postgres://db.internal:6543", "warehouse.genesys.conversations")
    [lite] = warehouse_tables("sqlite:////data/wh.db", ["users"])
    assert (lite.namespace, lite.name) == ("sqlite:///data/wh.db", "wh.main.users")
    assert staged_files("s3://bucket/genesys/conversation_details").namespace == "s3://bucket"
    with pytest.raises(ValueError, match="mysql"):
        warehouse_tables("mysql://h/db", ["t"])
