"""Database errors are reported without the record values their text carries."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import StatementError

from genesys_pipeline.report.sanitize import SanitizedError, database_errors_sanitized, safe_error_message

NAME = "Zebulon Quixotic"


def failing_insert(hide_parameters: bool) -> StatementError:
    engine = create_engine("sqlite://", hide_parameters=hide_parameters)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE participants (participant_id TEXT PRIMARY KEY, participant_name TEXT)"))
        conn.execute(text("INSERT INTO participants VALUES ('p1', :n)"), {"n": NAME})
        with pytest.raises(StatementError) as caught:
            conn.execute(
                text("INSERT INTO participants VALUES (:p, :n)"), [{"p": "p1", "n": NAME}, {"p": "p2", "n": NAME}]
            )
    return caught.value


def test_database_error_message_names_type_table_and_rows_not_values():
    error = failing_insert(hide_parameters=False)
    assert NAME in str(error)  # what SQLAlchemy itself would report
    message = safe_error_message(error)
    assert message == "IntegrityError (sqlite3.IntegrityError) on table participants 2 rows (values withheld)"


def test_wrapped_database_error_is_found_in_the_chain_and_reraised_unchained():
    with pytest.raises(SanitizedError) as caught, database_errors_sanitized():
        try:
            raise failing_insert(hide_parameters=False)
        except StatementError as db_error:
            raise RuntimeError(f"load failed: {db_error}") from db_error
    assert NAME not in str(caught.value) and caught.value.__suppress_context__
    assert str(caught.value).startswith("RuntimeError: IntegrityError")


def test_other_errors_keep_their_message_capped():
    assert safe_error_message(ValueError("setting genesys_lookback_days must be >= 0, got -1")) == (
        "ValueError: setting genesys_lookback_days must be >= 0, got -1"
    )
    assert len(safe_error_message(ValueError("x" * 5000))) == 500


def test_a_connection_failure_keeps_the_drivers_reason(tmp_path):
    from sqlalchemy.exc import OperationalError

    engine = create_engine(f"sqlite:///{tmp_path / 'missing-dir' / 'w.db'}", hide_parameters=True)
    with pytest.raises(OperationalError) as caught:
        engine.connect()
    assert safe_error_message(caught.value) == (
        "OperationalError (sqlite3.OperationalError): unable to open database file"
    )
