"""The content hash of a raw record: canonical JSON under a context that changes with the PII settings."""

from __future__ import annotations

import hashlib
import json

from genesys_pipeline.normalize.content_hash import (
    content_hash,
    conversation_hash,
    hash_context,
    record_part,
    with_stored_attributes,
)
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


def _digest(value, context: bytes) -> str:
    """BLAKE2b-128 of canonical JSON, recomputed with the standard library."""
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hashlib.blake2b(context + canonical, digest_size=16).hexdigest()


def test_a_conversation_hash_is_the_record_without_attributes_then_the_attributes():
    customer = {"participantId": "p-1", "purpose": "customer", "attributes": {"tier": "gold"}}
    agent = {"participantId": "p-2", "purpose": "agent", "attributes": {}}
    record = {"conversationId": "c-1", "participants": [customer, agent]}
    multiget = {"conversationId": "c-1", "participants": [{"participantId": "p-1", "purpose": "customer"}, agent]}
    bare = {"conversationId": "c-1", "participants": [{"participantId": "p-1", "purpose": "customer"}, {**agent}]}
    del bare["participants"][1]["attributes"]

    with_attributes = conversation_hash(record, b"ctx")
    assert with_attributes == _digest(bare, b"ctx") + _digest({"p-1": {"tier": "gold"}}, b"ctx")
    assert conversation_hash(multiget, b"ctx") == _digest(bare, b"ctx") + _digest({}, b"ctx")
    assert conversation_hash(record, b"ctx", attributes=False) == conversation_hash(multiget, b"ctx")
    assert record_part(with_attributes) == record_part(conversation_hash(multiget, b"ctx")) == _digest(bare, b"ctx")
    other = {**record, "participants": [{**customer, "attributes": {"tier": "silver"}}, agent]}
    assert record_part(conversation_hash(other, b"ctx")) == record_part(with_attributes)
    assert conversation_hash(other, b"ctx") != with_attributes


def test_a_rewrite_without_attributes_keeps_the_stored_attributes_half():
    stored = _digest({"a": 1}, b"") + _digest({"p-1": {"x": "1"}}, b"")
    fetched = _digest({"a": 2}, b"") + _digest({}, b"")
    assert with_stored_attributes(fetched, stored) == _digest({"a": 2}, b"") + _digest({"p-1": {"x": "1"}}, b"")
    # a hash without two halves (older rows, a hand edit) matches nothing and keeps nothing
    assert record_part("tampered") is None and record_part(None) is None
    assert with_stored_attributes(fetched, "tampered") == _digest({"a": 2}, b"")
