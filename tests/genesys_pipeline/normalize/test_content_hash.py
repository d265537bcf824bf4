"""The content hash of a raw record: canonical JSON under a context that changes with the PII settings."""

from __future__ import annotations

import hashlib
import json

from genesys_pipeline.normalize.content_hash import content_hash, hash_context
from genesys_pipeline.normalize.pii import PiiConfig


def test_the_hash_is_canonical_json_under_a_context():
    record = {"b": [1, {"y": 2, "x": "é"}], "a": None}
    reordered = {"a": None, "b": [1, {"x": "é", "y": 2}]}
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    expected = hashlib.blake2b(b"ctx" + canonical, digest_size=16).hexdigest()  # independent recomputation
    assert content_hash(record, b"ctx") == content_hash(reordered, b"ctx") == expected
    assert content_hash({**record, "a": 0}, b"ctx") != expected
    assert content_hash(record, b"other") != expected


def test_pii_settings_that_change_rows_change_the_context():
    assert hash_context(None) == hash_context(PiiConfig()) == hash_context(PiiConfig.from_json("{}"))
    dropping = hash_context(PiiConfig.from_json('{"drop": ["ani"]}'))
    assert dropping != hash_context(None)
    salted = [hash_context(PiiConfig.from_json('{"hash": ["ani"]}', salt=salt)) for salt in ("key-a", "key-b")]
    assert salted[0] != salted[1] != dropping
    assert all(b"key-a" not in context and b"key-b" not in context for context in salted)  # only a key id
