"""The generator's cheap side: the day skeleton, its caching, id lookup and interval selection."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from genesys_emulator.world.determinism import day_start_ms, iso_ms
from genesys_emulator.world.generator import DataGenerator
from genesys_emulator.world.skeleton import MAX_DURATION_MS
from tests.genesys_emulator.world.generated_day import DAY, PER_DAY, TIMESTAMP, all_sessions, ms, walk_values


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
