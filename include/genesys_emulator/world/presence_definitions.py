"""The org's presence definitions (``GET /api/v2/presence/definitions``).

Every org has one System definition per system presence; this one adds two User definitions
("Lunch" under Meal, "Coaching" under Training) so an organization presence is not always its
system presence's own definition. Analytics records name system presences in upper snake case
(``ON_QUEUE``) while definitions spell them as ``OnQueue``: both spellings are the SDK's.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from genesys_emulator.world.determinism import stable_uuid

# Analytics spelling -> definition spelling (SDK 269 enums of both models).
SYSTEM_PRESENCES = {
    "AVAILABLE": "Available",
    "AWAY": "Away",
    "BUSY": "Busy",
    "OFFLINE": "Offline",
    "IDLE": "Idle",
    "ON_QUEUE": "OnQueue",
    "MEAL": "Meal",
    "TRAINING": "Training",
    "MEETING": "Meeting",
    "BREAK": "Break",
}
_USER_DEFINED = (("Lunch", "MEAL"), ("Coaching", "TRAINING"))


@dataclass(frozen=True)
class PresenceDefinitions:
    """Definition entities plus the lookups the timelines need."""

    entities: list[dict]
    system_id: dict[str, str]  # analytics system presence -> its System definition id
    user_defined_id: dict[str, str]  # analytics system presence -> the User definition under it

    def mappings(self) -> dict[str, list[str]]:
        """systemToOrganizationMappings of the users aggregates response."""
        out: dict[str, list[str]] = {}
        for entity in self.entities:
            analytics = next(k for k, v in SYSTEM_PRESENCES.items() if v == entity["systemPresence"])
            out.setdefault(analytics, []).append(entity["id"])
        return out


def _entity(seed: int, name: str, kind: str, system: str, division_id: str) -> dict:
    definition_id = stable_uuid(f"{seed}:presence:{kind}:{name}")
    return {
        "id": definition_id,
        "name": name,
        "type": kind,
        "languageLabels": {"en_US": name},
        "systemPresence": SYSTEM_PRESENCES[system],
        "divisionId": division_id,
        "deactivated": False,
        "selfUri": f"/api/v2/presence/definitions/{definition_id}",
    }


@lru_cache(maxsize=8)
def presence_definitions(seed: int, home_division_id: str) -> PresenceDefinitions:
    """The definitions of ``seed``'s org, ids derived from the seed."""
    system = [_entity(seed, label, "System", key, home_division_id) for key, label in SYSTEM_PRESENCES.items()]
    user = [_entity(seed, name, "User", key, home_division_id) for name, key in _USER_DEFINED]
    return PresenceDefinitions(
        entities=system + user,
        system_id={key: e["id"] for key, e in zip(SYSTEM_PRESENCES, system, strict=True)},
        user_defined_id={key: e["id"] for (_, key), e in zip(_USER_DEFINED, user, strict=True)},
    )
