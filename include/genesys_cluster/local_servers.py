"""Throwaway resources on the machine's shared PostgreSQL and Redis servers.

The servers are shared with other test runs, so a cluster only ever gets a uniquely named
database and a Redis database number nobody is using, and removes exactly those again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import redis

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# Databases 0-7 are left to whatever else uses the server (the default broker URL uses 0).
CLUSTER_REDIS_DBS = range(8, 16)


def _maintenance_connection() -> psycopg.Connection:
    return psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True)


@contextmanager
def temporary_postgres_database(prefix: str) -> Iterator[str]:
    """Create ``<prefix>_<random>``, yield its name, drop it (even with open connections)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with _maintenance_connection() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with _maintenance_connection() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_sqlalchemy_url(database: str, driver: str | None = "psycopg2") -> str:
    """``driver=None`` gives SQLAlchemy's default, the form Celery's ``db+`` backend expects."""
    dialect = f"postgresql+{driver}" if driver else "postgresql"
    return f"{dialect}://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"


@contextmanager
def dedicated_redis_db() -> Iterator[int]:
    """Claim an empty Redis database number in 8-15, yield it, flush it afterwards.

    An empty database is taken as unused; a marker key claims it so a concurrent cluster
    picking at the same moment skips it (SET NX is atomic).
    """
    for number in CLUSTER_REDIS_DBS:
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=number)
        if client.dbsize() == 0 and client.set("airflow-cluster-harness:claimed", "1", nx=True):
            break
        client.close()
    else:
        raise RuntimeError(f"no empty Redis database among {list(CLUSTER_REDIS_DBS)} on {REDIS_HOST}:{REDIS_PORT}")
    try:
        yield number
    finally:
        client.flushdb()
        client.close()


def redis_url(db: int) -> str:
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/{db}"
