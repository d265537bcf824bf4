"""Each agent's presence and routing-status intervals, as the org had them at an instant.

Layers (the planned shift, its activities, and the conversations the agent took, from
``agent_busy``) are painted by priority over a span of whole days around the asked window,
so an interval's boundaries do not depend on the window: busy wins (ON_QUEUE + INTERACTING),
then a minute on queue either side of it, then breaks/meals/training (OFF_QUEUE), unanswered
alerts (NOT_RESPONDING), the shift (ON_QUEUE + IDLE), and outside all of it OFFLINE and
OFF_QUEUE. Adjacent pieces in the same state form one interval, so intervals cross midnight
freely. Cut at the instant: later intervals do not exist yet, the one running has no end.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from genesys_emulator.world.agent_busy import BusySpans, busy_of_records, merge_busy
from genesys_emulator.world.agent_shifts import MINUTE_MS, P_BUSY, P_BUSY_MARGIN, Layer, planned_day
from genesys_emulator.world.determinism import MS_PER_DAY, day_of_ms, day_start_ms, iso_ms
from genesys_emulator.world.generator import DataGenerator
from genesys_emulator.world.presence_definitions import PresenceDefinitions, presence_definitions

BUSY_MARGIN_MS = MINUTE_MS


@dataclass(frozen=True)
class Run:
    """One interval in one state; ``end`` None while it is still running at the instant."""

    start: int
    end: int | None
    state: tuple[str, ...]  # (systemPresence, organizationPresenceId) or (routingStatus,)


@dataclass(frozen=True)
class Timeline:
    user_id: str
    presence: list[Run]
    routing: list[Run]

    def detail(self) -> dict:
        """The AnalyticsUserDetail wire shape."""
        return {
            "userId": self.user_id,
            "primaryPresence": [_presence_record(r) for r in self.presence],
            "routingStatus": [_routing_record(r) for r in self.routing],
        }


def _times(run: Run) -> dict:
    out = {"startTime": iso_ms(run.start)}
    if run.end is not None:
        out["endTime"] = iso_ms(run.end)
    return out


def _presence_record(run: Run) -> dict:
    return {**_times(run), "systemPresence": run.state[0], "organizationPresenceId": run.state[1]}


def _routing_record(run: Run) -> dict:
    return {**_times(run), "routingStatus": run.state[0]}


def paint(layers: list[Layer], span_start: int, span_end: int) -> list[tuple[int, int, Layer | None]]:
    """Elementary pieces of [span_start, span_end) with the winning layer (None: offline).
    Ties in priority go to the layer that started last."""
    bounds = {span_start, span_end}
    for layer in layers:
        bounds.update(min(max(t, span_start), span_end) for t in (layer.start, layer.end))
    points = sorted(bounds)
    ordered = sorted(layers, key=lambda lay: lay.start)
    heap: list[tuple[int, int, int, Layer]] = []
    pieces: list[tuple[int, int, Layer | None]] = []
    cursor = 0
    for left, right in itertools.pairwise(points):
        while cursor < len(ordered) and ordered[cursor].start <= left:
            layer = ordered[cursor]
            heapq.heappush(heap, (-layer.priority, -layer.start, cursor, layer))
            cursor += 1
        while heap and heap[0][3].end <= left:
            heapq.heappop(heap)
        pieces.append((left, right, heap[0][3] if heap else None))
    return pieces


def runs_of(pieces: list[tuple[int, int, tuple[str, ...]]], as_of_ms: int) -> list[Run]:
    """Merge adjacent pieces of equal state and cut at the instant."""
    runs: list[Run] = []
    for left, right, state in pieces:
        if left >= as_of_ms:
            break
        end = right if right < as_of_ms else None
        if runs and runs[-1].state == state and runs[-1].end == left:
            runs[-1] = Run(runs[-1].start, end, state)
        else:
            runs.append(Run(left, end, state))
    return runs


def _overlapping(runs: list[Run], start_ms: int, end_ms: int) -> list[Run]:
    return [r for r in runs if r.start < end_ms and (r.end is None or r.end > start_ms)]


class AgentActivity:
    """Timelines of every user of one generated org (deleted and inactive users included)."""

    def __init__(self, generator: DataGenerator) -> None:
        self._generator = generator
        reference = generator.reference_data()
        home = next(d for d in reference.divisions if d["homeDivision"])
        self.definitions: PresenceDefinitions = presence_definitions(generator.seed, home["id"])
        self.users = reference.users
        self._busy_of_day = lru_cache(maxsize=32)(self._read_busy)

    def _read_busy(self, day: date, long_lived_only: bool) -> BusySpans:
        generator = self._generator
        if long_lived_only:
            rows = generator.day_evolution(day).long_lived.tolist()
        else:
            rows = range(generator.conversations_per_day)
        return busy_of_records([generator.conversation(day, index) for index in rows])

    def _busy(self, first_day: date, last_day: date) -> BusySpans:
        """Busy spans of conversations that can touch [first_day, last_day]: those that
        started a day before (the longest a short one lasts) and, in a living org, the
        long-lived ones (re-opened threads, late ends) of the days before that."""
        parts = []
        look_back = 1
        evolution = self._generator.evolution
        if evolution is not None:
            look_back = -(-evolution.longest_life_ms // MS_PER_DAY)
        day = first_day - timedelta(days=look_back)
        while day <= last_day:
            parts.append(self._busy_of_day(day, day < first_day - timedelta(days=1)))
            day += timedelta(days=1)
        return merge_busy(parts)

    def timelines(self, start_ms: int, end_ms: int, as_of_ms: int, user_ids: list[str]) -> list[Timeline]:
        """Each user's intervals overlapping [start_ms, end_ms) at org instant ``as_of_ms``."""
        span_start = day_start_ms(day_of_ms(start_ms)) - MS_PER_DAY
        span_end = day_start_ms(day_of_ms(end_ms - 1)) + 2 * MS_PER_DAY
        first_day, last_day = day_of_ms(span_start), day_of_ms(span_end - 1)
        busy = self._busy(first_day, last_day)
        offline = self.definitions.system_id["OFFLINE"]
        on_queue = self.definitions.system_id["ON_QUEUE"]
        out = []
        for user_id in user_ids:
            layers: list[Layer] = []
            day = first_day - timedelta(days=1)
            while day <= last_day:
                layers.extend(planned_day(self._generator.seed, user_id, day, self.definitions))
                day += timedelta(days=1)
            for busy_start, busy_end in busy.get(user_id, ()):
                end = min(busy_end, max(as_of_ms, busy_start) + 1)
                margin = (busy_start - BUSY_MARGIN_MS, end + BUSY_MARGIN_MS)
                layers.append(Layer(*margin, P_BUSY_MARGIN, "ON_QUEUE", on_queue, "IDLE"))
                layers.append(Layer(busy_start, end, P_BUSY, "ON_QUEUE", on_queue, "INTERACTING"))
            pieces = paint(layers, span_start, span_end)
            presence = runs_of(
                [
                    (a, b, (lay.system_presence, lay.presence_id) if lay else ("OFFLINE", offline))
                    for a, b, lay in pieces
                ],
                as_of_ms,
            )
            routing = runs_of([(a, b, (lay.routing_status if lay else "OFF_QUEUE",)) for a, b, lay in pieces], as_of_ms)
            out.append(
                Timeline(user_id, _overlapping(presence, start_ms, end_ms), _overlapping(routing, start_ms, end_ms))
            )
        return out
