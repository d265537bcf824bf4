"""Turn the fields of a warehouse connection into a SQLAlchemy URL.

One rule set, documented in docs/operations.md: an explicit ``sqlalchemy_url`` in the extra
wins (any dialect the warehouse supports); otherwise a ``sqlite`` connection's host is the
database file path and a ``postgres`` connection maps to psycopg 3. The password is passed
through ``URL.create`` so special characters are escaped, and never appears in messages.
"""
from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy.engine import URL, make_url

POSTGRES_TYPES = {"postgres", "postgresql"}


def sqlalchemy_url(
    conn_type: str | None,
    *,
    host: str | None = None,
    port: int | None = None,
    login: str | None = None,
    password: str | None = None,
    schema: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> URL:
    explicit = (extra or {}).get("sqlalchemy_url")
    if explicit:
        return make_url(explicit)
    kind = (conn_type or "").lower()
    if kind == "sqlite":
        if not host:
            raise ValueError("warehouse connection: a sqlite connection needs host = the database file path")
        return URL.create("sqlite", database=host)
    if kind in POSTGRES_TYPES:
        return URL.create(
            "postgresql+psycopg",
            username=login or None,
            password=password or None,
            host=host or None,
            port=port or None,
            database=schema or None,
        )
    raise ValueError(
        f"warehouse connection: conn_type {conn_type!r} is not supported; use sqlite or postgres, "
        "or set extra.sqlalchemy_url"
    )
