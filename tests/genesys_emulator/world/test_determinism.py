"""The generator's determinism: same seed, same bytes, whatever the order or the process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta

import orjson

from genesys_emulator.world.generator import DataGenerator
from tests.genesys_emulator.world.generated_day import DAY, all_sessions


def test_same_seed_gives_byte_identical_records_regardless_of_generation_order():
    forward, backward = DataGenerator(7, 300), DataGenerator(7, 300)
    days = [DAY, DAY + timedelta(days=1)]
    wanted = [(day, index) for day in days for index in range(0, 300, 3)]
    first = {key: orjson.dumps(forward.conversation(*key)) for key in wanted}
    second = {key: orjson.dumps(backward.conversation(*key)) for key in reversed(wanted)}
    assert first == second
    assert orjson.dumps(forward.reference_data().users) == orjson.dumps(backward.reference_data().users)


_DIGEST_SCRIPT = """
import hashlib, orjson
from datetime import date
from genesys_emulator.world.generator import DataGenerator
generator = DataGenerator(11, 200)
digest = hashlib.sha256()
for index in range(200):
    digest.update(orjson.dumps(generator.conversation(date(2024, 5, 1), index)))
print(digest.hexdigest())
"""


def test_output_does_not_depend_on_the_process_hash_seed():
    """Guards against set/dict iteration order or hash() leaking into the data."""
    digests = {
        subprocess.run(
            [sys.executable, "-c", _DIGEST_SCRIPT],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        ).stdout
        for hash_seed in ("1", "2")
    }
    assert len(digests) == 1 and len(digests.pop().strip()) == 64


def test_different_seeds_give_different_data():
    one, other = DataGenerator(1, 50), DataGenerator(2, 50)
    assert one.day_skeleton(DAY).ids != other.day_skeleton(DAY).ids
    assert one.day_skeleton(DAY).starts_ms != other.day_skeleton(DAY).starts_ms
    assert orjson.dumps(one.conversation(DAY, 0)) != orjson.dumps(other.conversation(DAY, 0))
    assert one.reference_data().queues[0]["id"] != other.reference_data().queues[0]["id"]


def test_ids_are_unique_uuids(day_records: list[dict]):
    ids = [r["conversationId"] for r in day_records]
    ids += [p["participantId"] for r in day_records for p in r["participants"]]
    ids += [s["sessionId"] for r in day_records for _, s in all_sessions(r)]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", i) for i in ids)
