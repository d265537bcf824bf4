"""PII_COLUMNS, the list the README points to for hashing: every name is a real, configurable column,
and the free-text and address columns a person's data can sit in are on it."""

from __future__ import annotations

import json

from genesys_pipeline.normalize.pii import PII_COLUMNS, PiiConfig, configurable_columns


def test_every_listed_column_is_a_configurable_column():
    columns = {f"{table}.{name}" for table, names in configurable_columns().items() for name in names}
    bare = {name for names in configurable_columns().values() for name in names}
    assert all(name in columns or name in bare for name in PII_COLUMNS)
    PiiConfig.from_json(json.dumps({"hash": list(PII_COLUMNS)}), salt="k")  # a valid config


def test_free_text_and_address_columns_are_listed():
    assert {
        "wrap_up_note",
        "subject",
        "flow_transfer_target_address",
        "flow_transfer_target_name",
        "destination_addresses",
        "journey_customer_id",
        "video_address_self",
        "screen_share_address_self",
    } <= set(PII_COLUMNS)
