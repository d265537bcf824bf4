"""An agent's planned day: a shift on queue with breaks, a meal, training, meetings, short
away spells and the odd alert left unanswered (NOT_RESPONDING).

Pure function of (seed, user, day). Night shifts start in the evening and cross midnight.
Conversations are assigned to agents at random by the record generator, so an agent may be
busy outside its shift; the timeline puts such an agent on queue around that conversation
(overtime). Layers carry a priority: a higher one wins where they overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from genesys_emulator.world.determinism import day_start_ms, keyed_rng
from genesys_emulator.world.presence_definitions import PresenceDefinitions

MINUTE_MS = 60_000
HOUR_MS = 3_600_000
SHIFT_START_HOURS = (6, 7, 8, 9, 10, 12, 14, 16, 21, 22)  # 21 and 22 cross midnight

# Priorities: the shift, then unanswered alerts, then planned activities, then busy.
P_SHIFT, P_NOT_RESPONDING, P_ACTIVITY, P_BUSY_MARGIN, P_BUSY = 1, 2, 3, 4, 5


@dataclass(frozen=True)
class Layer:
    """[start, end) in one state: the presence (system + organization id) and routing status."""

    start: int
    end: int
    priority: int
    system_presence: str
    presence_id: str
    routing_status: str


def _activity(start: int, minutes: float, system: str, presence_id: str) -> Layer:
    return Layer(start, start + int(minutes * MINUTE_MS), P_ACTIVITY, system, presence_id, "OFF_QUEUE")


def planned_day(seed: int, user_id: str, day: date, definitions: PresenceDefinitions) -> list[Layer]:
    """The layers of the shift that starts on ``day`` for ``user_id``."""
    habit = keyed_rng(f"{seed}:shift:{user_id}")
    start_hour = habit.choice(SHIFT_START_HOURS)
    lunch_custom = habit.random() < 0.5
    rng = keyed_rng(f"{seed}:shift:{user_id}:{day.isoformat()}")
    start = day_start_ms(day) + start_hour * HOUR_MS + rng.randint(-15, 15) * MINUTE_MS
    length = int(rng.uniform(8.0, 9.0) * HOUR_MS)
    on_queue = definitions.system_id["ON_QUEUE"]
    layers = [Layer(start, start + length, P_SHIFT, "ON_QUEUE", on_queue, "IDLE")]

    def at(hours: float, jitter_minutes: int) -> int:
        return start + int(hours * HOUR_MS) + rng.randint(-jitter_minutes, jitter_minutes) * MINUTE_MS

    ids = definitions.system_id
    layers.append(_activity(start, rng.uniform(1, 4), "AVAILABLE", ids["AVAILABLE"]))
    layers.append(_activity(at(2, 20), 15, "BREAK", ids["BREAK"]))
    meal_id = definitions.user_defined_id["MEAL"] if lunch_custom else ids["MEAL"]
    layers.append(_activity(at(4, 30), 30, "MEAL", meal_id))
    layers.append(_activity(at(6.5, 20), 15, "BREAK", ids["BREAK"]))
    if rng.random() < 0.2:
        training_id = definitions.user_defined_id["TRAINING"] if rng.random() < 0.5 else ids["TRAINING"]
        layers.append(_activity(at(5.2, 10), rng.uniform(45, 60), "TRAINING", training_id))
    if rng.random() < 0.1:
        layers.append(_activity(at(1, 10), 30, "MEETING", ids["MEETING"]))
    if rng.random() < 0.2:
        layers.append(_activity(at(3, 30), rng.uniform(5, 10), "AWAY", ids["AWAY"]))
    for _ in range(rng.randint(0, 3)):
        blip = start + rng.randint(10 * MINUTE_MS, length - 10 * MINUTE_MS)
        layers.append(
            Layer(blip, blip + rng.randint(10_000, 40_000), P_NOT_RESPONDING, "ON_QUEUE", on_queue, "NOT_RESPONDING")
        )
    return layers
