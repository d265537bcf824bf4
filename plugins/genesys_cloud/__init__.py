"""Airflow-facing Genesys Cloud integration: hook, auth, pagination, trigger, operators."""
