"""Plan when things happen inside one conversation, before any JSON is built.

The skeleton fixes a conversation's start and activity end; this module splits that span into
IVR, queue, alert, talk, hold and wrap-up phases whose boundaries add up exactly, so every
``t*`` metric later equals the duration of the segment that produced it. IVR, alert, hold and
wrap-up keep natural lengths; queue waits and talk stretch to fill the span.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

ABANDON_SHARE = 0.06
TRANSFER_SHARE = 0.07
HOLD_SHARE = 0.2  # of answered voice legs

Interval = tuple[str, int, int | None]  # (segmentType, start, end); end None while ongoing
Phase = tuple[str, float]  # (name, natural length in seconds)
_ELASTIC = frozenset({"wait", "talk"})


@dataclass(frozen=True)
class AgentLeg:
    """One pass through a queue, and the agent who answered it (if anyone did)."""

    queue_start: int
    queue_end: int  # answer time, or abandon time when ``answered`` is False
    answered: bool
    alert_start: int = 0
    connected: list[Interval] = field(default_factory=list)  # interact/hold, in order
    wrapup: tuple[int, int] | None = None
    transferred: bool = False


@dataclass(frozen=True)
class ConversationPlan:
    """An inbound conversation: IVR, then one queue leg (two when transferred)."""

    ivr: tuple[int, int]
    legs: list[AgentLeg]
    customer_end: int | None  # None while ongoing
    customer_hung_up: bool


@dataclass(frozen=True)
class OutboundPlan:
    """An agent-placed call: dialing until the customer picks up, then talk and wrap-up."""

    dialing: tuple[int, int]
    connected: list[Interval]
    wrapup: tuple[int, int] | None  # None while ongoing
    customer_hung_up: bool


def split_span(start: int, total_ms: int, phases: list[Phase]) -> list[int]:
    """Boundaries (len(phases)+1) from ``start`` to exactly ``start + total_ms``. Fixed phases
    keep their natural length unless they would fill over half the span (then everything
    shrinks in proportion); elastic phases share the rest. Every phase gets at least 1 ms."""
    fixed_ms = sum(seconds for name, seconds in phases if name not in _ELASTIC) * 1000
    elastic = sum(seconds for name, seconds in phases if name in _ELASTIC)
    weights = [seconds for _, seconds in phases]
    if elastic and fixed_ms <= total_ms / 2:
        stretch = (total_ms - fixed_ms) / 1000 / elastic
        weights = [seconds * stretch if name in _ELASTIC else seconds for name, seconds in phases]
    scale = (total_ms - len(weights)) / sum(weights)
    bounds, cumulative = [start], 0.0
    for position, weight in enumerate(weights[:-1], start=1):
        cumulative += weight
        bounds.append(start + position + int(cumulative * scale))
    bounds.append(start + total_ms)
    return bounds


def _natural_lengths(rng: random.Random, voice: bool) -> dict[str, float]:
    """Typical phase lengths in seconds for one queue leg."""
    return {
        "ivr": rng.uniform(5, 45) if voice else rng.uniform(1, 4),
        "wait": rng.expovariate(1 / 40) if voice else rng.expovariate(1 / 120),
        "alert": rng.uniform(2, 12),
        "talk": rng.lognormvariate(5.3, 0.6),
        "hold": rng.uniform(20, 120),
        "acw": rng.uniform(10, 120),
    }


def _answered_leg(
    queue_start: int,
    alert_start: int,
    answer: int,
    connected: list[Interval],
    wrapup: tuple[int, int] | None,
    transferred: bool = False,
) -> AgentLeg:
    return AgentLeg(
        queue_start=queue_start,
        queue_end=answer,
        answered=True,
        alert_start=alert_start,
        connected=connected,
        wrapup=wrapup,
        transferred=transferred,
    )


def _talk_phases(rng: random.Random, n: dict[str, float], with_hold: bool) -> list[Phase]:
    """A hold splits the talk in two unequal parts around it."""
    if not with_hold:
        return [("talk", n["talk"])]
    before = rng.uniform(0.2, 0.8)
    return [("talk", n["talk"] * before), ("hold", n["hold"]), ("talk", n["talk"] * (1 - before))]


def _talk_segments(bounds: list[int], with_hold: bool) -> list[Interval]:
    if not with_hold:
        return [("interact", bounds[0], bounds[1])]
    return [("interact", bounds[0], bounds[1]), ("hold", bounds[1], bounds[2]), ("interact", bounds[2], bounds[3])]


def plan_conversation(start: int, end: int, rng: random.Random, *, voice: bool, ongoing: bool) -> ConversationPlan:
    """Split [start, end] into phases; for an ongoing conversation ``end`` is the moment the
    agent answered, and the talk that follows has no end yet."""
    n = _natural_lengths(rng, voice)
    ivr, wait, alert = ("ivr", n["ivr"]), ("wait", n["wait"]), ("alert", n["alert"])
    total = end - start
    customer_hung_up = rng.random() < 0.6
    if ongoing:
        b = split_span(start, total, [ivr, wait, alert])
        leg = _answered_leg(b[1], b[2], b[3], [("interact", b[3], None)], None)
        return ConversationPlan((b[0], b[1]), [leg], None, customer_hung_up)

    draw = rng.random()
    if draw < ABANDON_SHARE:
        b = split_span(start, total, [ivr, wait])
        leg = AgentLeg(queue_start=b[1], queue_end=b[2], answered=False)
        return ConversationPlan((b[0], b[1]), [leg], b[2], True)

    if draw < ABANDON_SHARE + TRANSFER_SHARE:
        m = _natural_lengths(rng, voice)
        b = split_span(
            start,
            total,
            [
                ivr,
                wait,
                alert,
                ("talk", n["talk"]),
                ("wait", m["wait"]),
                ("alert", m["alert"]),
                ("talk", m["talk"]),
                ("acw", m["acw"]),
            ],
        )
        first_acw_end = min(b[4] + int(n["acw"] * 1000), end)
        first = _answered_leg(b[1], b[2], b[3], _talk_segments(b[3:5], False), (b[4], first_acw_end), transferred=True)
        last = _answered_leg(b[4], b[5], b[6], _talk_segments(b[6:8], False), (b[7], b[8]))
        return ConversationPlan((b[0], b[1]), [first, last], b[7], customer_hung_up)

    with_hold = voice and rng.random() < HOLD_SHARE
    b = split_span(start, total, [ivr, wait, alert, *_talk_phases(rng, n, with_hold), ("acw", n["acw"])])
    talk_end = b[-2]
    leg = _answered_leg(b[1], b[2], b[3], _talk_segments(b[3:-1], with_hold), (talk_end, b[-1]))
    return ConversationPlan((b[0], b[1]), [leg], talk_end, customer_hung_up)


def plan_outbound(start: int, end: int, rng: random.Random, *, ongoing: bool) -> OutboundPlan:
    """Split [start, end] for an outbound call; while ongoing, the customer has been on hold
    since ``end``."""
    n = _natural_lengths(rng, voice=True)
    dialing = ("dialing", rng.uniform(5, 30))
    customer_hung_up = rng.random() < 0.5
    if ongoing:
        b = split_span(start, end - start, [dialing, ("talk", n["talk"])])
        return OutboundPlan((b[0], b[1]), [("interact", b[1], b[2]), ("hold", b[2], None)], None, customer_hung_up)
    with_hold = rng.random() < HOLD_SHARE
    b = split_span(start, end - start, [dialing, *_talk_phases(rng, n, with_hold), ("acw", n["acw"])])
    return OutboundPlan((b[0], b[1]), _talk_segments(b[1:-1], with_hold), (b[-2], b[-1]), customer_hung_up)
