"""IdRanks behaves as a dict of 128-bit keys to ranks (the oracle here is a plain dict), through
growth, colliding low bits and overwrites, and costs a fraction of the dict's memory."""

from __future__ import annotations

import random
import tracemalloc

import pytest

from genesys_pipeline.normalize.id_ranks import IdRanks


def test_matches_a_dict_through_growth_collisions_and_overwrites():
    rng = random.Random(7)
    keys = [rng.getrandbits(128) for _ in range(20_000)]
    # same low 64 bits, different high bits: they probe into each other's slots
    keys += [(high << 64) | (keys[0] & (2**64 - 1)) for high in range(1, 50)]
    keys += [0, 2**128 - 1, 2**64, 2**64 - 1]
    ranks, oracle = IdRanks(), {}
    for key in keys:
        assert ranks.get(key) == oracle.get(key)
        rank = rng.choice((0, 1, 2, 2**63 - 1, rng.getrandbits(62)))
        ranks.put(key, rank)
        oracle[key] = rank
    for key in rng.sample(keys, 5_000):  # overwrites keep the size
        oracle[key] = rng.getrandbits(40)
        ranks.put(key, oracle[key])
    assert len(ranks) == len(oracle)
    assert all(ranks.get(key) == rank for key, rank in oracle.items())
    assert all(ranks.get(rng.getrandbits(128)) is None for _ in range(2_000))


def test_rejects_a_negative_rank():
    with pytest.raises(ValueError, match="rank must be >= 0"):
        IdRanks().put(1, -1)


def test_holds_a_day_in_well_under_half_the_memory_of_the_dict_it_replaced():
    rng = random.Random(1)
    count = 50_000
    digests = [rng.getrandbits(128).to_bytes(16, "big") for _ in range(count)]

    def traced(store) -> int:
        tracemalloc.start()
        kept = store()  # keys made inside, as the normalizer makes them: their objects count
        size = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        del kept
        return size

    def as_dict():
        return {int.from_bytes(digest, "big"): 1_700_000_000_000_000 + n for n, digest in enumerate(digests)}

    def as_id_ranks():
        ranks = IdRanks()
        for n, digest in enumerate(digests):
            ranks.put(int.from_bytes(digest, "big"), 1_700_000_000_000_000 + n)
        return ranks

    dict_bytes, compact_bytes = traced(as_dict), traced(as_id_ranks)
    assert compact_bytes < 0.5 * dict_bytes, (compact_bytes, dict_bytes)
    assert compact_bytes < 66 * count  # 24-byte slots, at least 3/8 full
