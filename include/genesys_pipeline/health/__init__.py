"""The sync-health page: the last N days of the warehouse's sync history as charts and a table.

Airflow-free so the Airflow plugin (``plugins/genesys_cloud/ui/sync_health.py``) and
``make report`` (``scripts/report.py``) render the same page: :mod:`.sources` reads the
warehouse, :mod:`.summary` aggregates per day with pandas, :mod:`.page` draws it with plotly.
"""

from genesys_pipeline.health.page import render_health_page

__all__ = ["render_health_page"]
