"""GenesysReferenceDataOperator: each lookup list replaced in the warehouse, judged against the emulator's
listing paged here with plain HTTP; a missing permission fails the table and keeps its old snapshot."""

from __future__ import annotations

import pytest
import requests

from genesys_cloud.api.exceptions import GenesysPermissionError
from genesys_cloud.operators.reference_data import GenesysReferenceDataOperator
from tests.genesys_cloud.operators.operator_support import (
    EMULATOR_CLIENT,
    make_context,
    qualified,
    select_rows,
    set_genesys_connection,
)

LISTINGS = {
    "users": ("/api/v2/users", {"state": "any"}),
    "queues": ("/api/v2/routing/queues", {}),
    "wrapup_codes": ("/api/v2/routing/wrapupcodes", {}),
}


def listed_ids(base_url: str, table: str) -> set[str]:
    """Every entity id of the listing, paged with requests alone (pageNumber until pageCount)."""
    token = requests.post(
        f"{base_url}/oauth/token", data={"grant_type": "client_credentials"}, auth=EMULATOR_CLIENT, timeout=10
    ).json()["access_token"]
    path, params = LISTINGS[table]
    ids: set[str] = set()
    for number in range(1, 100):  # bounded: the emulator's lists are far shorter
        page = requests.get(
            f"{base_url}{path}",
            params={**params, "pageSize": 25, "pageNumber": number},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ).json()
        ids.update(entity["id"] for entity in page["entities"])
        if number >= page["pageCount"]:
            return ids
    raise AssertionError("listing did not end within 100 pages")


def refresh(table: str) -> dict:
    return GenesysReferenceDataOperator(task_id=f"refresh_{table}", table=table).execute(make_context())


@pytest.mark.parametrize("table", sorted(LISTINGS))
def test_the_table_holds_exactly_the_listed_entities(genesys, any_warehouse, table):
    result = refresh(table)

    rows = select_rows(any_warehouse, f"SELECT id, name FROM {qualified(any_warehouse, table)}")
    expected = listed_ids(genesys.base_url, table)
    assert {row["id"] for row in rows} == expected and len(rows) == len(expected) > 0
    assert all(row["name"] for row in rows)
    assert (result["rows"], result["replaced"]) == (len(expected), 0)


def test_users_include_those_who_left(genesys, sqlite_warehouse):
    refresh("users")

    states = {row["state"] for row in select_rows(sqlite_warehouse, "SELECT DISTINCT state FROM users")}
    assert len(states) > 1  # state=any: inactive and deleted agents still name old conversations


def test_a_refresh_replaces_the_snapshot(genesys, sqlite_warehouse):
    first = refresh("queues")

    again = refresh("queues")

    assert again["replaced"] == first["rows"] == again["rows"]
    assert len(select_rows(sqlite_warehouse, "SELECT id FROM queues")) == first["rows"]


def test_a_missing_permission_fails_and_keeps_the_old_snapshot(genesys, sqlite_warehouse, monkeypatch):
    kept = refresh("queues")["rows"]
    genesys.control.add_client("no-queues", "s3cret-client", permissions=["routing:wrapupCode:view"])
    set_genesys_connection(monkeypatch, genesys.base_url, client=("no-queues", "s3cret-client"))

    with pytest.raises(GenesysPermissionError, match="routing:queue:view"):
        refresh("queues")

    assert len(select_rows(sqlite_warehouse, "SELECT id FROM queues")) == kept
    assert refresh("wrapup_codes")["rows"] > 0  # the other tables still refresh


def test_an_unknown_table_is_refused_at_parse_time():
    with pytest.raises(
        ValueError, match="unknown reference table 'skills'; expected one of users, queues, wrapup_codes"
    ):
        GenesysReferenceDataOperator(task_id="refresh_skills", table="skills")
