"""The generator's records: wire format, the reference's enums, metrics that equal their segments."""

from __future__ import annotations

import orjson

from genesys_emulator.world.generator import DataGenerator, without_attributes
from tests.genesys_emulator.world.generated_day import DAY, PER_DAY, TIMESTAMP, all_sessions, ms, walk_values

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
