"""Assemble one AnalyticsConversation record (async-job shape, with participant attributes).

Field names, nesting and enum values follow section 5 of the API fact sheet; absent values are
left out rather than sent as null, as the real service does. Inbound conversations run
customer -> IVR/flow -> ACD queue -> agent (a second queue and agent when transferred, no agent
when abandoned); outbound voice calls are agent -> external party, placed for a queue.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from genesys_emulator.world import media_fields
from genesys_emulator.world import participants as parts
from genesys_emulator.world.determinism import IdSource, iso_ms, keyed_rng, uuid_from_int
from genesys_emulator.world.reference_data import ReferenceData
from genesys_emulator.world.timeline import ConversationPlan, plan_conversation, plan_outbound

OUTBOUND_SHARE = 0.12  # of voice conversations: agent-placed calls
_VOICE_LIKE = ("voice", "callback")


@dataclass(frozen=True)
class ConversationSlot:
    """What the day skeleton already fixed about a conversation."""

    day: date
    index: int
    conversation_id: str
    start_ms: int
    activity_end_ms: int
    media_type: str
    ongoing: bool
    # Living org only: a re-opened thread's second span, and when feedback arrives (0: none).
    reopen: tuple[int, int] | None = None
    survey_at_ms: int | None = None
    evaluation_at_ms: int | None = None


class ConversationAssembler:
    """Builds records for one seed's organisation; holds no per-conversation state."""

    def __init__(self, seed: int, reference: ReferenceData) -> None:
        self._seed = seed
        self._ref = reference
        self._queue_division = {q["id"]: q["division"]["id"] for q in reference.queues}
        self._user_division = {u["id"]: u["division"]["id"] for u in reference.users}
        self._wrapup_code_ids = [code["id"] for code in reference.wrapup_codes]
        self._evaluator_ids = [u["id"] for u in reference.users if u["state"] == "active" and u["title"] == "Team Lead"]

    def build(self, slot: ConversationSlot) -> dict:
        rng = keyed_rng(f"{self._seed}:{slot.day.isoformat()}:{slot.index}")

        def new_id() -> str:
            return uuid_from_int(rng.getrandbits(128))

        record: dict = {"conversationId": slot.conversation_id, "conversationStart": iso_ms(slot.start_ms)}
        if not slot.ongoing:
            record["conversationEnd"] = iso_ms(slot.activity_end_ms)
        contact = media_fields.customer_contact(rng)
        if slot.media_type == "voice" and rng.random() < OUTBOUND_SHARE:
            self._outbound(record, rng, new_id, slot, contact)
        else:
            self._inbound(record, rng, new_id, slot, contact)
        return record

    def _inbound(
        self,
        record: dict,
        rng: random.Random,
        new_id: IdSource,
        slot: ConversationSlot,
        contact: media_fields.CustomerContact,
    ) -> None:
        media = slot.media_type
        voice = media in _VOICE_LIKE
        plan = plan_conversation(slot.start_ms, slot.activity_end_ms, rng, voice=voice, ongoing=slot.ongoing)
        queues = [rng.choice(self._ref.queues) for _ in plan.legs]
        agents = rng.sample(self._ref.users, len(plan.legs))
        customer_session = {"sessionId": new_id(), "mediaType": media, "direction": "inbound"}
        customer_session.update(media_fields.customer_session_fields(media, contact, rng, plan.ivr[1]))
        customer = self._customer(
            rng, new_id, customer_session, contact, slot.start_ms, plan.customer_end, plan.customer_hung_up
        )
        base = {"mediaType": media, "direction": "inbound", "peerId": customer_session["sessionId"]}
        flow = self._flow(rng, contact, queues[0], media, plan)
        people = [customer, parts.flow_participant(new_id, base, "ivr" if voice else "workflow", flow, plan.ivr, voice)]
        routing = "Bullseye" if media == "voice" else "Standard"
        for leg, queue, agent in zip(plan.legs, queues, agents, strict=True):
            people.append(parts.acd_participant(new_id, base, leg, queue, agent["id"], routing))
            if leg.answered:
                people.append(
                    parts.inbound_agent_participant(
                        rng, new_id, base, leg, queue["id"], agent, self._wrapup_code_ids, plan.customer_hung_up
                    )
                )
        self._envelope(
            record, "inbound", "customer", sorted({self._queue_division[q["id"]] for q in queues}), customer, media
        )
        if not slot.ongoing and plan.legs[-1].answered:
            self._add_feedback(record, rng, new_id, slot, queues[-1]["id"], agents[-1]["id"])
        record["participants"] = people
        if slot.reopen:
            self._reopen(record, rng, new_id, slot.reopen, customer, people[-1], queues[-1]["id"])

    def _outbound(
        self,
        record: dict,
        rng: random.Random,
        new_id: IdSource,
        slot: ConversationSlot,
        contact: media_fields.CustomerContact,
    ) -> None:
        plan = plan_outbound(slot.start_ms, slot.activity_end_ms, rng, ongoing=slot.ongoing)
        queue, agent = rng.choice(self._ref.queues), rng.choice(self._ref.users)
        customer_session = {
            "sessionId": new_id(),
            "mediaType": "voice",
            "direction": "outbound",
            "ani": f"tel:{contact.dnis}",
            "dnis": f"tel:{contact.phone}",
            "provider": "Edge",
        }
        customer = self._customer(
            rng, new_id, customer_session, contact, plan.dialing[1], plan.connected[-1][2], plan.customer_hung_up
        )
        base = {"mediaType": "voice", "direction": "outbound", "peerId": customer_session["sessionId"]}
        agent_participant = parts.outbound_agent_participant(
            rng,
            new_id,
            base,
            plan.dialing,
            plan.connected,
            plan.wrapup,
            queue["id"],
            agent,
            self._wrapup_code_ids,
            plan.customer_hung_up,
        )
        divisions = {self._queue_division[queue["id"]], self._user_division[agent["id"]]}
        self._envelope(record, "outbound", "agent", sorted(divisions), customer, "voice")
        record["participants"] = [agent_participant, customer]

    def _customer(
        self,
        rng: random.Random,
        new_id: IdSource,
        session: dict,
        contact: media_fields.CustomerContact,
        start_ms: int,
        end_ms: int | None,
        hung_up: bool,
    ) -> dict:
        """The customer's side, from first contact (or pick-up) until they disconnect."""
        media = session["mediaType"]
        if media == "voice":
            session["edgeId"] = rng.choice(self._ref.edge_ids)
        fields = {"subject": contact.subject} if media == "email" else {}
        if end_ms is not None:
            fields["disconnectType"] = "endpoint" if hung_up else "peer"
        session["segments"] = [parts.segment("interact", start_ms, end_ms, **fields)]
        if media == "voice" and end_ms is not None:
            session["mediaEndpointStats"] = [media_fields.voice_quality(rng, end_ms)]
        participant: dict[str, object] = {
            "participantId": new_id(),
            "participantName": contact.phone if media in _VOICE_LIKE else contact.name,
            "purpose": "customer" if session["direction"] == "inbound" else "external",
            "sessions": [session],
        }
        attributes = media_fields.customer_attributes(rng)
        if attributes:
            participant["attributes"] = attributes
        return participant

    def _flow(
        self, rng: random.Random, contact: media_fields.CustomerContact, queue: dict, media: str, plan: ConversationPlan
    ) -> dict:
        """The AnalyticsFlow object: which flow ran and where it sent the customer."""
        flow_ref = self._ref.flows[media]
        voice = media in _VOICE_LIKE
        flow = {
            "flowId": flow_ref["id"],
            "flowName": flow_ref["name"],
            "flowVersion": "4.0",
            "flowType": flow_ref["type"],
            "entryType": "dnis" if voice else "direct",
            "entryReason": f"tel:{contact.dnis}" if voice else flow_ref["name"],
            "exitReason": "TRANSFER",
            "transferType": "ACD",
            "transferTargetName": queue["name"],
            "transferTargetAddress": queue["id"],
        }
        if rng.random() < 0.3:
            outcome = rng.choice(self._ref.flow_outcomes)
            start, end = plan.ivr
            flow["outcomes"] = [
                {
                    "flowOutcome": outcome["name"],
                    "flowOutcomeId": outcome["id"],
                    "flowOutcomeValue": "SUCCESS",
                    "flowOutcomeStartTimestamp": iso_ms(start),
                    "flowOutcomeEndTimestamp": iso_ms(end),
                }
            ]
        return flow

    @staticmethod
    def _envelope(
        record: dict, direction: str, initiator: str, division_ids: list[str], customer: dict, media: str
    ) -> None:
        """Conversation-level fields, in the order the service sends them."""
        record["originatingDirection"] = direction
        record["divisionIds"] = division_ids
        record["conversationInitiator"] = initiator
        if media == "message":
            record["customerParticipation"] = True
        quality = customer["sessions"][0].get("mediaEndpointStats")
        if quality:
            record["mediaStatsMinConversationMos"] = quality[0]["minMos"]
            record["mediaStatsMinConversationRFactor"] = quality[0]["minRFactor"]

    def _add_feedback(
        self, record: dict, rng: random.Random, new_id: IdSource, slot: ConversationSlot, queue_id: str, user_id: str
    ) -> None:
        """Surveys and evaluations, stamped when they arrive (at the end in a frozen org)."""
        end_ms = slot.activity_end_ms
        survey_at, evaluation_at = slot.survey_at_ms, slot.evaluation_at_ms
        survey = media_fields.surveys(
            rng,
            new_id,
            survey_at or end_ms,
            queue_id,
            user_id,
            self._ref.survey_form_id,
            None if survey_at is None else survey_at != 0,
        )
        if survey:
            record["surveys"] = survey
        evaluation = media_fields.evaluations(
            rng,
            new_id,
            evaluation_at or end_ms,
            queue_id,
            user_id,
            rng.choice(self._evaluator_ids),
            self._ref.evaluation_form_id,
            None if evaluation_at is None else evaluation_at != 0,
        )
        if evaluation:
            record["evaluations"] = evaluation

    def _reopen(
        self,
        record: dict,
        rng: random.Random,
        new_id: IdSource,
        span: tuple[int, int],
        customer: dict,
        last: dict,
        queue_id: str,
    ) -> None:
        """A thread the customer re-opened days later: a new customer session and, when an
        agent handled the thread, a new agent session that answers and wraps up again."""
        start, end = span
        media = customer["sessions"][0]["mediaType"]
        customer["sessions"].append(
            {
                "sessionId": new_id(),
                "mediaType": media,
                "direction": "inbound",
                "segments": [parts.segment("interact", start, end, disconnectType="endpoint")],
            }
        )
        if last["purpose"] == "agent":
            answer = start + rng.randrange(60_000, 30 * 60_000)
            answer = min(answer, start + (end - start) // 3)
            wrap = end - min(rng.randrange(10_000, 120_000), (end - answer) // 2)
            code = rng.choice(self._wrapup_code_ids)
            last["sessions"].append(
                {
                    "sessionId": new_id(),
                    "mediaType": media,
                    "direction": "inbound",
                    "peerId": customer["sessions"][-1]["sessionId"],
                    "segments": [
                        parts.segment("alert", start, answer, queueId=queue_id),
                        parts.segment("interact", answer, wrap, queueId=queue_id, disconnectType="client"),
                        parts.segment("wrapup", wrap, end, queueId=queue_id, wrapUpCode=code),
                    ],
                    "metrics": [
                        parts.metric("tAlert", answer - start, answer),
                        parts.metric("nConnected", 1, answer),
                        parts.metric("tTalk", wrap - answer, wrap),
                        parts.metric("tTalkComplete", wrap - answer, wrap),
                        parts.metric("tAcw", end - wrap, end),
                        parts.metric("tHandle", end - answer, end),
                    ],
                }
            )
        record["conversationEnd"] = iso_ms(end)
