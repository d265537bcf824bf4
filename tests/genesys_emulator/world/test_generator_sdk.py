"""Generated records, one of every shape, read by the official Genesys SDK without loss:
no unknown key dropped, no enum value the SDK does not know, no required field missing."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest

from genesys_emulator.world.evolution import EvolutionSettings
from genesys_emulator.world.generator import DataGenerator, without_attributes
from genesys_emulator.world.records import ConversationAssembler, ConversationSlot
from tests.support.emulator_api import require_module
from tests.support.sdk_audit import audit, dropped_keys

PureCloud = require_module("PureCloudPlatformClientV2")
DAY = date(2024, 5, 1)


class _JsonResponse:
    """The two things ``ApiClient.deserialize`` reads from an HTTP response."""

    def __init__(self, body: dict) -> None:
        self.data = json.dumps(body)

    def getheader(self, name: str) -> str:
        return "application/json"


def _shape(record: dict) -> tuple:
    purposes = tuple(p["purpose"] for p in record["participants"])
    media = record["participants"][0]["sessions"][0]["mediaType"]
    segment_types = frozenset(
        s["segmentType"] for p in record["participants"] for session in p["sessions"] for s in session["segments"]
    )
    extras = tuple(key in record for key in ("conversationEnd", "surveys", "evaluations"))
    has_attributes = any("attributes" in p for p in record["participants"])
    return purposes, media, segment_types, extras, has_attributes


def _one_record_per_shape() -> list[dict]:
    generator = DataGenerator(seed=42, conversations_per_day=2000)
    shapes: dict[tuple, dict] = {}
    for index in range(generator.conversations_per_day):
        record = generator.conversation(DAY, index)
        shapes.setdefault(_shape(record), record)
    assembler = ConversationAssembler(42, generator.reference_data())
    for index in range(40):  # ongoing outbound calls are too rare to rely on sampling
        slot = ConversationSlot(
            DAY, index, f"forced-{index}", 1_714_557_600_000, 1_714_557_900_000, "voice", ongoing=True
        )
        record = assembler.build(slot)
        shapes.setdefault(_shape(record), record)
    return list(shapes.values())


@pytest.fixture(scope="module")
def sdk_client():
    return PureCloud.ApiClient()


def _living_states() -> list[dict]:
    """A living org's in-between states: mid-conversation, between a thread's two lives,
    during and after its re-open, and before a wrap-up correction."""
    generator = DataGenerator(seed=42, conversations_per_day=2000, evolution=EvolutionSettings())
    evolution = generator.day_evolution(DAY)
    records = []
    for index in range(200):
        middle = (int(evolution.starts[index]) + int(evolution.first_end[index])) // 2
        records.append(generator.conversation(DAY, index, middle))
    for index in np.flatnonzero(evolution.reopen_start)[:10].tolist():
        again, again_end = int(evolution.reopen_start[index]), int(evolution.reopen_end[index])
        records += [generator.conversation(DAY, index, t) for t in (again - 1, (again + again_end) // 2, again_end)]
    for index in np.flatnonzero(evolution.wrapup_fixed_at)[:10].tolist():
        records.append(generator.conversation(DAY, index, int(evolution.wrapup_fixed_at[index]) - 1))
    assert any("conversationEnd" not in r for r in records)
    return records


def test_every_record_shape_survives_the_sdk(sdk_client):
    records = _one_record_per_shape()
    assert len(records) > 20
    _assert_survive(sdk_client, records)


def test_every_living_org_state_survives_the_sdk(sdk_client):
    _assert_survive(sdk_client, _living_states())


def _assert_survive(sdk_client, records: list[dict]) -> None:
    for record in records:
        full = sdk_client.deserialize(_JsonResponse(record), "AnalyticsConversation")
        assert audit(full) == [], record["conversationId"]
        assert dropped_keys(record, full, sdk_client) == set(), record["conversationId"]
        lean = without_attributes(record)
        plain = sdk_client.deserialize(_JsonResponse(lean), "AnalyticsConversationWithoutAttributes")
        assert audit(plain) == [], record["conversationId"]
        assert dropped_keys(lean, plain, sdk_client) == set(), record["conversationId"]
