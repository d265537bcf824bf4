"""Pages the api-server serves inside the Airflow UI (registered by ``plugins/genesys_sync_health_plugin.py``)."""
