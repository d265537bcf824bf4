"""Streaming normalizer: raw Genesys result pages -> typed row tuples per warehouse table.

One page in, one :class:`TableBatch` out, so memory follows the page size, not the day's. The
flattener is a tight loop over the parsed JSON building tuples in the column order of
:mod:`genesys_pipeline.tables` (``map(record.get, keys)`` does the per-field work in C); the
garbage collector is paused per page because the loop allocates many small objects that are
never cyclic. Output is deterministic: the same pages give byte-identical rows.

Duplicates of a conversation within one extraction (sync paging can repeat records, async
windows overlap) collapse to one copy: the most complete one (the latest ``conversationEnd``,
an ongoing copy losing to an ended one), the last one on a tie. A copy that wins over one
emitted by an earlier page is flagged in ``TableBatch.replaces`` so the loader swaps it.

Remembering every conversation of the extraction is the one thing that grows with the day, so
it is kept small (32 to 64 bytes a conversation, flat arrays in :mod:`.id_ranks`, instead of a
dict's 128): the key is a 128-bit BLAKE2b digest of the id, the value the copy's end time as
integer microseconds. A digest collision would merge two conversations; among 10^9 ids its probability is below
10^-20, far under the odds of a hardware error, so no full id is kept to check it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from hashlib import blake2b
from typing import Any

import orjson

from genesys_pipeline import tables
from genesys_pipeline.normalize.content_hash import conversation_hash, hash_context
from genesys_pipeline.normalize.drift import KNOWN_KEYS, DriftCounter
from genesys_pipeline.normalize.id_ranks import IdRanks
from genesys_pipeline.normalize.pii import PiiConfig, apply_transforms
from genesys_pipeline.normalize.table_rows import Rows
from genesys_pipeline.normalize.value_fit import ColumnFit, timestamp_problem
from genesys_pipeline.staging.rejects import RejectedRecord, RejectSink

TABLE_NAMES = tuple(spec.name for spec in tables.CONVERSATION_TABLES)


@dataclass
class TableBatch:
    """Rows of one page: ``rows[table]`` is a list of tuples in that table's column order (or, from the
    normalize worker, those rows already encoded as COPY text: :func:`.worker.encode_batch`)."""

    rows: Mapping[str, Rows]
    conversation_ids: list[str]
    replaces: frozenset[str] = frozenset()  # ids an earlier batch of the same extraction emitted


@dataclass
class NormalizeResult:
    pages: int = 0
    conversations: int = 0
    duplicates_collapsed: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    drift: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLE_NAMES, 0))


def format_timestamp(value: datetime | str) -> str:
    """Fixed-width UTC ISO-8601 with microseconds, so text comparison orders correctly (SQLite)."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    if moment.tzinfo is None:
        raise ValueError(f"extracted_at {value!r} has no time zone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json_text(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


class _JsonColumns:
    """The JSON-text columns of one level. Most records carry none of them, so a single
    C-level ``isdisjoint`` test usually replaces a dozen per-key conversions."""

    def __init__(self, keys: tuple[str, ...]) -> None:
        self.keys = keys
        self.key_set = frozenset(keys)
        self.absent = (None,) * len(keys)

    def values(self, record: dict) -> tuple:
        if record.keys().isdisjoint(self.key_set):
            return self.absent
        return tuple(map(_json_text, map(record.get, self.keys)))


def _require(record: dict, key: str) -> Any:
    value = record.get(key)
    if not value:
        raise RejectedRecord(f"missing {key}")
    return value


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_UNREADABLE_END = 0  # an end that is no timestamp: the copy is quarantined, so it loses to every other
_ONGOING = 1


def _rank(record: dict) -> int:
    """Completeness order of two copies of one conversation: ended beats ongoing, later end wins,
    a copy whose end cannot be stored (value_fit quarantines it) loses to both. An int
    (microseconds since the epoch) because every conversation's rank is remembered."""
    end = record.get("conversationEnd")
    if end is None:
        return _ONGOING
    if end.__class__ is not str or timestamp_problem(end):
        return _UNREADABLE_END
    moment = datetime.fromisoformat(end)
    return max((moment - _EPOCH) // _MICROSECOND, _ONGOING + 1)


def _id_key(cid: str) -> int:
    """A conversation id as a 128-bit int: 48 bytes against 85 for the 36-character str."""
    return int.from_bytes(blake2b(cid.encode(), digest_size=16).digest(), "big")


def _level(fields: dict[str, tables.ColumnType]) -> tuple[tuple[str, ...], _JsonColumns]:
    scalars, lists = tables.layout(fields)
    return scalars, _JsonColumns(lists)


# Per record level: the scalar JSON keys (copied as they are, in column order) and the list-valued
# ones (serialized to JSON text).
_CONVERSATION_SCALARS, _CONVERSATION_JSON = _level(tables.CONVERSATION_FIELDS)
_PARTICIPANT_SCALARS, _PARTICIPANT_JSON = _level(tables.PARTICIPANT_FIELDS)
_SESSION_SCALARS, _SESSION_JSON = _level(tables.SESSION_FIELDS)
_FLOW_SCALARS, _ = tables.layout(tables.FLOW_FIELDS)
_SEGMENT_SCALARS, _SEGMENT_JSON = _level(tables.SEGMENT_FIELDS)
_FLOW_OUTCOME_SCALARS, _ = tables.layout(tables.FLOW_OUTCOME_FIELDS)
_METRIC_SCALARS, _ = tables.layout(tables.METRIC_FIELDS)
_CHILD_LISTS = (  # conversation-level lists: (JSON key, drift level, table, keys)
    ("evaluations", "evaluation", "conversation_evaluations", tables.layout(tables.EVALUATION_FIELDS)[0]),
    ("surveys", "survey", "conversation_surveys", tables.layout(tables.SURVEY_FIELDS)[0]),
    ("resolutions", "resolution", "conversation_resolutions", tables.layout(tables.RESOLUTION_FIELDS)[0]),
)
_NO_FLOW = dict.fromkeys(_FLOW_SCALARS)
_FIT = ColumnFit(tables.CONVERSATION_TABLES)
_CONVERSATION_ID = {spec.name: spec.column_names.index("conversation_id") for spec in tables.CONVERSATION_TABLES}


class Normalizer:
    """Normalizes the pages of one extraction; ``result`` is complete once the pages are consumed.

    ``attributes`` is False for a source that carries no participant attributes (the multi-get,
    as its staged manifest says): no ``participant_attributes`` rows, and the content hash's
    attributes half is that of none, whatever a record holds (the merge keeps the stored ones)."""

    def __init__(
        self,
        extracted_at: datetime | str,
        run_id: str,
        pii: PiiConfig | None = None,
        rejects: RejectSink | None = None,
        attributes: bool = True,
    ) -> None:
        self._meta = (format_timestamp(extracted_at), run_id)
        self._attributes = attributes
        self._transforms = pii.transforms() if pii else {}
        self._redact = pii.redact_record if pii else None  # rejects get the PII config too
        self._hash_context = hash_context(pii)
        self._rejects = rejects
        self._drift = DriftCounter()
        self._seen = IdRanks()  # _id_key(conversation id) -> rank of the copy emitted
        self._result = NormalizeResult()

    @property
    def result(self) -> NormalizeResult:
        """Live: the same object, brought up to date after every page."""
        return self._result

    def normalize_pages(self, pages: Iterable[bytes]) -> Iterator[TableBatch]:
        for raw in pages:
            yield self.normalize_page(raw)

    def normalize_page(self, raw: bytes) -> TableBatch:
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            return self._normalize_page(orjson.loads(raw))
        finally:
            if gc_was_enabled:
                gc.enable()

    def _normalize_page(self, page: dict) -> TableBatch:
        self._result.pages += 1
        rows: dict[str, list[tuple]] = {name: [] for name in TABLE_NAMES}
        ids: list[str] = []
        replaces: set[str] = set()
        flattened: dict[str, tuple[int, int, bool, dict]] = {}  # cid -> (key, rank, replaces, record)
        for cid, record in self._collapse_page(page.get("conversations") or []).items():
            key = _id_key(cid)
            previous = self._seen.get(key)
            rank = _rank(record)
            if previous is not None:
                self._result.duplicates_collapsed += 1
                if rank < previous:
                    continue
            marks = {name: len(table_rows) for name, table_rows in rows.items()}
            try:
                self._flatten(record, cid, rows)
                self._check_fit(rows, marks)
            except RejectedRecord as rejected:
                self._undo(rows, marks)
                self._reject(cid, rejected.reason, record)
                continue
            except (AttributeError, TypeError) as malformed:  # e.g. a list where an object belongs
                self._undo(rows, marks)
                self._reject(cid, f"malformed record: {malformed}", record)
                continue
            flattened[cid] = (key, rank, previous is not None, record)
        for cid, reason in self._bad_values(rows).items():
            self._reject(cid, reason, flattened.pop(cid)[3])
        for cid, (key, rank, replacing, _) in flattened.items():
            if replacing:
                replaces.add(cid)
            self._seen.put(key, rank)
            ids.append(cid)
        for name, table_rows in rows.items():
            self._drift.check_enums(name, table_rows)
        for name, ops in self._transforms.items():
            rows[name] = apply_transforms(rows[name], ops)
        for name, table_rows in rows.items():
            self._result.rows[name] += len(table_rows)
        self._result.conversations = len(self._seen)
        self._result.drift = self._drift.as_dict()
        return TableBatch(rows=rows, conversation_ids=ids, replaces=frozenset(replaces))

    def _collapse_page(self, records: list) -> dict[str, dict]:
        """Keep one copy per conversation id within the page; reject records without an id."""
        latest: dict[str, dict] = {}
        for record in records:
            cid = record.get("conversationId") if isinstance(record, dict) else None
            if not cid or not isinstance(cid, str):
                self._reject(None, "missing conversationId", record)
                continue
            kept = latest.get(cid)
            if kept is not None:
                self._result.duplicates_collapsed += 1
                if _rank(record) < _rank(kept):
                    continue
            latest[cid] = record
        return latest

    def _reject(self, cid: str | None, reason: str, record: Any) -> None:
        self._result.rejected.append({"conversation_id": cid, "reason": reason})
        if self._rejects is not None:
            self._rejects.write(cid, reason, self._redact(record) if self._redact else record)

    @staticmethod
    def _check_fit(rows: dict[str, list[tuple]], marks: dict[str, int]) -> None:
        """Reject the record just flattened when one of its values does not fit its column."""
        for name, start in marks.items():
            if len(rows[name]) > start:
                reason = _FIT.misfit(name, rows[name][start:])
                if reason:
                    raise RejectedRecord(reason)

    @staticmethod
    def _bad_values(rows: dict[str, list[tuple]]) -> dict[str, str]:
        """Conversation id -> the first value-level reason found in its rows; those conversations'
        rows are taken out of every table of the page (a clean page is left as it is)."""
        bad: dict[str, str] = {}
        for name, table_rows in rows.items():
            position = _CONVERSATION_ID[name]
            for index, reason in _FIT.bad_values(name, table_rows).items():
                bad.setdefault(table_rows[index][position], reason)
        if bad:
            for name, table_rows in rows.items():
                position = _CONVERSATION_ID[name]
                table_rows[:] = [row for row in table_rows if row[position] not in bad]
        return bad

    @staticmethod
    def _undo(rows: dict[str, list[tuple]], marks: dict[str, int]) -> None:
        for name, length in marks.items():
            del rows[name][length:]

    # Each JSON object's keys are tested against the known ones inline (a subset test in C);
    # the drift counter is only called when something is unknown.
    def _flatten(self, conv: dict, cid: str, rows: dict[str, list[tuple]]) -> None:
        meta = self._meta
        unknown = self._drift.unknown_fields
        if not conv.keys() <= KNOWN_KEYS["conversation"]:
            unknown("conversation", conv)
        start = conv.get("conversationStart")
        rows["conversations"].append(
            (
                cid,
                start[:10] if start else None,
                *map(conv.get, _CONVERSATION_SCALARS),
                *_CONVERSATION_JSON.values(conv),
                conversation_hash(conv, self._hash_context, self._attributes),
                *meta,
            )
        )
        for key, level, table, keys in _CHILD_LISTS:
            out, known = rows[table], KNOWN_KEYS[level]
            for index, item in enumerate(conv.get(key) or ()):
                if not item.keys() <= known:
                    unknown(level, item)
                out.append((cid, index, *map(item.get, keys), *meta))
        participants, attributes = rows["participants"], rows["participant_attributes"]
        with_attributes = self._attributes
        for part in conv.get("participants") or ():
            pid = _require(part, "participantId")
            if not part.keys() <= KNOWN_KEYS["participant"]:
                unknown("participant", part)
            participants.append(
                (pid, cid, *map(part.get, _PARTICIPANT_SCALARS), *_PARTICIPANT_JSON.values(part), *meta)
            )
            for name, value in ((with_attributes and part.get("attributes")) or {}).items():
                # Documented as str -> str; anything else is kept as its JSON text.
                attributes.append((pid, name, cid, value if value.__class__ is str else _json_text(value), *meta))
            for session in part.get("sessions") or ():
                self._flatten_session(session, pid, cid, rows)

    def _flatten_session(self, session: dict, pid: str, cid: str, rows: dict[str, list[tuple]]) -> None:
        meta = self._meta
        unknown = self._drift.unknown_fields
        sid = _require(session, "sessionId")
        if not session.keys() <= KNOWN_KEYS["session"]:
            unknown("session", session)
        flow = session.get("flow") or _NO_FLOW
        if not flow.keys() <= KNOWN_KEYS["flow"]:
            unknown("flow", flow)
        rows["sessions"].append(
            (
                sid,
                pid,
                cid,
                *map(session.get, _SESSION_SCALARS),
                *_SESSION_JSON.values(session),
                *map(flow.get, _FLOW_SCALARS),
                *meta,
            )
        )
        outcomes, known = rows["session_flow_outcomes"], KNOWN_KEYS["flow_outcome"]
        for index, outcome in enumerate(flow.get("outcomes") or ()):
            if not outcome.keys() <= known:
                unknown("flow_outcome", outcome)
            outcomes.append((sid, index, cid, *map(outcome.get, _FLOW_OUTCOME_SCALARS), *meta))
        segments, known = rows["segments"], KNOWN_KEYS["segment"]
        for index, segment in enumerate(session.get("segments") or ()):
            _require(segment, "segmentStart")
            if not segment.keys() <= known:
                unknown("segment", segment)
            segments.append(
                (sid, index, cid, *map(segment.get, _SEGMENT_SCALARS), *_SEGMENT_JSON.values(segment), *meta)
            )
        metrics, known = rows["session_metrics"], KNOWN_KEYS["metric"]
        for index, metric in enumerate(session.get("metrics") or ()):
            if not metric.keys() <= known:
                unknown("metric", metric)
            metrics.append((sid, index, cid, *map(metric.get, _METRIC_SCALARS), *meta))
