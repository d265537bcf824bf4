"""Phase planning inside one conversation, and rare record shapes forced directly."""

from __future__ import annotations

import random
from datetime import date

import pytest

from genesys_emulator.world.determinism import iso_ms
from genesys_emulator.world.records import ConversationAssembler, ConversationSlot
from genesys_emulator.world.reference_data import build_reference_data
from genesys_emulator.world.timeline import plan_conversation, plan_outbound, split_span

START = 1_714_557_600_000  # 2024-05-01T10:00:00Z


@pytest.mark.parametrize("total_ms", [15_000, 61_000, 600_000, 4 * 3_600_000])
def test_split_span_is_exact_and_never_empty(total_ms: int):
    phases = [("ivr", 30.0), ("wait", 40.0), ("alert", 8.0), ("talk", 200.0), ("acw", 60.0)]
    bounds = split_span(START, total_ms, phases)
    assert bounds[0] == START and bounds[-1] == START + total_ms
    assert all(later > earlier for earlier, later in zip(bounds, bounds[1:]))


def test_fixed_phases_keep_their_natural_length_when_the_span_allows():
    bounds = split_span(
        START, 3_600_000, [("ivr", 30.0), ("wait", 40.0), ("alert", 8.0), ("talk", 200.0), ("acw", 60.0)]
    )
    lengths = [later - earlier for earlier, later in zip(bounds, bounds[1:])]
    assert abs(lengths[0] - 30_000) <= 2 and abs(lengths[2] - 8_000) <= 2
    assert abs(lengths[4] - 60_000) <= 2
    assert lengths[3] > lengths[1] > 40_000  # the elastic phases absorbed the long span


def _intervals_of(plan) -> list[tuple[int, int | None]]:
    spans = [plan.ivr]
    for leg in plan.legs:
        spans.append((leg.queue_start, leg.queue_end))
        spans += [(start, end) for _, start, end in leg.connected]
        spans += [leg.wrapup] if leg.wrapup else []
    return spans


@pytest.mark.parametrize("ongoing", [False, True])
def test_inbound_plans_stay_inside_the_span(ongoing: bool):
    end = START + 900_000
    for seed in range(300):
        plan = plan_conversation(START, end, random.Random(seed), voice=seed % 2 == 0, ongoing=ongoing)
        spans = _intervals_of(plan)
        assert all(s >= START and (e is None or s < e <= end) for s, e in spans)
        closed_ends = [e for _, e in spans if e is not None]
        if ongoing:
            assert plan.customer_end is None and plan.legs[-1].connected[-1] == ("interact", end, None)
        else:
            assert max(closed_ends) == end


def test_ongoing_outbound_call_has_the_customer_on_hold_since_the_last_event():
    end = START + 300_000
    plan = plan_outbound(START, end, random.Random(1), ongoing=True)
    assert plan.wrapup is None
    assert plan.connected[-1] == ("hold", end, None)
    assert plan.dialing[0] == START and plan.connected[0][1] == plan.dialing[1]


def test_forced_ongoing_records_end_at_their_last_event():
    """Ongoing outbound calls are too rare to count on in a sampled day, so force them."""
    assembler = ConversationAssembler(3, build_reference_data(3))
    end = START + 420_000
    directions = set()
    for index in range(120):
        slot = ConversationSlot(
            day=date(2024, 5, 1),
            index=index,
            conversation_id=f"c-{index}",
            start_ms=START,
            activity_end_ms=end,
            media_type="voice",
            ongoing=True,
        )
        record = assembler.build(slot)
        directions.add(record["originatingDirection"])
        assert "conversationEnd" not in record
        for participant in record["participants"]:
            for session in participant["sessions"]:
                segments = session["segments"]
                assert all("segmentEnd" in s for s in segments[:-1])
                assert segments[-1].get("segmentEnd", iso_ms(end)) <= iso_ms(end)
                assert all(m["emitDate"] <= iso_ms(end) for m in session.get("metrics", []))
                assert not any(m["name"] in {"tHandle", "tAcw"} for m in session.get("metrics", []))
        open_segments = [
            s for p in record["participants"] for ses in p["sessions"] for s in ses["segments"] if "segmentEnd" not in s
        ]
        assert open_segments and all(s["segmentStart"] <= iso_ms(end) for s in open_segments)
    assert directions == {"inbound", "outbound"}
