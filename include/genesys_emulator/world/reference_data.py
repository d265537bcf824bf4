"""The organisation the emulator pretends to be: divisions, queues, users, wrap-up codes, flows.

Entities are shaped exactly as the lookup endpoints return them (section 7 of the API fact
sheet), so the HTTP layer can page over these lists without reshaping. Ids are derived from
the seed, so every id a generated conversation mentions resolves through a lookup.
"""

from __future__ import annotations

from dataclasses import dataclass

from genesys_emulator.world.determinism import keyed_rng, stable_uuid

_DIVISIONS = ("Home", "Retail", "Business")
_QUEUES = (
    "Billing",
    "Technical Support",
    "Sales",
    "Retentions",
    "Collections",
    "Claims",
    "Onboarding",
    "VIP Care",
    "Returns",
    "Appointments",
    "Fraud",
    "General Enquiries",
)
_WRAPUP_CODES = (
    "Resolved",
    "Escalated",
    "Callback Scheduled",
    "Billing Question",
    "Payment Taken",
    "Refund Issued",
    "Technical Fix",
    "Password Reset",
    "Order Placed",
    "Order Cancelled",
    "Complaint",
    "Information Only",
    "Transferred",
    "Wrong Number",
    "No Answer",
    "Follow-up Required",
    "Upsell",
    "Address Change",
    "Fraud Reported",
    "Other",
)
_FIRST_NAMES = (
    "Ava",
    "Ben",
    "Chloe",
    "Dev",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kira",
    "Liam",
    "Maya",
    "Nils",
    "Olga",
    "Pedro",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Umar",
    "Vera",
    "Wade",
    "Xin",
    "Yara",
    "Zane",
)
_LAST_NAMES = (
    "Adams",
    "Brooks",
    "Costa",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Moreau",
    "Novak",
    "Okafor",
    "Patel",
    "Rossi",
    "Silva",
)
_TITLES = ("Agent", "Senior Agent", "Team Lead", "Specialist")
_USER_STATES = ("active",) * 40 + ("inactive",) * 6 + ("deleted",) * 4
_CREATED = "2023-01-15T09:00:00.000Z"
_MODIFIED = "2024-02-01T12:30:00.000Z"
# Flows are not a lookup endpoint; conversations need stable ids and names for them.
_FLOWS = (
    ("Main IVR", "INBOUNDCALL", "voice"),
    ("Callback Flow", "INBOUNDCALL", "callback"),
    ("Web Chat Flow", "INBOUNDCHAT", "chat"),
    ("Email Routing", "INBOUNDEMAIL", "email"),
    ("Messaging Flow", "INBOUNDSHORTMESSAGE", "message"),
)
_FLOW_OUTCOMES = ("Customer Identified", "Self Service Completed", "Language Selected")


@dataclass(frozen=True)
class ReferenceData:
    """Lookup entities in endpoint order (sorted by name, as the list endpoints sort)."""

    divisions: list[dict]
    queues: list[dict]
    users: list[dict]
    wrapup_codes: list[dict]
    flows: dict[str, dict]  # mediaType -> {id, name, type}
    # Ids that conversations mention but no lookup endpoint lists.
    flow_outcomes: list[dict]  # {id, name}
    edge_ids: list[str]
    survey_form_id: str
    evaluation_form_id: str


def _division_ref(division: dict) -> dict:
    return {"id": division["id"], "name": division["name"], "selfUri": division["selfUri"]}


def _divisions(seed: int) -> list[dict]:
    divisions = []
    for position, name in enumerate(_DIVISIONS):
        division_id = stable_uuid(f"{seed}:division:{name}")
        divisions.append(
            {
                "id": division_id,
                "name": name,
                "description": f"{name} division",
                "homeDivision": position == 0,
                "selfUri": f"/api/v2/authorization/divisions/{division_id}",
            }
        )
    return divisions


def _queues(seed: int, divisions: list[dict]) -> list[dict]:
    queues = []
    for position, name in enumerate(_QUEUES):
        queue_id = stable_uuid(f"{seed}:queue:{name}")
        queues.append(
            {
                "id": queue_id,
                "name": name,
                "division": _division_ref(divisions[position % len(divisions)]),
                "description": f"{name} queue",
                "dateCreated": _CREATED,
                "dateModified": _MODIFIED,
                "memberCount": 4 + position % 7,
                "mediaSettings": {
                    media: {
                        "alertingTimeoutSeconds": 8 if media == "call" else 30,
                        "serviceLevel": {"percentage": 0.8, "durationMs": 20000},
                    }
                    for media in ("call", "callback", "chat", "email", "message")
                },
                "selfUri": f"/api/v2/routing/queues/{queue_id}",
            }
        )
    return queues


def _users(seed: int, divisions: list[dict]) -> list[dict]:
    rng = keyed_rng(f"{seed}:users")
    users = []
    for position, state in enumerate(_USER_STATES):
        first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
        user_id = stable_uuid(f"{seed}:user:{position}")
        username = f"{first}.{last}{position}@example.com".lower()
        users.append(
            {
                "id": user_id,
                "name": f"{first} {last}",
                "division": _division_ref(divisions[position % len(divisions)]),
                "email": username,
                "username": username,
                "state": state,
                "title": _TITLES[position % len(_TITLES)],
                "department": "Customer Care",
                "version": 1 + position % 3,
                "selfUri": f"/api/v2/users/{user_id}",
            }
        )
    return users


def _wrapup_codes(seed: int, divisions: list[dict]) -> list[dict]:
    codes = []
    for position, name in enumerate(_WRAPUP_CODES):
        code_id = stable_uuid(f"{seed}:wrapup:{name}")
        codes.append(
            {
                "id": code_id,
                "name": name,
                "division": _division_ref(divisions[position % len(divisions)]),
                "description": f"Wrap-up: {name}",
                "dateCreated": _CREATED,
                "dateModified": _MODIFIED,
                "createdBy": "system",
                "modifiedBy": "system",
                "selfUri": f"/api/v2/routing/wrapupcodes/{code_id}",
            }
        )
    return codes


def build_reference_data(seed: int) -> ReferenceData:
    """Build the whole organisation for ``seed``; cheap, so callers may cache or rebuild."""
    divisions = _divisions(seed)
    flows = {
        media: {"id": stable_uuid(f"{seed}:flow:{name}"), "name": name, "type": flow_type}
        for name, flow_type, media in _FLOWS
    }

    def by_name(entities: list[dict]) -> list[dict]:
        return sorted(entities, key=lambda entity: (entity["name"], entity["id"]))

    return ReferenceData(
        divisions=by_name(divisions),
        queues=by_name(_queues(seed, divisions)),
        users=by_name(_users(seed, divisions)),
        wrapup_codes=by_name(_wrapup_codes(seed, divisions)),
        flows=flows,
        flow_outcomes=[{"id": stable_uuid(f"{seed}:outcome:{name}"), "name": name} for name in _FLOW_OUTCOMES],
        edge_ids=[stable_uuid(f"{seed}:edge:{n}") for n in range(2)],
        survey_form_id=stable_uuid(f"{seed}:survey-form"),
        evaluation_form_id=stable_uuid(f"{seed}:evaluation-form"),
    )
