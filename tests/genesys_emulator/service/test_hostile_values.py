"""The hostile-values mode over real HTTP: the chosen share of records carry one hostile value
each, every kind occurs, the same records every read; the rest are served without it."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from genesys_emulator.service.hostile_values import HOSTILE_KINDS, HostileValues
from tests.support.emulator_api import ApiClient, day_interval


def is_hostile(record: dict) -> bool:
    """Recomputed from the served record: the canary anywhere, or 2^63 in a session."""
    sessions = [s for p in record.get("participants") or () for s in p.get("sessions") or ()]
    return "Zebulon" in json.dumps(record) or any(s.get("routingRing") == 1 << 63 for s in sessions)


def test_a_share_of_records_carry_one_hostile_value_each(emulator, api: ApiClient):
    interval = day_interval()
    emulator.control.add_fault("*", "hostile_values", rate=0.05, canary="Zebulon", big_chars=1000)
    served = {c["conversationId"]: c for p in api.all_results(api.submit_job(interval)) for c in p}
    changed = {cid for cid, record in served.items() if is_hostile(record)}
    assert 0.02 * len(served) < len(changed) < 0.10 * len(served)
    mode = HostileValues(0.05, "Zebulon", 1000)
    assert changed == {cid for cid in served if mode.kind_of(cid) is not None}
    assert Counter(mode.kind_of(cid) for cid in changed).keys() == set(HOSTILE_KINDS)
    again = {c["conversationId"] for p in api.all_results(api.submit_job(interval)) for c in p if is_hostile(c)}
    assert again == changed
    by_kind = {mode.kind_of(cid): served[cid] for cid in changed}
    assert "\x00" in by_kind["nul_in_text"]["participants"][0]["participantName"]
    assert by_kind["int_2_63"]["participants"][0]["sessions"][0]["routingRing"] == 1 << 63
    assert len(by_kind["huge_text"]["participants"][0]["attributes"]["note"]) == len("Zebulon") + 1000


def test_a_rate_outside_the_unit_interval_is_refused(emulator):
    with pytest.raises(Exception, match="rate"):
        emulator.control.add_fault("*", "hostile_values", rate=1.5)
