"""Builders for the non-customer participants: flow (IVR), ACD queue legs and agents.

Each builder turns planned intervals into segments and emits the matching metrics from the
same numbers, which is what keeps every ``t*`` value equal to its segment's duration.
"""

from __future__ import annotations

import random

from genesys_emulator.world.determinism import IdSource, iso_ms
from genesys_emulator.world.timeline import AgentLeg, Interval

SLA_TARGET_MS = 20_000
SHORT_ABANDON_MS = 10_000
_WRAPUP_NOTES = ("Customer satisfied", "Sent follow-up email", "Escalated to tier 2", "Resolved on call")


def metric(name: str, value: int, at_ms: int) -> dict:
    return {"name": name, "value": value, "emitDate": iso_ms(at_ms)}


def segment(segment_type: str, start_ms: int, end_ms: int | None, **fields: object) -> dict:
    built: dict[str, object] = {"segmentStart": iso_ms(start_ms)}
    if end_ms is not None:
        built["segmentEnd"] = iso_ms(end_ms)
    built["segmentType"] = segment_type
    built.update(fields)
    built["conference"] = False
    return built


def _participant(new_id: IdSource, name: str, purpose: str, session: dict, **fields: str) -> dict:
    return {"participantId": new_id(), "participantName": name, "purpose": purpose, **fields, "sessions": [session]}


def flow_participant(
    new_id: IdSource, base_session: dict, purpose: str, flow: dict, ivr: tuple[int, int], voice: bool
) -> dict:
    """The IVR / inbound flow that greeted the customer and transferred them to a queue."""
    start, end = ivr
    metrics = [metric("tFlow", end - start, end)]
    if voice:
        metrics.append(metric("tIvr", end - start, end))
    session = {
        "sessionId": new_id(),
        **base_session,
        "flow": flow,
        "segments": [segment("ivr", start, end, disconnectType="transfer")],
        "metrics": metrics,
    }
    return _participant(new_id, flow["flowName"], purpose, session)


def acd_participant(
    new_id: IdSource, base_session: dict, leg: AgentLeg, queue: dict, agent_id: str, routing: str
) -> dict:
    """One queue leg: offered, then answered (tAcd) or abandoned (tAbandon)."""
    waited = leg.queue_end - leg.queue_start
    session = {"sessionId": new_id(), **base_session, "requestedRoutings": [routing], "usedRouting": routing}
    metrics = [metric("nOffered", 1, leg.queue_start)]
    if leg.answered:
        session["selectedAgentId"] = agent_id
        metrics.append(metric("tAcd", waited, leg.queue_end))
        if waited > SLA_TARGET_MS:
            metrics.append(metric("nOverSla", 1, leg.queue_end))
    else:
        metrics.append(metric("tAbandon", waited, leg.queue_end))
        if waited < SHORT_ABANDON_MS:
            metrics.append(metric("tShortAbandon", waited, leg.queue_end))
    session["segments"] = [
        segment(
            "interact",
            leg.queue_start,
            leg.queue_end,
            queueId=queue["id"],
            disconnectType="transfer" if leg.answered else "peer",
        )
    ]
    session["metrics"] = metrics
    return _participant(new_id, queue["name"], "acd", session)


def _talk_and_wrapup(
    rng: random.Random,
    connected: list[Interval],
    wrapup: tuple[int, int] | None,
    queue_id: str,
    wrapup_code_ids: list[str],
    ended_by: str,
) -> tuple[list[dict], list[dict]]:
    """Segments and metrics from the moment the agent is connected until wrap-up ends;
    ``ended_by`` is the last interact's disconnectType: client (agent hung up), peer
    (customer did) or transfer."""
    transferred = ended_by == "transfer"
    segments, metrics = [], []
    talk = held = 0
    last = len(connected) - 1
    for position, (kind, start, end) in enumerate(connected):
        fields: dict = {"queueId": queue_id}
        if position == last and end is not None:
            fields["disconnectType"] = ended_by
        segments.append(segment(kind, start, end, **fields))
        if end is None:
            continue
        if kind == "hold":
            held += end - start
            metrics.append(metric("tHeld", end - start, end))
        else:
            talk += end - start
            metrics.append(metric("tTalk", end - start, end))
    if wrapup is None:
        return segments, metrics
    talk_end = connected[-1][2]
    assert talk_end is not None  # a wrap-up follows an ended talk
    metrics.append(metric("tTalkComplete", talk, talk_end))
    if held:
        metrics.append(metric("tHeldComplete", held, talk_end))
    if transferred:
        metrics.append(metric("nTransferred", 1, talk_end))
    wrap_start, wrap_end = wrapup
    wrapup_fields = {"queueId": queue_id, "wrapUpCode": rng.choice(wrapup_code_ids)}
    if rng.random() < 0.6:
        wrapup_fields["wrapUpNote"] = rng.choice(_WRAPUP_NOTES)
    segments.append(segment("wrapup", wrap_start, wrap_end, **wrapup_fields))
    acw = wrap_end - wrap_start
    metrics.append(metric("tAcw", acw, wrap_end))
    metrics.append(metric("tHandle", talk + held + acw, wrap_end))
    return segments, metrics


def _disconnect_type(customer_hung_up: bool, transferred: bool = False) -> str:
    if transferred:
        return "transfer"
    return "peer" if customer_hung_up else "client"


def inbound_agent_participant(
    rng: random.Random,
    new_id: IdSource,
    base_session: dict,
    leg: AgentLeg,
    queue_id: str,
    agent: dict,
    wrapup_code_ids: list[str],
    customer_hung_up: bool,
) -> dict:
    """The agent who answered a queue leg: alerted, connected, maybe held, wrapped up."""
    answer = leg.queue_end
    segments = [segment("alert", leg.alert_start, answer, queueId=queue_id)]
    metrics = [
        metric("tAlert", answer - leg.alert_start, answer),
        metric("nConnected", 1, answer),
        metric("tAnswered", answer - leg.queue_start, answer),
    ]
    more_segments, more_metrics = _talk_and_wrapup(
        rng, leg.connected, leg.wrapup, queue_id, wrapup_code_ids, _disconnect_type(customer_hung_up, leg.transferred)
    )
    session = {
        "sessionId": new_id(),
        **base_session,
        "segments": segments + more_segments,
        "metrics": metrics + more_metrics,
    }
    return _participant(new_id, agent["name"], "agent", session, userId=agent["id"])


def outbound_agent_participant(
    rng: random.Random,
    new_id: IdSource,
    base_session: dict,
    dialing: tuple[int, int],
    connected: list[Interval],
    wrapup: tuple[int, int] | None,
    queue_id: str,
    agent: dict,
    wrapup_code_ids: list[str],
    customer_hung_up: bool,
) -> dict:
    """An agent placing a call on behalf of a queue: dialing until the customer picks up."""
    dial_start, answered = dialing
    segments = [segment("dialing", dial_start, answered, queueId=queue_id)]
    metrics = [
        metric("nOutbound", 1, dial_start),
        metric("tDialing", answered - dial_start, answered),
        metric("nConnected", 1, answered),
    ]
    more_segments, more_metrics = _talk_and_wrapup(
        rng, connected, wrapup, queue_id, wrapup_code_ids, _disconnect_type(customer_hung_up)
    )
    session = {
        "sessionId": new_id(),
        **base_session,
        "segments": segments + more_segments,
        "metrics": metrics + more_metrics,
    }
    return _participant(new_id, agent["name"], "agent", session, userId=agent["id"])
