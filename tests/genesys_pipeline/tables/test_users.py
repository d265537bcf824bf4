"""The agent activity tables against the official SDK's record models: every source key is a
field of the model it is read from, and no column carries a name or other PII."""

from __future__ import annotations

from genesys_pipeline.tables import WAREHOUSE_TABLES
from genesys_pipeline.tables.users import (
    USER_ACTIVITY_TABLES,
    USER_PRESENCE_INTERVALS,
    USER_ROUTING_STATUS_INTERVALS,
)
from tests.support.emulator_api import require_module

PureCloud = require_module("PureCloudPlatformClientV2")


def test_source_keys_are_the_sdk_record_fields():
    for spec, model in (
        (USER_PRESENCE_INTERVALS, PureCloud.AnalyticsUserPresenceRecord),
        (USER_ROUTING_STATUS_INTERVALS, PureCloud.AnalyticsRoutingStatusRecord),
    ):
        wire = set(model().attribute_map.values()) | {"userId"}
        sources = {c.source for c in spec.columns if c.source}
        assert sources <= wire and (wire - {"userId"}) <= sources, spec.name


def test_registered_keyed_and_free_of_names():
    names = {spec.name for spec in WAREHOUSE_TABLES}
    for spec in USER_ACTIVITY_TABLES:
        assert spec.name in names and spec.primary_key
    for spec in USER_ACTIVITY_TABLES[:3]:
        assert not {"name", "user_name", "email", "username"} & set(spec.column_names), spec.name
