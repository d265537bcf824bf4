"""Airflow operators and sensors of the Genesys Cloud sync; import them from their modules."""
