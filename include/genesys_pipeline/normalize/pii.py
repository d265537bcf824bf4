"""Field projection and PII protection, configured as JSON (an Airflow Variable or DAG param).

``{"drop": ["ani", "sessions.dnis"], "hash": ["participant_name"]}``. A name is either a bare
column (applies to every table that has it) or ``table.column``. Dropped columns stay in the
schema and are loaded as NULL, so the table shape never depends on the configuration; hashed
columns hold the hex HMAC-SHA256 of the value keyed with the salt. The salt is a secret (with
it, a phone number's digest can be brute-forced): it is not part of this JSON, which anyone
who can read Variables sees, but comes from the secret-named Variable ``genesys_pii_secret``,
which Airflow masks in logs. Key columns (ids,
list positions, ``_extracted_at``, ``_run_id``) cannot be dropped or hashed: the loader
needs them. The default (no configuration) keeps everything unchanged.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from genesys_pipeline.tables import CONVERSATION_TABLES, TableSpec

Transform = Callable[[Any], Any]
# Airflow masks the values of Variables whose name contains "secret".
SECRET_VARIABLE = "genesys_pii_secret"

# Columns that identify people; the README points here when it shows how to hash them.
# flow_entry_reason holds the dialed number (the DNIS, "tel:+1...") for voice flows.
PII_COLUMNS = (
    "ani",
    "dnis",
    "session_dnis",
    "participant_name",
    "address_from",
    "address_to",
    "address_self",
    "address_other",
    "cc",
    "bcc",
    "callback_numbers",
    "callback_user_name",
    "remote",
    "remote_name_displayable",
    "flow_entry_reason",
    "flow_transfer_target_address",  # where a flow transferred the caller: a number or an address
    "flow_transfer_target_name",
    "destination_addresses",
    "journey_customer_id",  # the web visitor's own id (a cookie or an external id)
    "journey_customer_session_id",
    "video_address_self",
    "screen_share_address_self",
    "wrap_up_note",  # free text an agent types: names, numbers, anything
    "subject",  # an email's or message's subject line
    "participant_attributes.value",
)


TABLES = {spec.name: spec for spec in CONVERSATION_TABLES}


def _protected(spec: TableSpec) -> set[str]:
    return set(spec.primary_key) | {"conversation_id", "participant_id", "session_id", "_extracted_at", "_run_id"}


def configurable_columns() -> dict[str, set[str]]:
    """table -> columns a config may drop or hash."""
    return {spec.name: set(spec.column_names) - _protected(spec) for spec in CONVERSATION_TABLES}


@dataclass(frozen=True)
class PiiConfig:
    drop: tuple[str, ...] = ()
    hash: tuple[str, ...] = ()
    salt: str = field(default="", repr=False)  # the HMAC key, from SECRET_VARIABLE

    def __post_init__(self) -> None:
        allowed = configurable_columns()
        for name in (*self.drop, *self.hash):
            if not _resolve(name, allowed):
                choices = sorted({c for cols in allowed.values() for c in cols})
                raise ValueError(
                    f"unknown column {name!r} in PII config; allowed: {', '.join(choices)} (or table.column)"
                )
        if self.hash and not self.salt:
            raise ValueError(
                f"PII config hashes columns but the Variable {SECRET_VARIABLE} (the hashing key) is not set"
            )

    @classmethod
    def from_json(cls, text: str | bytes | None, salt: str = "") -> PiiConfig:
        """The config from its JSON, with the hashing key (``salt``) read from the secret Variable."""
        body = orjson.loads(text or b"{}")
        if not isinstance(body, dict):
            raise ValueError("PII config must be a JSON object with 'drop' and 'hash'")
        if "salt" in body:
            raise ValueError(
                f"PII config key 'salt' is no longer read from this JSON (a Variable anyone with UI "
                f"access sees): move its value to the Variable {SECRET_VARIABLE} (docs/operations.md)"
            )
        unknown = set(body) - {"drop", "hash"}
        if unknown:
            raise ValueError(f"unknown PII config keys {sorted(unknown)}; allowed: drop, hash")
        return cls(drop=tuple(body.get("drop", ())), hash=tuple(body.get("hash", ())), salt=salt)

    @property
    def key_id(self) -> str:
        """Names the hashing key without revealing it (a digest of it), for what records the settings."""
        if not self.salt:
            return ""
        return hmac.new(self.salt.encode(), b"genesys-pii-key-id", hashlib.sha256).hexdigest()[:16]

    def transforms(self) -> dict[str, list[tuple[int, Transform]]]:
        """table -> (column position, transform) pairs; empty when nothing is configured."""
        allowed = configurable_columns()
        hasher = _hmac_sha256(self.salt)
        plan: dict[str, dict[int, Transform]] = {}
        for names, transform in ((self.hash, hasher), (self.drop, _to_null)):  # drop wins over hash
            for table, column in (pair for name in names for pair in _resolve(name, allowed)):
                position = TABLES[table].column_names.index(column)
                plan.setdefault(table, {})[position] = transform
        return {table: sorted(ops.items()) for table, ops in plan.items()}

    def redact_record(self, record: Any) -> Any:
        """A raw record (as quarantined in rejects) with the config applied by JSON key.

        A reject failed normalization, so its shape cannot be trusted to map keys to columns:
        every key anywhere in the record that feeds a dropped or hashed column is nulled or
        hashed, at any level (over-applying is the safe direction). Objects and lists under
        such a key are hashed as their JSON text."""
        keys = self._json_keys()
        if not keys:
            return record
        return _redact(record, keys)

    def _json_keys(self) -> dict[str, Transform]:
        """JSON key -> transform; ``attributes`` maps to a transform of each attribute value."""
        allowed = configurable_columns()
        hasher = _hmac_sha256(self.salt) if self.hash else _to_null
        keys: dict[str, Transform] = {}
        for names, transform in ((self.hash, hasher), (self.drop, _to_null)):  # drop wins over hash
            for table, column in (pair for name in names for pair in _resolve(name, allowed)):
                if (table, column) == ("participant_attributes", "value"):
                    keys["attributes"] = _each_value(transform)
                    continue
                source = next(c.source for c in TABLES[table].columns if c.name == column)
                if source:
                    keys[source] = transform
        return keys


def _each_value(transform: Transform) -> Transform:
    def apply(attributes: Any) -> Any:
        if not isinstance(attributes, dict):
            return transform(attributes)
        return {name: transform(value) for name, value in attributes.items()}

    return apply


def _redact(node: Any, keys: dict[str, Transform]) -> Any:
    if isinstance(node, list):
        return [_redact(item, keys) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        transform = keys.get(key)
        if transform is None:
            out[key] = _redact(value, keys)
        elif isinstance(value, (dict, list)) and key != "attributes":
            out[key] = transform(orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode())
        else:
            out[key] = transform(value)
    return out


def _resolve(name: str, allowed: dict[str, set[str]]) -> list[tuple[str, str]]:
    table, _, column = name.rpartition(".")
    if table:
        return [(table, column)] if column in allowed.get(table, ()) else []
    return [(t, column) for t, cols in allowed.items() if column in cols]


def _to_null(_: Any) -> None:
    return None


def _hmac_sha256(key: str) -> Transform:
    keyed = hmac.new(key.encode(), digestmod=hashlib.sha256)

    def digest(value: Any) -> str | None:
        if value is None:
            return None
        mac = keyed.copy()
        mac.update(str(value).encode())
        return mac.hexdigest()

    return digest


def apply_transforms(rows: Iterable[tuple], ops: list[tuple[int, Transform]]) -> list[tuple]:
    out = []
    for row in rows:
        values = list(row)
        for position, transform in ops:
            values[position] = transform(values[position])
        out.append(tuple(values))
    return out
