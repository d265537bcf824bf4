"""GenesysConversationIdsOperator: bad ids refused before any request or write, every one named; good ids planned."""

from __future__ import annotations

import uuid

import pytest
from airflow.sdk.exceptions import AirflowFailException
from sqlalchemy import create_engine, inspect

from genesys_cloud.operators.conversation_ids import GenesysConversationIdsOperator
from genesys_pipeline.staging.by_id import BY_ID_PARTITION
from tests.genesys_cloud.operators.operator_support import make_context

GOOD = [str(uuid.uuid4()) for _ in range(3)]


def run(ids, **kwargs) -> dict:
    operator = GenesysConversationIdsOperator(task_id="validate_ids", **kwargs)
    return operator.execute(make_context(task_id="validate_ids", params={"conversation_ids": ids}))


def test_good_ids_are_planned_and_the_tables_prepared(genesys, sqlite_warehouse, staging_root, monkeypatch):
    monkeypatch.setenv("AIRFLOW_VAR_GENESYS_OPEN_FOLLOWUP_BATCH", "2")
    plan = run([GOOD[0].upper(), *GOOD[1:]])
    assert plan["partition"] == BY_ID_PARTITION and plan["conversation_ids"] == GOOD
    assert (plan["batch_size"], plan["staging_root"], plan["retention_days"]) == (2, str(staging_root), 730)
    assert "conversations" in inspect(create_engine(sqlite_warehouse)).get_table_names()
    assert genesys.control.stats() == {}  # no request: validation needs none


@pytest.mark.parametrize(
    ("ids", "named"),
    [
        (["nope", GOOD[0], "123"], ["2 not a UUID: 'nope' (#1), '123' (#3)"]),
        ([GOOD[0], GOOD[1], GOOD[0]], [f"1 given more than once: {GOOD[0]} (#1, #3)"]),
        ([GOOD[0], "x", GOOD[0]], ["1 not a UUID: 'x' (#2)", f"{GOOD[0]} (#1, #3)"]),
        ([], ["at least one"]),
    ],
)
def test_bad_ids_fail_at_once_naming_each_before_any_request_or_write(genesys, sqlite_warehouse, ids, named):
    with pytest.raises(AirflowFailException) as caught:
        run(ids)
    assert all(text in str(caught.value) for text in named), str(caught.value)
    assert genesys.control.stats() == {}
    assert inspect(create_engine(sqlite_warehouse)).get_table_names() == []  # nothing written


def test_too_many_ids_fail_naming_the_cap(genesys, sqlite_warehouse):
    with pytest.raises(AirflowFailException, match="4 ids given, at most 3 a run"):
        run([str(uuid.uuid4()) for _ in range(4)], cap=3)
    assert genesys.control.stats() == {}
