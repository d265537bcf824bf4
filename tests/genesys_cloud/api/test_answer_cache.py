"""Answers a backfill's partitions share instead of asking again: the data availability date and
the divisions the client reads. Each store keeps them (``stores``: in-process, Redis, SQLite,
PostgreSQL); against the emulator over HTTP, its own request counts show what is asked, and a
division the client cannot read still fails the check, named, on a fresh answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from genesys_cloud.api.answer_cache import AVAILABILITY_FACT, AnswerCache, DivisionListing
from genesys_cloud.api.auth import TOKEN_CACHE
from genesys_cloud.hook import GenesysCloudHook
from genesys_pipeline.plan.divisions import DETAILS_PERMISSION, DivisionAccessError
from tests.support.connections import emulator_hook, set_connection

AVAILABILITY_OP = "get_analytics_conversations_details_jobs_availability"
DIVISION_OPS = ("get_authorization_divisions", "get_authorization_divisionspermitted_paged_me")
DAY = datetime(2024, 5, 2, tzinfo=UTC)


def served(emulator, *operations: str) -> int:
    stats = emulator.control.stats()
    return sum(sum((stats.get(op) or {}).values()) for op in operations)


def test_a_kept_availability_date_answers_for_windows_it_covers_until_it_expires(stores):
    one, two, advance = stores
    writer = AnswerCache(one, "client-a", availability_seconds=1.0, divisions_seconds=1.0)
    reader = AnswerCache(two, "client-a", availability_seconds=1.0, divisions_seconds=1.0)
    assert reader.availability_covering(None) is None
    writer.keep_availability(DAY)
    assert reader.availability_covering(DAY - timedelta(hours=5)) == DAY
    assert reader.availability_covering(DAY) == DAY  # a window ending exactly there is covered
    assert reader.availability_covering(DAY + timedelta(seconds=1)) is None  # past it: ask
    other_client = AnswerCache(two, "client-b", availability_seconds=1.0, divisions_seconds=1.0)
    assert other_client.availability_covering(None) is None
    switched_off = AnswerCache(two, "client-a", availability_seconds=0, divisions_seconds=0)
    assert switched_off.availability_covering(None) is None
    one.put("client-a", AVAILABILITY_FACT, "not a date", 1.0)
    assert reader.availability_covering(None) is None  # damaged: asked again
    writer.keep_availability(DAY)
    advance(1.2)
    assert reader.availability_covering(None) is None


def test_a_kept_division_listing_is_shared_until_it_expires(stores):
    one, two, advance = stores
    listing = DivisionListing(
        [{"id": "d-1", "name": "Home", "selfUri": "/x"}, {"id": "d-2", "name": "Sales"}], [{"id": "d-1"}], False
    )
    AnswerCache(one, "client-a", availability_seconds=1.0, divisions_seconds=1.0).keep_divisions(
        DETAILS_PERMISSION, listing
    )
    reader = AnswerCache(two, "client-a", availability_seconds=1.0, divisions_seconds=1.0)
    kept = reader.divisions(DETAILS_PERMISSION)
    every = [{"id": "d-1", "name": "Home"}, {"id": "d-2", "name": "Sales"}]
    assert kept == DivisionListing(every, [{"id": "d-1", "name": None}], False)
    assert reader.divisions("analytics:other:view") is None  # another permission's listing
    one.put("client-a", f"divisions:{DETAILS_PERMISSION}", '{"all": [{"name": "no id"}], "readable": []}', 1.0)
    assert reader.divisions(DETAILS_PERMISSION) is None  # damaged: read again
    AnswerCache(one, "client-a", availability_seconds=1.0, divisions_seconds=1.0).keep_divisions(
        DETAILS_PERMISSION, listing
    )
    advance(1.2)
    assert reader.divisions(DETAILS_PERMISSION) is None


@pytest.fixture()
def store(tmp_path) -> dict[str, str]:
    """A shared SQL store, as two task processes of one backfill see it."""
    return {"rate_budget_backend": "sql", "rate_budget_url": f"sqlite:///{tmp_path / 'store.db'}"}


def test_availability_asked_once_for_the_windows_it_covers(emulator, monkeypatch, store):
    first = emulator_hook(monkeypatch, emulator.base_url, **store)
    available = first.get_data_availability()
    assert served(emulator, AVAILABILITY_OP) == 1
    second = emulator_hook(monkeypatch, emulator.base_url, **store)  # another task of the backfill
    assert second.data_availability_covering(available - timedelta(days=3)) == available
    second.check_permissions()  # authenticate's probe: the kept answer proves the permission
    assert served(emulator, AVAILABILITY_OP) == 1
    assert second.data_availability_covering(available + timedelta(minutes=30)) == available  # asked: not covered
    assert served(emulator, AVAILABILITY_OP) == 2


def test_the_local_budget_asks_every_time(emulator, monkeypatch):
    hook = emulator_hook(monkeypatch, emulator.base_url)
    available = hook.get_data_availability()
    hook.data_availability_covering(available - timedelta(days=1))
    hook.check_permissions()
    assert served(emulator, AVAILABILITY_OP) == 3


def test_the_division_listing_is_read_once_and_a_failure_is_judged_on_a_fresh_one(emulator, monkeypatch, store):
    emulator.control.add_client("backfill", "s3cret-client", divisions="all")
    set_connection(monkeypatch, emulator.base_url, store, login="backfill", password="s3cret-client")

    def hook():  # each partition's task has a hook (a process) of its own
        return GenesysCloudHook()

    first = hook().division_access(None)
    assert first.all_read and served(emulator, *DIVISION_OPS) == 2
    assert hook().division_access(None) == first  # the next partition: no request
    assert served(emulator, *DIVISION_OPS) == 2

    divisions = {d["id"]: d["name"] for d in hook().iter_divisions()}  # the emulator's own listing
    kept_id = sorted(divisions)[0]
    emulator.control.add_client("backfill", "s3cret-client", divisions=[kept_id])  # the others revoked
    TOKEN_CACHE.clear()  # the emulator's tokens carry the divisions granted when they were issued
    before = served(emulator, *DIVISION_OPS)
    # a run declaring the one division: the kept listing (all readable) fails, a fresh one passes
    narrowed = hook().division_access((kept_id,))
    assert narrowed.read_ids == (kept_id,) and not narrowed.all_read
    assert served(emulator, *DIVISION_OPS) == before + 2
    # a run that must read every division fails, naming each one it cannot read, on a fresh listing
    for attempt in (1, 2):  # a failing listing is not kept: the next run asks again
        with pytest.raises(DivisionAccessError) as failure:
            hook().division_access(None)
        for division_id, name in divisions.items():
            if division_id != kept_id:
                assert f"{name} ({division_id})" in str(failure.value)
        assert served(emulator, *DIVISION_OPS) == before + 2 + 2 * attempt
