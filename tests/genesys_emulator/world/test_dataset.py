"""An independent oracle for interval selection: which conversations jobs and the sync query
must return is recomputed here from each served record's own timestamps and divisions
(overlap, fact-sheet §11 start-day limit, watermark or org clock, division membership),
never from the emulator's selection code. The candidate universe is every conversation that
started between the interval's UTC day start and its end, read with the sync query's
"start" semantics (a superset of any correct answer).

Checked to catch a real bug: with the frozen org's watermark filter changed to compare
conversationStart instead of the activity end (dataset.Dataset.matching), the frozen test
fails (the job returns conversations still active after the watermark); with the living
org's overlap test loosened by an hour, the living test fails."""

from __future__ import annotations

import pytest

from tests.support.emulator_api import DETAILS, ApiClient

DAY_START = "2024-05-01T00:00:00.000Z"
INTERVAL = "2024-05-01T10:00:00.000Z/2024-05-01T14:00:00.000Z"
CLOCK = "2024-05-01T13:00:00.000Z"


def _universe(emulator, api: ApiClient) -> list[dict]:
    """Every conversation that started in [day start, interval end), in the same org state."""
    emulator.control.configure(sync_interval_semantics="start")
    records = []
    for number in range(1, 101):  # bounded: the window holds well under 100 pages of 100
        body = {"interval": f"{DAY_START}/{INTERVAL.split('/')[1]}", "paging": {"pageSize": 100, "pageNumber": number}}
        page = api.post(DETAILS + "/query", json=body).json().get("conversations")
        if not page:
            return records
        records.extend(page)
    pytest.fail("universe did not end within 100 pages")


def _activity_end(record: dict) -> str:
    """conversationEnd, or the newest instant the record shows while it is open."""
    if "conversationEnd" in record:
        return record["conversationEnd"]
    stamps = [
        g.get("segmentEnd", g["segmentStart"])
        for p in record["participants"]
        for s in p["sessions"]
        for g in s["segments"]
    ]
    return max(stamps)


def _expected(
    universe: list[dict], *, available_until: str, living: bool, divisions: set[str] | None = None
) -> list[str]:
    start, end = INTERVAL.split("/")
    wanted = []
    for record in universe:
        began = record["conversationStart"]
        finished = record.get("conversationEnd")
        overlaps = began < end and began >= DAY_START and (finished is None or finished >= start)
        if living:  # the org's state at the clock: open conversations overlap what follows
            available = began <= available_until
        else:  # frozen: only what had ended (or last happened) by the watermark
            overlaps = began < end and began >= DAY_START and _activity_end(record) >= start
            available = _activity_end(record) <= available_until
        in_reach = divisions is None or bool(divisions & set(record["divisionIds"]))
        if overlaps and available and in_reach:
            wanted.append(record["conversationId"])
    return sorted(wanted)


def _job(api: ApiClient) -> list[str]:
    return sorted(c["conversationId"] for page in api.all_results(api.submit_job(INTERVAL), 1000) for c in page)


def _sync_overlap(emulator, api: ApiClient) -> list[str]:
    emulator.control.configure(sync_interval_semantics="overlap")
    ids = []
    for number in range(1, 101):
        body = {"interval": INTERVAL, "paging": {"pageSize": 100, "pageNumber": number}}
        page = api.post(DETAILS + "/query", json=body).json().get("conversations")
        if not page:
            return sorted(ids)
        ids.extend(c["conversationId"] for c in page)
    pytest.fail("sync query did not end within 100 pages")


def _limited_client(emulator, api: ApiClient) -> tuple[ApiClient, set[str]]:
    divisions = api.get("/api/v2/authorization/divisions").json()["entities"]
    reach = {divisions[1]["id"]}
    emulator.control.add_client("oracle-limited", "s3cret", divisions=sorted(reach))
    return ApiClient(emulator.base_url, "oracle-limited", "s3cret"), reach


def test_frozen_org_jobs_match_the_oracle(emulator, api: ApiClient):
    watermark = "2024-05-01T12:00:00.000Z"
    emulator.control.configure(frozen=True, watermark=watermark)
    # A frozen org's records never change, so read the universe late enough that it holds
    # every conversation of the window, whenever it ends.
    emulator.control.set_clock("2024-05-02T06:00:00.000Z")
    universe = _universe(emulator, api)
    emulator.control.set_clock(CLOCK)
    expected = _expected(universe, available_until=watermark, living=False)
    assert any(r["conversationStart"] < watermark < _activity_end(r) for r in universe), (
        "the universe must hold conversations the watermark excludes, or the check is empty"
    )
    assert 0 < len(expected) < len(universe)
    assert _job(api) == expected
    assert sorted(emulator.control.ground_truth(INTERVAL)["conversation_ids"]) == expected
    limited, reach = _limited_client(emulator, api)
    assert _job(limited) == _expected(universe, available_until=watermark, living=False, divisions=reach)


def test_living_org_jobs_and_sync_match_the_oracle(emulator, api: ApiClient):
    # The universe is the interval's own UTC day; with the §11 start-day limit on, an open
    # thread from an earlier day is outside the answer, so the day is the whole universe.
    emulator.control.configure(overlap_from_interval_start_day=True)
    emulator.control.set_clock(CLOCK)
    universe = _universe(emulator, api)
    expected = _expected(universe, available_until=CLOCK, living=True)
    assert any("conversationEnd" not in r for r in universe if r["conversationId"] in expected), (
        "conversations in progress at the clock must be part of the answer"
    )
    assert any(r["conversationEnd"] < INTERVAL.split("/")[0] for r in universe if "conversationEnd" in r)
    assert _job(api) == expected
    assert sorted(emulator.control.ground_truth(INTERVAL)["conversation_ids"]) == expected
    assert _sync_overlap(emulator, api) == expected
    limited, reach = _limited_client(emulator, api)
    scoped = _expected(universe, available_until=CLOCK, living=True, divisions=reach)
    assert 0 < len(scoped) < len(expected)
    assert _job(limited) == scoped
    assert _sync_overlap(emulator, limited) == scoped
