"""Airflow-free core of the Genesys Cloud warehouse sync: staging, normalization, loading."""
