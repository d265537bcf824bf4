"""The emulator's data generator: determinism, record shape, and its cheap side (skeleton caching, id lookup,
interval selection)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import orjson
import pytest

from genesys_emulator.world.determinism import day_start_ms, iso_ms
from genesys_emulator.world.generator import DataGenerator, without_attributes
from genesys_emulator.world.skeleton import MAX_DURATION_MS

DAY = date(2024, 5, 1)
PER_DAY = 2000
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
PURPOSES = {
    "acd",
    "agent",
    "api",
    "botflow",
    "campaign",
    "customer",
    "dialer",
    "external",
    "fax",
    "group",
    "inbound",
    "ivr",
    "manual",
    "outbound",
    "station",
    "user",
    "voicemail",
    "voicesurveyflow",
    "workflow",
}
MEDIA = {
    "callback",
    "chat",
    "cobrowse",
    "email",
    "internalmessage",
    "message",
    "screenmonitoring",
    "screenshare",
    "unknown",
    "video",
    "voice",
}
SEGMENT_TYPES = {
    "alert",
    "barging",
    "callback",
    "coaching",
    "contacting",
    "converting",
    "delay",
    "dialing",
    "hold",
    "interact",
    "ivr",
    "monitoring",
    "parked",
    "scheduled",
    "screenmonitoring",
    "sharing",
    "system",
    "transmitting",
    "unknown",
    "uploading",
    "voicemail",
    "wrapup",
}
DISCONNECT_TYPES = {
    "client",
    "conferenceTransfer",
    "consultTransfer",
    "dndEndpoint",
    "dndTransfer",
    "endpoint",
    "error",
    "forwardTransfer",
    "inactivity",
    "noAnswerTransfer",
    "notAvailableTransfer",
    "other",
    "peer",
    "sessionExpired",
    "spam",
    "system",
    "takeover",
    "timeout",
    "transfer",
    "transportFailure",
    "uncallable",
}
ROUTINGS = {"Bullseye", "Conditional", "Direct", "Last", "Manual", "Predictive", "Preferred", "Standard", "Vip"}


def ms(timestamp: str) -> int:
    parsed = datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return round(parsed.timestamp() * 1000)


@pytest.fixture(scope="module")
def generator() -> DataGenerator:
    return DataGenerator(seed=42, conversations_per_day=PER_DAY)


@pytest.fixture(scope="module")
def day_records(generator: DataGenerator) -> list[dict]:
    return [generator.conversation(DAY, index) for index in range(PER_DAY)]


def all_sessions(record: dict):
    for participant in record["participants"]:
        for session in participant["sessions"]:
            yield participant, session


def walk_values(value):
    if isinstance(value, dict):
        for child in value.values():
            yield from walk_values(child)
    elif isinstance(value, list):
        for child in value:
            yield from walk_values(child)
    else:
        yield value


# --- determinism ----------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_records_regardless_of_generation_order():
    forward, backward = DataGenerator(7, 300), DataGenerator(7, 300)
    days = [DAY, DAY + timedelta(days=1)]
    wanted = [(day, index) for day in days for index in range(0, 300, 3)]
    first = {key: orjson.dumps(forward.conversation(*key)) for key in wanted}
    second = {key: orjson.dumps(backward.conversation(*key)) for key in reversed(wanted)}
    assert first == second
    assert orjson.dumps(forward.reference_data().users) == orjson.dumps(backward.reference_data().users)


_DIGEST_SCRIPT = """
import hashlib, orjson
from datetime import date
from genesys_emulator.world.generator import DataGenerator
generator = DataGenerator(11, 200)
digest = hashlib.sha256()
for index in range(200):
    digest.update(orjson.dumps(generator.conversation(date(2024, 5, 1), index)))
print(digest.hexdigest())
"""


def test_output_does_not_depend_on_the_process_hash_seed():
    """Guards against set/dict iteration order or hash() leaking into the data."""
    digests = {
        subprocess.run(
            [sys.executable, "-c", _DIGEST_SCRIPT],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        ).stdout
        for hash_seed in ("1", "2")
    }
    assert len(digests) == 1 and len(digests.pop().strip()) == 64


def test_different_seeds_give_different_data():
    one, other = DataGenerator(1, 50), DataGenerator(2, 50)
    assert one.day_skeleton(DAY).ids != other.day_skeleton(DAY).ids
    assert one.day_skeleton(DAY).starts_ms != other.day_skeleton(DAY).starts_ms
    assert orjson.dumps(one.conversation(DAY, 0)) != orjson.dumps(other.conversation(DAY, 0))
    assert one.reference_data().queues[0]["id"] != other.reference_data().queues[0]["id"]


def test_ids_are_unique_uuids(day_records: list[dict]):
    ids = [r["conversationId"] for r in day_records]
    ids += [p["participantId"] for r in day_records for p in r["participants"]]
    ids += [s["sessionId"] for r in day_records for _, s in all_sessions(r)]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", i) for i in ids)


# --- skeleton ---------------------------------------------------------------------------------


def test_skeleton_is_sorted_and_matches_the_records(generator: DataGenerator, day_records: list[dict]):
    skeleton = generator.day_skeleton(DAY)
    assert len(skeleton) == PER_DAY
    assert skeleton.starts_ms == sorted(skeleton.starts_ms)
    assert all(day_start_ms(DAY) <= start < day_start_ms(DAY) + 86_400_000 for start in skeleton.starts_ms)
    for index, record in enumerate(day_records):
        assert record["conversationId"] == skeleton.ids[index]
        assert ms(record["conversationStart"]) == skeleton.starts_ms[index]
        assert {s["mediaType"] for _, s in all_sessions(record)} == {skeleton.media_types[index]}
        last_event = max(
            ms(v) for v in walk_values(record["participants"]) if isinstance(v, str) and TIMESTAMP.match(v)
        )
        assert last_event == skeleton.activity_ends_ms[index]
        assert ("conversationEnd" not in record) == skeleton.ongoing[index]
        if not skeleton.ongoing[index]:
            assert ms(record["conversationEnd"]) == skeleton.activity_ends_ms[index]
        assert skeleton.activity_ends_ms[index] - skeleton.starts_ms[index] <= MAX_DURATION_MS


# --- record shape -------------------------------------------------------------------------------


def test_records_use_wire_format_and_section_5_enums(day_records: list[dict]):
    for record in day_records:
        assert record["originatingDirection"] in {"inbound", "outbound"}
        assert record["conversationInitiator"] in PURPOSES
        assert record["divisionIds"]
        assert None not in walk_values(record)
        for participant, session in all_sessions(record):
            assert participant["purpose"] in PURPOSES
            assert session["mediaType"] in MEDIA
            assert session["direction"] in {"inbound", "outbound"}
            for routing in [*session.get("requestedRoutings", []), session.get("usedRouting", "Standard")]:
                assert routing in ROUTINGS
            for segment in session["segments"]:
                assert segment["segmentType"] in SEGMENT_TYPES
                assert segment.get("disconnectType", "peer") in DISCONNECT_TYPES
                assert TIMESTAMP.match(segment["segmentStart"])
                assert TIMESTAMP.match(segment.get("segmentEnd", segment["segmentStart"]))
            for metric in session.get("metrics", []):
                assert isinstance(metric["value"], int) and metric["value"] >= 0
                assert TIMESTAMP.match(metric["emitDate"])


def test_segments_are_ordered_and_only_the_last_may_be_open(day_records: list[dict]):
    for record in day_records:
        for _, session in all_sessions(record):
            segments = session["segments"]
            for earlier, later in zip(segments, segments[1:]):
                assert "segmentEnd" in earlier
                assert ms(earlier["segmentEnd"]) <= ms(later["segmentStart"])
                assert ms(earlier["segmentStart"]) <= ms(later["segmentStart"])
            for segment in segments:
                if "segmentEnd" in segment:
                    assert ms(segment["segmentStart"]) < ms(segment["segmentEnd"])


def _durations(segments: list[dict], segment_type: str) -> list[tuple[int, int]]:
    """(duration, end) of each closed segment of one type."""
    return [
        (ms(s["segmentEnd"]) - ms(s["segmentStart"]), ms(s["segmentEnd"]))
        for s in segments
        if s["segmentType"] == segment_type and "segmentEnd" in s
    ]


def _metrics(session: dict, name: str) -> list[tuple[int, int]]:
    return [(m["value"], ms(m["emitDate"])) for m in session["metrics"] if m["name"] == name]


def test_time_metrics_equal_the_segment_durations_that_produced_them(day_records: list[dict]):
    for record in day_records:
        for participant, session in all_sessions(record):
            segments = session["segments"]
            if participant["purpose"] == "acd":
                ((waited, ended),) = _durations(segments, "interact")
                assert (_metrics(session, "tAcd") or _metrics(session, "tAbandon")) == [(waited, ended)]
            if participant["purpose"] != "agent":
                continue
            talk, held = _durations(segments, "interact"), _durations(segments, "hold")
            assert _metrics(session, "tAlert") == _durations(segments, "alert")
            assert _metrics(session, "tTalk") == talk
            assert _metrics(session, "tHeld") == held
            wrapups = _durations(segments, "wrapup")
            if not wrapups:
                assert "segmentEnd" not in segments[-1] and "conversationEnd" not in record
                continue
            ((acw, wrap_end),) = wrapups
            assert _metrics(session, "tAcw") == [(acw, wrap_end)]
            total_talk, total_held = sum(d for d, _ in talk), sum(d for d, _ in held)
            assert _metrics(session, "tTalkComplete") == [(total_talk, talk[-1][1])]
            assert _metrics(session, "tHandle") == [(total_talk + total_held + acw, wrap_end)]


def test_answered_time_is_the_queue_wait_of_the_answering_leg(day_records: list[dict]):
    for record in (r for r in day_records if r["originatingDirection"] == "inbound"):
        acd_waits = [_metrics(s, "tAcd") for p, s in all_sessions(record) if p["purpose"] == "acd"]
        answers = [_metrics(s, "tAnswered") for p, s in all_sessions(record) if p["purpose"] == "agent"]
        assert answers == [w for w in acd_waits if w]


def test_every_referenced_id_exists_in_the_lookups(generator: DataGenerator, day_records: list[dict]):
    ref = generator.reference_data()
    users, queues = {u["id"] for u in ref.users}, {q["id"] for q in ref.queues}
    codes, divisions = {w["id"] for w in ref.wrapup_codes}, {d["id"] for d in ref.divisions}
    agent_states = set()
    for record in day_records:
        assert set(record["divisionIds"]) <= divisions
        for participant, session in all_sessions(record):
            if "userId" in participant:
                assert participant["userId"] in users
                agent_states.add(next(u["state"] for u in ref.users if u["id"] == participant["userId"]))
            for segment in session["segments"]:
                assert segment.get("queueId", next(iter(queues))) in queues
                assert segment.get("wrapUpCode", next(iter(codes))) in codes
        for item in record.get("surveys", []) + record.get("evaluations", []):
            assert item["userId"] in users and item["queueId"] in queues
    assert agent_states == {"active", "inactive", "deleted"}


def test_media_specific_session_fields(day_records: list[dict]):
    expected = {
        "voice": {"ani", "dnis", "edgeId"},
        "callback": {"callbackNumbers", "callbackScheduledTime"},
        "chat": {"roomId"},
        "email": {"addressFrom", "addressTo"},
        "message": {"messageType", "addressFrom"},
    }
    seen = set()
    for record in day_records:
        participant, session = next((p, s) for p, s in all_sessions(record) if p["purpose"] in {"customer", "external"})
        assert expected[session["mediaType"]] <= session.keys()
        seen.add(session["mediaType"])
        if session["mediaType"] == "email":
            assert session["segments"][0]["subject"]
        if session["mediaType"] == "voice" and "conversationEnd" in record:
            assert record["mediaStatsMinConversationMos"] == session["mediaEndpointStats"][0]["minMos"]
        if session["mediaType"] == "voice":
            caller = session["ani"] if session["direction"] == "inbound" else session["dnis"]
            assert caller.startswith("tel:+") and participant["participantName"] == caller[4:]
    assert seen == set(expected)


def test_inbound_conversations_pass_through_one_flow(day_records: list[dict]):
    for record in day_records:
        flows = [s for p, s in all_sessions(record) if p["purpose"] in {"ivr", "workflow"}]
        assert len(flows) == (record["originatingDirection"] == "inbound")
        if not flows:
            continue
        flow = flows[0]["flow"]
        assert {"flowId", "flowName", "flowType", "entryReason", "exitReason"} <= flow.keys()


def test_outbound_calls_are_placed_by_an_agent(day_records: list[dict]):
    outbound = [r for r in day_records if r["originatingDirection"] == "outbound"]
    assert len(outbound) > PER_DAY // 50
    for record in outbound:
        assert record["conversationInitiator"] == "agent"
        agent, external = record["participants"]
        assert (agent["purpose"], external["purpose"]) == ("agent", "external")
        session = agent["sessions"][0]
        assert session["direction"] == "outbound" and session["segments"][0]["segmentType"] == "dialing"
        assert _metrics(session, "tDialing") == _durations(session["segments"], "dialing")
        assert (
            ms(external["sessions"][0]["segments"][0]["segmentStart"])
            == _durations(session["segments"], "dialing")[0][1]
        )


def test_outcome_mix_covers_transfers_abandons_ongoing_and_feedback(day_records: list[dict]):
    def agents(record: dict) -> int:
        return sum(p["purpose"] == "agent" for p in record["participants"])

    transferred = [r for r in day_records if agents(r) == 2]
    abandoned = [r for r in day_records if agents(r) == 0]
    assert all(r["originatingDirection"] == "inbound" for r in abandoned)
    ongoing = [r for r in day_records if "conversationEnd" not in r]
    assert transferred and abandoned and ongoing
    for record in abandoned:
        acd = next(s for p, s in all_sessions(record) if p["purpose"] == "acd")
        assert _metrics(acd, "tAbandon") and not _metrics(acd, "tAcd")
    for record in transferred:
        first_agent = next(s for p, s in all_sessions(record) if p["purpose"] == "agent")
        assert _metrics(first_agent, "nTransferred")
    assert any("surveys" in r for r in day_records) and any("evaluations" in r for r in day_records)
    assert any("attributes" in p for r in day_records for p in r["participants"])


def test_without_attributes_strips_participant_data_without_touching_the_original(day_records: list[dict]):
    record = next(r for r in day_records if any("attributes" in p for p in r["participants"]))
    before = orjson.dumps(record)
    stripped = without_attributes(record)
    assert not any("attributes" in p for p in stripped["participants"])
    assert orjson.dumps(record) == before
    assert stripped["conversationId"] == record["conversationId"]


def test_cached_and_freshly_built_records_are_identical():
    cold, warm = DataGenerator(5, 100), DataGenerator(5, 100)
    for index in range(0, 100, 7):
        warm.conversation_json(DAY, index)
        assert warm.conversation(DAY, index) == cold.conversation(DAY, index)
        assert warm.conversation_json(DAY, index) == orjson.dumps(cold.conversation(DAY, index))


def test_each_call_returns_a_record_the_caller_owns(generator: DataGenerator):
    for _ in range(2):  # first call builds, second decodes from the cache
        generator.conversation(DAY, 4)["participants"].clear()
    assert generator.conversation(DAY, 4)["participants"]


def test_reference_data_shapes(generator: DataGenerator):
    ref = generator.reference_data()
    assert len(ref.users) >= 40 and len(ref.queues) >= 10 and len(ref.wrapup_codes) >= 15
    assert 2 <= len(ref.divisions) <= 3
    for entity in ref.users + ref.queues + ref.wrapup_codes:
        assert {"id", "name", "division", "selfUri"} <= entity.keys()
        assert set(entity["division"]) == {"id", "name", "selfUri"}
        assert entity["selfUri"].endswith(entity["id"])
    for user in ref.users:
        assert {"email", "username", "state"} <= user.keys()
    assert {u["state"] for u in ref.users} == {"active", "inactive", "deleted"}
    assert [q["name"] for q in ref.queues] == sorted(q["name"] for q in ref.queues)


# --- the cheap side: skeleton caching, id lookup and interval selection --------------------------


def test_locate_finds_each_conversation_from_its_id_alone(generator: DataGenerator):
    for day in (DAY, date(2031, 12, 31)):
        skeleton = generator.day_skeleton(day)
        for index in (0, 1, PER_DAY // 2, PER_DAY - 1):
            assert generator.locate(skeleton.ids[index]) == (day, index)
            assert generator.locate(skeleton.ids[index].upper()) == (day, index)
    assert generator.locate("00000000-0000-4000-8000-000000000000") is None
    assert generator.locate("not-a-uuid") is None
    other_seed = DataGenerator(seed=43, conversations_per_day=PER_DAY)
    assert other_seed.locate(generator.day_skeleton(DAY).ids[0]) is None


def test_empty_days_are_allowed():
    generator = DataGenerator(seed=1, conversations_per_day=0)
    assert len(generator.day_skeleton(DAY)) == 0
    assert generator.conversations_overlapping(day_start_ms(DAY), day_start_ms(DAY) + 86_400_000) == []


def test_skeleton_is_cached(generator: DataGenerator):
    assert generator.day_skeleton(DAY) is generator.day_skeleton(DAY)


def test_out_of_range_index_is_rejected(generator: DataGenerator):
    with pytest.raises(IndexError):
        generator.conversation(DAY, PER_DAY)


def _brute_force(generator: DataGenerator, days: list[date], keep) -> list[tuple[date, int]]:
    found = []
    for day in days:
        skeleton = generator.day_skeleton(day)
        spans = zip(skeleton.starts_ms, skeleton.activity_ends_ms)
        found += [(day, i) for i, (start, end) in enumerate(spans) if keep(start, end)]
    return found


@pytest.mark.parametrize("window_hours", [(0, 24), (23.5, 24.5), (10.25, 10.5), (24, 48), (-1, 0.001)])
def test_interval_selection_matches_brute_force(window_hours: tuple[float, float]):
    generator = DataGenerator(3, 400)
    days = [DAY - timedelta(days=1), DAY, DAY + timedelta(days=1)]
    start = day_start_ms(DAY) + int(window_hours[0] * 3_600_000)
    end = day_start_ms(DAY) + int(window_hours[1] * 3_600_000)
    overlapping = generator.conversations_overlapping(start, end)
    assert overlapping == _brute_force(generator, days, lambda s, e: s < end and e >= start)
    assert generator.conversations_starting(start, end) == _brute_force(generator, days, lambda s, e: start <= s < end)


def test_conversations_spanning_midnight_are_found_from_the_next_day(generator: DataGenerator):
    skeleton = generator.day_skeleton(DAY)
    midnight = day_start_ms(DAY + timedelta(days=1))
    spanning = [i for i in range(PER_DAY) if skeleton.activity_ends_ms[i] >= midnight]
    assert len(spanning) >= PER_DAY // 100  # "a few percent"
    found = generator.conversations_overlapping(midnight, midnight + 60_000)
    assert [key for key in found if key[0] == DAY] == [(DAY, index) for index in spanning]
    assert generator.conversation(DAY, spanning[0])["conversationStart"] < iso_ms(midnight)


def test_ongoing_conversations_are_selected_up_to_their_last_event(generator: DataGenerator):
    skeleton = generator.day_skeleton(DAY)
    index = skeleton.ongoing.index(True)
    last_event = skeleton.activity_ends_ms[index]
    assert (DAY, index) in generator.conversations_overlapping(last_event, last_event + 1)
    assert (DAY, index) not in generator.conversations_overlapping(last_event + 1, last_event + 60_000)
