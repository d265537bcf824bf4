"""The parts of a record that depend on the media type or are only sometimes present:
addresses, media-specific session fields, participant data, surveys and evaluations."""

from __future__ import annotations

import random
from dataclasses import dataclass

from genesys_emulator.world.determinism import IdSource, iso_ms

_SUBJECTS = ("Invoice question", "Order status", "Cannot log in", "Refund request", "Address change")
_MESSAGE_TYPES = ("sms", "webmessaging", "whatsapp", "facebook")
_IVR_CHOICES = ("billing", "support", "sales", "other")
_TIERS = ("bronze", "silver", "gold")
_LANGUAGES = ("en-US", "en-GB", "es-US", "fr-FR")
_CUSTOMER_NAMES = ("Alex Morgan", "Sam Taylor", "Jordan Lee", "Casey Kim", "Robin Diaz")
SURVEY_SHARE = 0.05
EVALUATION_SHARE = 0.03
ATTRIBUTES_SHARE = 0.5


@dataclass(frozen=True)
class CustomerContact:
    """How the customer reached us: shown as participantName and in session addresses."""

    name: str
    phone: str
    email: str
    dnis: str
    subject: str  # only emails show it, on the customer's segment


def customer_contact(rng: random.Random) -> CustomerContact:
    digits = rng.randrange(10**9, 10**10)
    name = rng.choice(_CUSTOMER_NAMES)
    return CustomerContact(
        name=name,
        phone=f"+1{digits}",
        email=f"{name.split()[0].lower()}{digits % 10000}@customer.example.com",
        dnis=f"+1800555{rng.randrange(1000, 10000)}",
        subject=rng.choice(_SUBJECTS),
    )


def customer_session_fields(media: str, contact: CustomerContact, rng: random.Random, queued_ms: int) -> dict:
    """Fields only the customer's session carries, per media type (section 5.3). Callbacks
    are "as soon as possible" ones, scheduled for when they enter the queue, so no timestamp
    lies beyond the conversation's activity."""
    if media == "voice":
        return {"ani": f"tel:{contact.phone}", "dnis": f"tel:{contact.dnis}", "provider": "Edge"}
    if media == "callback":
        return {
            "callbackNumbers": [f"tel:{contact.phone}"],
            "callbackScheduledTime": iso_ms(queued_ms),
            "callbackUserName": contact.name,
            "provider": "PureCloud",
        }
    if media == "chat":
        return {"roomId": f"{rng.getrandbits(64):016x}@conference.example.com", "provider": "PureCloud Webchat"}
    if media == "email":
        return {"addressFrom": contact.email, "addressTo": "support@example.com", "provider": "PureCloud Email"}
    message_type = rng.choice(_MESSAGE_TYPES)
    address = contact.phone if message_type in ("sms", "whatsapp") else contact.name
    return {
        "messageType": message_type,
        "addressFrom": address,
        "addressTo": contact.dnis if message_type == "sms" else "Example Support",
        "provider": "PureCloud Messaging",
    }


def voice_quality(rng: random.Random, end_ms: int) -> dict:
    """A mediaEndpointStats entry; its minMos/minRFactor feed the conversation-level minima."""
    packets = rng.randrange(2_000, 90_000)
    return {
        "codecs": [rng.choice(("audio/opus", "audio/PCMU"))],
        "minMos": round(rng.uniform(3.2, 4.9), 2),
        "minRFactor": round(rng.uniform(70.0, 93.0), 2),
        "maxLatencyMs": rng.randrange(20, 250),
        "receivedPackets": packets,
        "discardedPackets": rng.randrange(0, 20),
        "eventTime": iso_ms(end_ms),
    }


def customer_attributes(rng: random.Random) -> dict[str, str] | None:
    """Participant data set by flows; absent on about half the conversations."""
    if rng.random() >= ATTRIBUTES_SHARE:
        return None
    return {
        "ivr.choice": rng.choice(_IVR_CHOICES),
        "customer.tier": rng.choice(_TIERS),
        "language": rng.choice(_LANGUAGES),
        "crm.caseNumber": str(rng.randrange(10**6, 10**7)),
    }


def surveys(
    rng: random.Random,
    new_id: IdSource,
    end_ms: int,
    queue_id: str,
    user_id: str,
    form_id: str,
    present: bool | None = None,
) -> list[dict] | None:
    """``present`` None draws whether there is one (frozen org); a living org decides it
    with the arrival time."""
    if not (rng.random() < SURVEY_SHARE if present is None else present):
        return None
    score = rng.randrange(0, 11)
    return [
        {
            "surveyId": new_id(),
            "surveyFormId": form_id,
            "surveyFormContextId": form_id,
            "surveyFormName": "Customer Satisfaction",
            "surveyStatus": "Finished",
            "surveyType": rng.choice(("Web", "Voice")),
            "surveyPromoterScore": score,
            "oSurveyTotalScore": score * 10,
            "surveyPartialResponse": False,
            "queueId": queue_id,
            "userId": user_id,
            "eventTime": iso_ms(end_ms),
            "surveyCompletedDate": iso_ms(end_ms),
        }
    ]


def evaluations(
    rng: random.Random,
    new_id: IdSource,
    end_ms: int,
    queue_id: str,
    user_id: str,
    evaluator_id: str,
    form_id: str,
    present: bool | None = None,
) -> list[dict] | None:
    if not (rng.random() < EVALUATION_SHARE if present is None else present):
        return None
    return [
        {
            "evaluationId": new_id(),
            "evaluatorId": evaluator_id,
            "userId": user_id,
            "queueId": queue_id,
            "formId": form_id,
            "formName": "Quality Review",
            "evaluationStatus": rng.choice(("Finished", "InProgress", "Pending")),
            "eventTime": iso_ms(end_ms),
            "released": True,
            "rescored": False,
            "deleted": False,
            "systemSubmitted": False,
            "oTotalScore": rng.randrange(50, 101),
            "oTotalCriticalScore": rng.randrange(80, 101),
        }
    ]
