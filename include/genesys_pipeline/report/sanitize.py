"""Value-free error messages for everything that leaves a task: audit rows, webhooks, task logs.

A database error's text can carry record values: SQLAlchemy appends the bound parameters,
PostgreSQL's COPY adds the offending line (``CONTEXT: COPY participants, line 3, column
participant_name: "..."``) and a unique violation its key (``DETAIL: Key (...)=(...)``). Those
values are conversation data, names and phone numbers included. So a database error is
reported by what identifies it without its data: the exception types, the SQLSTATE, the
statement's table and how many rows it carried. Other errors (our own, whose messages name
settings and fields, never record values) pass through, capped in length.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

MAX_MESSAGE_CHARS = 500
_DATABASE_MODULES = ("sqlalchemy", "sqlite3", "psycopg", "psycopg2", "asyncpg")
_TABLE = re.compile(
    r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|FROM|COPY|INTO|TABLE)\s+((?:\"?[\w]+\"?\.)?\"?[\w]+\"?)", re.IGNORECASE
)


class SanitizedError(Exception):
    """A database error, re-raised with a value-free message; the original is not chained."""


def is_database_error(error: BaseException) -> bool:
    return type(error).__module__.split(".")[0] in _DATABASE_MODULES


def _table_of(statement: str | None) -> str | None:
    match = _TABLE.search(statement or "")
    return match.group(1).replace('"', "") if match else None


def describe_database_error(error: BaseException) -> str:
    """``OperationalError (sqlite3.OperationalError) on table genesys.participants, 120 rows``."""
    original = getattr(error, "orig", None)
    parts = [type(error).__name__]
    if original is not None:
        parts.append(f"({type(original).__module__}.{type(original).__name__})")
    diag = getattr(original if original is not None else error, "diag", None)
    sqlstate = getattr(original if original is not None else error, "sqlstate", None)
    if sqlstate:
        parts.append(f"SQLSTATE {sqlstate}")
    table = getattr(diag, "table_name", None) or _table_of(getattr(error, "statement", None))
    if table:
        parts.append(f"on table {table}")
    params = getattr(error, "params", None)
    if isinstance(params, (list, tuple)) and params and isinstance(params[0], (list, tuple, dict)):
        parts.append(f"{len(params)} rows")
    if _is_connection_failure(error, original, sqlstate):
        # No statement ran, so no record value can be in it: the driver's reason is kept (its first line).
        reason = str(original if original is not None else error).strip().splitlines()
        return " ".join(parts) + (f": {reason[0][:300]}" if reason else "")
    return " ".join(parts) + " (values withheld)"


def _is_connection_failure(error: BaseException, original: BaseException | None, sqlstate: str | None) -> bool:
    """Opening the database failed (refused, unreachable, unopenable file): SQLAlchemy raised it
    outside any statement, or the driver's SQLSTATE is class 08 (connection exception)."""
    if sqlstate:
        return sqlstate.startswith("08")
    return type(error).__module__.startswith("sqlalchemy") and getattr(error, "statement", "") is None


def safe_error_message(error: BaseException) -> str:
    """``Type: message`` fit for the audit table, a webhook or a log line."""
    for link in _chain(error):
        if is_database_error(link):
            prefix = "" if link is error else f"{type(error).__name__}: "
            return prefix + describe_database_error(link)
    text = f"{type(error).__name__}: {error}"
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        yield link
        link = link.__cause__ or link.__context__


@contextmanager
def database_errors_sanitized() -> Iterator[None]:
    """Re-raise a database error (anywhere in the chain) as a :class:`SanitizedError`, unchained,
    so the task log's traceback holds no record value either."""
    try:
        yield
    except Exception as error:
        if not any(is_database_error(link) for link in _chain(error)):
            raise
        raise SanitizedError(safe_error_message(error)) from None
