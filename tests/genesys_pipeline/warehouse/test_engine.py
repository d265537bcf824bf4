"""Warehouse engines from a URL: the supported dialects and their drivers."""

from __future__ import annotations

import pytest

from genesys_pipeline.warehouse import Warehouse
from genesys_pipeline.warehouse.engine import warehouse_url


@pytest.mark.parametrize(
    "url, driver",
    [
        ("postgresql://u@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg2://u@h/db", "postgresql+psycopg"),
        ("postgres://u@h/db", "postgresql+psycopg"),
        ("sqlite:///w.db", "sqlite"),
    ],
)
def test_urls_are_normalized(url, driver):
    assert warehouse_url(url).drivername == driver


def test_unsupported_dialect_names_scheme_and_supported_ones():
    with pytest.raises(ValueError, match=r"'mysql\+pymysql'.*supported: sqlite, postgresql"):
        Warehouse.from_url("mysql+pymysql://u@h/db")
