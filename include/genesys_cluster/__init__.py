"""A real Airflow 3 cluster on this machine's servers, as docker-compose.yaml deploys it, with the Genesys
pipeline on it.

Used by the system tests and the backfill benchmarks alike: api-server, scheduler, dag-processor,
triggerer and Local or Celery workers as processes, each on its own ports and metadata database.
"""
