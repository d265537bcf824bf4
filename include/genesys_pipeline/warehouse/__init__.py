"""SQL warehouse side: schema, bulk load and views, for SQLite and PostgreSQL."""

from genesys_pipeline.warehouse.warehouse import Warehouse
from genesys_pipeline.warehouse.write.load import LoadReport

__all__ = ["LoadReport", "Warehouse"]
