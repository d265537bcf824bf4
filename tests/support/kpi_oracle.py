"""An independent oracle for the queue report's half-hour cells, recomputed from raw conversation records.

Neither the emulator's aggregation code nor the warehouse's views: plain Python over the records as
the details API served them (or as they were staged), written from Genesys's rules: a metric counts in
the UTC half hour of its ``emitDate``, for the queue and media type of the session that emitted it;
``n*`` cells count the values' sum, ``t*`` cells count, sum, min and max them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

Key = tuple[str, str, str, str]  # interval_start, queue_id ("" = none), media_type, metric
STATS = ("count", "sum", "min", "max")


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def half_hour(text: str) -> str:
    moment = _instant(text)
    start = moment.replace(minute=moment.minute // 30 * 30, second=0, microsecond=0)
    return start.strftime("%Y-%m-%dT%H:%M:00.000Z")


def session_queue(session: Mapping[str, Any]) -> str:
    queues = [segment["queueId"] for segment in session.get("segments") or () if segment.get("queueId")]
    return min(queues) if queues else ""


def cells_from_records(
    records: Iterable[Mapping[str, Any]], interval: str, metrics: Iterable[str], *, bucket_by: str = "emitDate"
) -> dict[Key, dict[str, float | None]]:
    """The cells of ``interval``; ``bucket_by="conversationStart"`` is the classic mistake, for negative tests."""
    start, end = (_instant(part) for part in interval.split("/"))
    wanted = set(metrics)
    values: dict[Key, list[float]] = defaultdict(list)
    seen: set[str] = set()
    for record in records:
        if record["conversationId"] in seen:  # a record repeated across pages counts once
            continue
        seen.add(record["conversationId"])
        for participant in record.get("participants") or ():
            for session in participant.get("sessions") or ():
                for metric in session.get("metrics") or ():
                    if metric["name"] not in wanted or not start <= _instant(metric["emitDate"]) < end:
                        continue
                    when = metric["emitDate"] if bucket_by == "emitDate" else record["conversationStart"]
                    key = (half_hour(when), session_queue(session), session.get("mediaType") or "", metric["name"])
                    values[key].append(float(metric["value"]))
    return {key: _stats(key[3], found) for key, found in values.items()}


def _stats(metric: str, values: list[float]) -> dict[str, float | None]:
    if metric.startswith("n"):
        return {"count": sum(values), "sum": None, "min": None, "max": None}
    return {"count": float(len(values)), "sum": sum(values), "min": min(values), "max": max(values)}


def cells_from_response(response: Mapping[str, Any]) -> dict[Key, dict[str, float | None]]:
    """The cells of an aggregates answer grouped by queueId and mediaType (JSON, camelCase)."""
    cells = {}
    for result in response.get("results") or ():
        group = result.get("group") or {}
        for bucket in result.get("data") or ():
            start = half_hour(bucket["interval"].split("/")[0])
            for metric in bucket.get("metrics") or ():
                stats = metric.get("stats") or {}
                key = (start, group.get("queueId") or "", group.get("mediaType") or "", metric["metric"])
                cells[key] = {s: None if stats.get(s) is None else float(stats[s]) for s in STATS}
    return cells


def cells_from_rows(rows: Iterable[Mapping[str, Any]]) -> dict[Key, dict[str, float | None]]:
    """Cells from warehouse rows (the views' or the aggregates table's columns)."""
    return {
        (row["interval_start"], row.get("queue_id") or "", row.get("media_type") or "", row["metric"]): {
            s: None if row.get(s) is None else float(row[s]) for s in STATS
        }
        for row in rows
    }
