"""A living org over HTTP: records change with the org clock (late ends, feedback, wrap-up
corrections, re-opened threads, erasures), the clock is settable, and ``frozen`` keeps the
old world. The generator's event columns only pick which conversation to watch; every
assertion is on what the API serves."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from genesys_emulator.__main__ import config_from_args, parse_args
from genesys_emulator.world.determinism import iso_ms
from genesys_emulator.world.evolution import EvolutionSettings
from genesys_emulator.world.generator import DataGenerator
from tests.support.emulator_api import DETAILS, JOBS, ApiClient

DAY = date(2024, 5, 1)
_GENERATOR = DataGenerator(42, 2000, evolution=EvolutionSettings())
_EVOLUTION = _GENERATOR.day_evolution(DAY)


def _first(column: np.ndarray, extra: np.ndarray | None = None) -> int:
    """Index of the first conversation of DAY with this event (and ``extra``)."""
    mask = column != 0 if extra is None else (column != 0) & extra
    return int(np.flatnonzero(mask)[0])


def _id(index: int) -> str:
    return _GENERATOR.day_skeleton(DAY).ids[index]


def _at(emulator, instant_ms: int) -> None:
    emulator.control.set_clock(iso_ms(instant_ms))


def _get(api: ApiClient, conversation_id: str) -> dict | None:
    response = api.get(f"/api/v2/analytics/conversations/{conversation_id}/details")
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    return response.json()


def _segments(record: dict) -> set[tuple]:
    return {
        (s["sessionId"], g["segmentStart"], g["segmentType"])
        for p in record["participants"]
        for s in p["sessions"]
        for g in s["segments"]
    }


def _job_ids(api: ApiClient, interval: str) -> set[str]:
    return {c["conversationId"] for page in api.all_results(api.submit_job(interval), 1000) for c in page}


def test_a_pinned_clock_stands_still_until_advanced(emulator):
    pinned = emulator.control.set_clock("2024-05-02T06:00:00.000Z")
    assert pinned["pinned"] and pinned["nowIso"] == "2024-05-02T06:00:00.000Z"
    assert pinned["dataAvailabilityDate"] == "2024-05-02T05:00:00.000Z"
    assert emulator.control.clock()["nowIso"] == "2024-05-02T06:00:00.000Z"
    assert emulator.control.advance_clock(90)["nowIso"] == "2024-05-02T06:01:30.000Z"


def test_the_clock_setting_pins_org_time_at_reset(emulator):
    emulator.control.reset(clock="2024-05-02T06:00:00Z")
    assert emulator.control.clock()["nowIso"] == "2024-05-02T06:00:00.000Z"


def test_cli_flags_clock_and_frozen():
    config = config_from_args(parse_args(["--clock", "2024-05-02T06:00:00Z", "--frozen"]))
    assert config.clock == "2024-05-02T06:00:00Z" and config.frozen
    assert not config_from_args(parse_args([])).frozen


def test_an_ongoing_conversation_ends_later_and_keeps_what_it_had(emulator, api: ApiClient):
    index = int(np.flatnonzero(np.asarray(_GENERATOR.day_skeleton(DAY).ongoing))[0])
    start, end = int(_EVOLUTION.starts[index]), int(_EVOLUTION.first_end[index])
    _at(emulator, (start + end) // 2)
    partial = _get(api, _id(index))
    assert partial is not None and "conversationEnd" not in partial
    assert any("segmentEnd" not in g for p in partial["participants"] for s in p["sessions"] for g in s["segments"])
    _at(emulator, end)
    ended = _get(api, _id(index))
    assert ended["conversationEnd"] == iso_ms(end)
    assert _segments(partial) < _segments(ended)


def test_evaluations_and_surveys_arrive_after_the_end(emulator, api: ApiClient):
    _at(emulator, int(_EVOLUTION.evaluation_at.max()) + 1)
    ids = _GENERATOR.day_skeleton(DAY).ids[:300]
    finals = [
        c
        for batch in range(0, 300, 100)
        for c in api.get(DETAILS, params={"id": ",".join(ids[batch : batch + 100])}).json()["conversations"]
    ]
    for kind in ("evaluations", "surveys"):
        record = next(c for c in finals if kind in c)
        arrived = record[kind][0]["eventTime"]
        assert arrived > record["conversationEnd"]
        emulator.control.set_clock(arrived)
        assert _get(api, record["conversationId"])[kind] == record[kind]
        emulator.control.set_clock(iso_ms(int(_ms(arrived)) - 1))
        assert kind not in _get(api, record["conversationId"])


def _ms(iso: str) -> int:
    from genesys_emulator.service.validation import parse_instant_ms

    return parse_instant_ms(iso)


def _wrapup_codes(record: dict) -> list[str]:
    return [
        g["wrapUpCode"]
        for p in record["participants"]
        for s in p["sessions"]
        for g in s["segments"]
        if "wrapUpCode" in g
    ]


def test_a_wrapup_code_is_corrected_after_the_fact(emulator, api: ApiClient):
    for index in np.flatnonzero(_EVOLUTION.wrapup_fixed_at != 0)[:20].tolist():
        fixed_at = int(_EVOLUTION.wrapup_fixed_at[index])
        _at(emulator, fixed_at - 1)
        before = _get(api, _id(index))
        if before is None or not _wrapup_codes(before):
            continue  # abandoned: nothing to correct
        _at(emulator, fixed_at)
        after = _get(api, _id(index))
        assert _wrapup_codes(before) != _wrapup_codes(after)
        assert len(_wrapup_codes(before)) == len(_wrapup_codes(after))
        return
    pytest.fail("no corrected wrap-up among the first 20 candidates")


def test_a_thread_reopens_days_later_and_its_end_moves(emulator, api: ApiClient):
    emulator.control.configure(overlap_from_interval_start_day=True)
    index = _first(_EVOLUTION.reopen_start)
    first_end, again, again_end = (
        int(c[index]) for c in (_EVOLUTION.first_end, _EVOLUTION.reopen_start, _EVOLUTION.reopen_end)
    )
    assert again - first_end >= 86_400_000
    last_minute = "2024-05-01T23:59:00.000Z/2024-05-02T00:00:00.000Z"
    assert first_end < _ms("2024-05-01T23:59:00.000Z")
    _at(emulator, again - 1)
    closed = _get(api, _id(index))
    assert closed["conversationEnd"] == iso_ms(first_end)
    assert _id(index) not in _job_ids(api, last_minute)
    _at(emulator, again + 1000)
    reopened = _get(api, _id(index))
    assert "conversationEnd" not in reopened and _segments(closed) < _segments(reopened)
    # Open again, it overlaps the rest of its start day; a day it did not start on never
    # returns it (fact sheet §11).
    assert _id(index) in _job_ids(api, last_minute)
    assert _id(index) not in _job_ids(api, f"{iso_ms(again - 60_000)}/{iso_ms(again + 60_000)}")
    _at(emulator, again_end)
    final = _get(api, _id(index))
    assert final["conversationEnd"] == iso_ms(again_end)
    assert sum(len(p["sessions"]) for p in final["participants"]) > sum(
        len(p["sessions"]) for p in closed["participants"]
    )


def test_an_erased_conversation_is_gone_from_every_endpoint(emulator, api: ApiClient):
    index = _first(_EVOLUTION.erased_at)
    erased_at, start = int(_EVOLUTION.erased_at[index]), int(_EVOLUTION.starts[index])
    window = f"{iso_ms(start - start % 900_000)}/{iso_ms(start - start % 900_000 + 900_000)}"
    aggregate = {"interval": window, "metrics": ["nOffered"]}

    def offered() -> int:
        results = api.post("/api/v2/analytics/conversations/aggregates/query", json=aggregate).json()
        return sum(d["metrics"][0]["stats"]["count"] for r in results.get("results", []) for d in r["data"])

    _at(emulator, erased_at - 1)
    record = _get(api, _id(index))
    assert record is not None and _id(index) in _job_ids(api, window)
    assert _id(index) in emulator.control.ground_truth(window)["conversation_ids"]
    sync = api.post(DETAILS + "/query", json={"interval": window, "paging": {"pageSize": 100, "pageNumber": 1}})
    assert _id(index) in {c["conversationId"] for c in sync.json()["conversations"]}
    before = offered()
    _at(emulator, erased_at)
    assert _get(api, _id(index)) is None
    assert _id(index) not in _job_ids(api, window)
    assert _id(index) not in emulator.control.ground_truth(window)["conversation_ids"]
    sync = api.post(DETAILS + "/query", json={"interval": window, "paging": {"pageSize": 100, "pageNumber": 1}})
    assert _id(index) not in {c["conversationId"] for c in sync.json().get("conversations", [])}
    own = sum(
        1
        for p in record["participants"]
        for s in p["sessions"]
        for m in s.get("metrics", [])
        if m["name"] == "nOffered" and window.split("/")[0] <= m["emitDate"] < window.split("/")[1]
    )
    assert before - offered() == own >= 1


def test_the_same_clock_serves_the_same_bytes(emulator, api: ApiClient):
    emulator.control.set_clock("2024-05-01T13:00:00.000Z")
    interval = "2024-05-01T10:00:00.000Z/2024-05-01T14:00:00.000Z"
    first = api.get(f"{JOBS}/{api.submit_job(interval)}/results", params={"pageSize": 1000}).content
    emulator.control.reset(clock="2024-05-01T13:00:00.000Z")
    again = ApiClient(emulator.base_url)
    assert again.get(f"{JOBS}/{again.submit_job(interval)}/results", params={"pageSize": 1000}).content == first


def test_a_frozen_org_never_changes(emulator, api: ApiClient):
    emulator.control.configure(frozen=True)
    index = int(np.flatnonzero(np.asarray(_GENERATOR.day_skeleton(DAY).ongoing))[0])
    record = _get(api, _id(index))
    assert "conversationEnd" not in record
    emulator.control.set_clock("2024-05-01T23:59:59.000Z")
    assert _get(api, _id(index)) == record


def test_results_stop_at_the_results_cap(emulator, api: ApiClient):
    emulator.control.configure(max_job_results=50)
    job_id = api.submit_job("2024-05-01T10:00:00.000Z/2024-05-01T11:00:00.000Z")
    first = api.get(f"{JOBS}/{job_id}/results", params={"pageSize": 30}).json()
    second = api.get(f"{JOBS}/{job_id}/results", params={"pageSize": 30, "cursor": first["cursor"]}).json()
    assert len(first["conversations"]) == 30 and len(second["conversations"]) == 20
    past = api.get(f"{JOBS}/{job_id}/results", params={"pageSize": 30, "cursor": second["cursor"]})
    assert past.status_code == 400
    assert past.json()["code"] == "bad.request"
    assert past.json()["message"] == "pagination may not exceed 50 results"


def test_the_org_wide_job_cap_applies_across_clients(emulator, api: ApiClient):
    emulator.control.configure(job_progression="polls", job_max_active_per_org=2)
    emulator.control.add_client("second", "s3cret")
    other = ApiClient(emulator.base_url, "second", "s3cret")
    api.submit_job("2024-05-01T10:00:00.000Z/2024-05-01T11:00:00.000Z")
    other.submit_job("2024-05-01T10:00:00.000Z/2024-05-01T11:00:00.000Z")
    refused = api.post(JOBS, json={"interval": "2024-05-01T10:00:00.000Z/2024-05-01T11:00:00.000Z"})
    assert refused.status_code == 429 and refused.headers["Retry-After"]


def test_job_latency_runs_on_service_time_even_with_a_pinned_org_clock(emulator, api: ApiClient):
    emulator.control.configure(job_latency_seconds_min=30, job_latency_seconds_max=30)
    job_id = api.submit_job("2024-05-01T10:00:00.000Z/2024-05-01T11:00:00.000Z")
    assert api.get(f"{JOBS}/{job_id}").json()["state"] == "QUEUED"
    emulator.control.advance_clock(31)
    assert api.get(f"{JOBS}/{job_id}").json()["state"] == "FULFILLED"


def test_a_client_limited_to_a_division_sees_only_its_conversations(emulator, api: ApiClient):
    interval = "2024-05-01T10:00:00.000Z/2024-05-01T12:00:00.000Z"
    everything = [c for page in api.all_results(api.submit_job(interval), 1000) for c in page]
    divisions = api.get("/api/v2/authorization/divisions").json()["entities"]
    retail = next(d["id"] for d in divisions if d["name"] == "Retail")
    emulator.control.add_client("retail", "s3cret", divisions=[retail])
    limited = ApiClient(emulator.base_url, "retail", "s3cret")
    # Visible when the client may read ANY of the conversation's divisions.
    expected = [c["conversationId"] for c in everything if retail in c["divisionIds"]]
    assert 0 < len(expected) < len(everything)
    served = [c["conversationId"] for page in limited.all_results(limited.submit_job(interval), 1000) for c in page]
    assert served == expected
    hidden = next(c["conversationId"] for c in everything if retail not in c["divisionIds"])
    assert limited.get(f"/api/v2/analytics/conversations/{hidden}/details").status_code == 404
    assert (
        limited.get(DETAILS, params={"id": f"{hidden},{expected[0]}"}).json()["conversations"][0]["conversationId"]
        == expected[0]
    )
    body = {"interval": interval, "metrics": ["nOffered"]}
    count = {
        name: client.post("/api/v2/analytics/conversations/aggregates/query", json=body).json()["results"][0]["data"][
            0
        ]["metrics"][0]["stats"]["count"]
        for name, client in (("all", api), ("retail", limited))
    }
    assert 0 < count["retail"] < count["all"]


def test_evolution_shares_are_settings(emulator):
    index = _first(_EVOLUTION.erased_at)
    emulator.control.reset(evolution={"erasure_share": 0.0}, clock=iso_ms(int(_EVOLUTION.erased_at[index])))
    assert _get(ApiClient(emulator.base_url), _id(index)) is not None
    with pytest.raises(RuntimeError, match="reopen_share"):
        emulator.control.configure(evolution={"reopen_share": 1.5})
