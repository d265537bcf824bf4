"""Agent timelines: consistent with the conversations the agent took, contiguous, crossing
midnight, open at the clock, and with boundaries that do not depend on the window asked."""

from __future__ import annotations

from datetime import date

import pytest

from genesys_emulator.world.agent_busy import sessions_busy
from genesys_emulator.world.agent_timeline import AgentActivity
from genesys_emulator.world.determinism import MS_PER_DAY, day_start_ms
from genesys_emulator.world.evolution import EvolutionSettings
from genesys_emulator.world.generator import DataGenerator

DAY = date(2024, 5, 2)
START = day_start_ms(DAY)


@pytest.fixture(scope="module")
def activity() -> AgentActivity:
    return AgentActivity(DataGenerator(7, 150, evolution=EvolutionSettings()))


@pytest.fixture(scope="module")
def day_timelines(activity):
    users = [u["id"] for u in activity.users]
    return activity.timelines(START, START + MS_PER_DAY, START + 3 * MS_PER_DAY, users)


def test_every_user_is_covered_without_gaps_or_overlaps(day_timelines):
    assert len(day_timelines) == 50
    for timeline in day_timelines:
        for runs in (timeline.presence, timeline.routing):
            assert runs[0].start <= START and runs[-1].end >= START + MS_PER_DAY
            for before, after in zip(runs, runs[1:], strict=False):
                assert before.end == after.start and before.state != after.state


def test_interacting_exactly_while_a_taken_conversation_is_connected(activity, day_timelines):
    """Recomputed from the served conversation records, not from the timeline's own reader."""
    generator = activity._generator
    busy: dict[str, list[tuple[int, int]]] = {}
    for index in range(generator.conversations_per_day):
        for user_id, start, end in sessions_busy(generator.conversation(DAY, index)):
            busy.setdefault(user_id, []).append((start, end))
    checked = 0
    for timeline in day_timelines:
        for start, end in busy.get(timeline.user_id, []):
            if start >= START and end <= START + MS_PER_DAY:
                covering = [r for r in timeline.routing if r.start <= start and r.end >= end]
                assert [r.state for r in covering] == [("INTERACTING",)]
                presence = [r for r in timeline.presence if r.start <= start < r.end]
                assert presence[0].state[0] == "ON_QUEUE"
                checked += 1
    assert checked > 100


def test_statuses_and_presences_are_the_sdk_enums(day_timelines):
    routing = {r.state[0] for t in day_timelines for r in t.routing}
    presence = {r.state[0] for t in day_timelines for r in t.presence}
    assert routing <= {"OFF_QUEUE", "IDLE", "INTERACTING", "NOT_RESPONDING", "COMMUNICATING"}
    assert {"OFF_QUEUE", "IDLE", "INTERACTING", "NOT_RESPONDING"} <= routing
    assert {"ON_QUEUE", "OFFLINE", "BREAK", "MEAL", "AVAILABLE"} <= presence


def test_some_intervals_cross_midnight(day_timelines):
    midnight = START + MS_PER_DAY
    crossing = [r for t in day_timelines for r in t.presence if r.start < midnight < r.end]
    assert len(crossing) >= 10


def test_boundaries_do_not_depend_on_the_window(activity, day_timelines):
    users = [t.user_id for t in day_timelines[:5]]
    hours = activity.timelines(START + 10 * 3_600_000, START + 11 * 3_600_000, START + 3 * MS_PER_DAY, users)
    for narrow, wide in zip(hours, day_timelines[:5], strict=True):
        assert set(narrow.routing) <= set(wide.routing)
        assert set(narrow.presence) <= set(wide.presence)


def test_an_interval_running_at_the_clock_is_open_and_closes_later(activity):
    users = [u["id"] for u in activity.users]
    clock = START + 14 * 3_600_000 + 123
    early = activity.timelines(START, clock, clock, users)
    later = {t.user_id: t for t in activity.timelines(START, clock, clock + 4 * 3_600_000, users)}
    for timeline in early:
        *closed, last = timeline.routing
        assert last.end is None and all(r.end is not None and r.end <= clock for r in closed)
        assert closed == later[timeline.user_id].routing[: len(closed)]
        grown = later[timeline.user_id].routing[len(closed)]
        assert grown.start == last.start and grown.state == last.state
        assert grown.end is None or grown.end > clock
