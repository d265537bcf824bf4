"""A stable digest of one raw conversation record, so a re-extraction rewrites only what changed.

Genesys records have no ``updatedAt``; the only way to know a conversation changed is to
compare its content. The digest is BLAKE2b-128 over canonical JSON (orjson with sorted keys at
every level), so key order, whitespace and page boundaries do not matter, while any changed
value, added evaluation or moved ``conversationEnd`` does. A *context* is hashed first: the
schema version and the PII settings, because the same record stored under a new column layout
or another PII config is different warehouse content and must be rewritten once.
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
