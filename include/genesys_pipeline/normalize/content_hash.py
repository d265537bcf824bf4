"""A stable digest of one raw conversation record, so a re-extraction rewrites only what changed.

Genesys records have no ``updatedAt``; the only way to know a conversation changed is to
compare its content. The digest is BLAKE2b-128 over canonical JSON (orjson with sorted keys at
every level), so key order, whitespace and page boundaries do not matter, while any changed
value, added evaluation or moved ``conversationEnd`` does. A *context* is hashed first: the
schema version and the PII settings, because the same record stored under a new column layout
or another PII config is different warehouse content and must be rewritten once.

A conversation's digest (:func:`conversation_hash`) is two digests side by side: the record
without its participants' ``attributes`` maps, then those maps alone. Genesys's multi-get serves
records without attributes (``AnalyticsConversationWithoutAttributes``, fact sheet §3.5), so a
load from it compares only the first half and keeps the stored second half with the stored
``participant_attributes`` rows (:mod:`genesys_pipeline.warehouse.write.merge`): a record that
differs only by its missing attributes is unchanged, and so is the next details-job read that
brings the same attributes back.
"""

from __future__ import annotations

from hashlib import blake2b
from typing import Any

import orjson

from genesys_pipeline.normalize.pii import PiiConfig
from genesys_pipeline.tables import SCHEMA_VERSION

DIGEST_BYTES = 16


def hash_context(pii: PiiConfig | None) -> bytes:
    """What besides the record decides the stored rows: schema version and PII handling."""
    settings = None
    if pii is not None and (pii.drop or pii.hash):  # an empty config is no config
        # The key enters as its id only: the secret itself is never part of anything derived and stored.
        settings = [sorted(pii.drop), sorted(pii.hash), pii.key_id if pii.hash else ""]
    return orjson.dumps({"schema": SCHEMA_VERSION, "pii": settings}, option=orjson.OPT_SORT_KEYS)


def content_hash(record: Any, context: bytes = b"") -> str:
    """Hex digest of ``record``'s canonical JSON, prefixed by ``context``."""
    digest = blake2b(context, digest_size=DIGEST_BYTES)
    digest.update(orjson.dumps(record, option=orjson.OPT_SORT_KEYS))
    return digest.hexdigest()


ATTRIBUTES_KEY = "attributes"
PART_CHARS = DIGEST_BYTES * 2  # hex characters of one half of a conversation hash


def conversation_hash(conversation: dict, context: bytes = b"", attributes: bool = True) -> str:
    """The record half (``conversation`` without any participant's ``attributes``) followed by the
    attributes half (participant id -> its non-empty ``attributes`` map, the rows those maps give).
    ``attributes=False``: the source carries none, so the second half is that of no attributes."""
    participants = conversation.get("participants") or ()
    if not any(ATTRIBUTES_KEY in part for part in participants):
        return content_hash(conversation, context) + content_hash({}, context)
    stripped = [{k: v for k, v in part.items() if k != ATTRIBUTES_KEY} for part in participants]
    record = content_hash({**conversation, "participants": stripped}, context)
    if not attributes:
        return record + content_hash({}, context)
    # str(): a record without a participant id still hashes (the normalizer then rejects it, saying why)
    maps = {str(part.get("participantId")): part[ATTRIBUTES_KEY] for part in participants if part.get(ATTRIBUTES_KEY)}
    return record + content_hash(maps, context)


def record_part(digest: str | None) -> str | None:
    """The record half of a stored conversation hash; None for one that has no two halves (loaded
    before they existed, or edited by hand): it matches nothing, so the conversation is rewritten."""
    return digest[:PART_CHARS] if digest is not None and len(digest) == 2 * PART_CHARS else None


def with_stored_attributes(digest: str, stored: str | None) -> str:
    """``digest``'s record half with ``stored``'s attributes half: the hash of a conversation rewritten from
    a source without attributes, whose stored attributes stay. A stored hash without halves gives the
    record half alone, which no later read matches, so the next details job rewrites the conversation."""
    kept = stored[PART_CHARS:] if stored is not None and record_part(stored) is not None else ""
    return digest[:PART_CHARS] + kept
