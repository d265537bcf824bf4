"""The week the acceptance test plays, and the independent reads that judge it.

``truth_at_clock`` reads the org through its public API with plain HTTP (a details job at the
emulator's current clock) and recomputes what each table must say from the raw records: it shares
no code with the pipeline's extract, normalize or load, nor with the emulator's selection.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import requests
from sqlalchemy import text

from genesys_pipeline.tables import CONTENT_HASH
from genesys_pipeline.warehouse.engine import create_warehouse_engine, qualified_name
from tests.support.emulator_day import EMULATOR_CLIENT

JOBS = "/api/v2/analytics/conversations/details/jobs"


@dataclass(frozen=True)
class Facts:
    """What a conversation's rows must say: its end, how many evaluations and surveys, its wrap-up codes."""

    end: str | None
    evaluations: int
    surveys: int
    wrapups: tuple[str, ...]


def _instant(value: object) -> str | None:
    """Timestamps of either side as ``YYYY-MM-DDTHH:MM:SS.mmm`` (PostgreSQL gives datetimes, SQLite
    text, the API Z strings)."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment.replace(tzinfo=None).isoformat(timespec="milliseconds")


def truth_at_clock(base_url: str, start: date, days: int) -> dict[str, Facts]:
    """Every conversation that started in ``[start, start+days)`` as the org serves it now, from a details job."""
    first = datetime(start.year, start.month, start.day)
    interval = f"{first:%Y-%m-%dT00:00:00.000Z}/{first + timedelta(days=days):%Y-%m-%dT00:00:00.000Z}"
    session = requests.Session()
    token = session.post(
        f"{base_url}/oauth/token", data={"grant_type": "client_credentials"}, auth=EMULATOR_CLIENT, timeout=30
    )
    token.raise_for_status()
    session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    job_id = session.post(f"{base_url}{JOBS}", json={"interval": interval}, timeout=30).json()["jobId"]
    deadline = time.monotonic() + 60
    while session.get(f"{base_url}{JOBS}/{job_id}", timeout=30).json()["state"] != "FULFILLED":
        assert time.monotonic() < deadline, f"oracle job {job_id} did not finish"
        time.sleep(0.2)
    facts: dict[str, Facts] = {}
    cursor = None
    for _ in range(10_000):
        page = session.get(
            f"{base_url}{JOBS}/{job_id}/results", params={"cursor": cursor} if cursor else None, timeout=60
        )
        page.raise_for_status()
        body = page.json()
        for record in body.get("conversations") or []:
            started = record["conversationStart"][:10]
            if first.date().isoformat() <= started < (first + timedelta(days=days)).date().isoformat():
                facts[record["conversationId"]] = _facts_of_record(record)
        cursor = body.get("cursor")
        if not cursor:
            break
    session.delete(f"{base_url}{JOBS}/{job_id}", timeout=30)
    return facts


def _facts_of_record(record: dict) -> Facts:
    wrapups = sorted(
        segment["wrapUpCode"]
        for participant in record.get("participants") or []
        for session in participant.get("sessions") or []
        for segment in session.get("segments") or []
        if segment.get("wrapUpCode")
    )
    return Facts(
        _instant(record.get("conversationEnd")),
        len(record.get("evaluations") or []),
        len(record.get("surveys") or []),
        tuple(wrapups),
    )


def warehouse_facts(url: str, start: date, days: int) -> dict[str, Facts]:
    """The same facts read back from the warehouse tables, for conversations of ``[start, start+days)``."""
    last = start + timedelta(days=days - 1)
    engine = create_warehouse_engine(url)
    try:
        with engine.connect() as conn:
            stored = (
                "SELECT conversation_id, conversation_date, conversation_end "
                f"FROM {qualified_name(engine, 'conversations')}"
            )
            conversations = {
                cid: _instant(end)
                for cid, day, end in conn.execute(text(stored))
                if start.isoformat() <= str(day)[:10] <= last.isoformat()
            }
            counts = {
                name: _count_by_conversation(conn, qualified_name(engine, name))
                for name in ("conversation_evaluations", "conversation_surveys")
            }
            wrapups: dict[str, list[str]] = defaultdict(list)
            coded = (
                f"SELECT conversation_id, wrap_up_code FROM {qualified_name(engine, 'segments')} "
                "WHERE wrap_up_code IS NOT NULL"
            )
            for cid, code in conn.execute(text(coded)):
                wrapups[cid].append(code)
    finally:
        engine.dispose()
    return {
        cid: Facts(
            end,
            counts["conversation_evaluations"].get(cid, 0),
            counts["conversation_surveys"].get(cid, 0),
            tuple(sorted(wrapups.get(cid, []))),
        )
        for cid, end in conversations.items()
    }


def _count_by_conversation(conn, table: str) -> dict[str, int]:
    return dict(conn.execute(text(f"SELECT conversation_id, COUNT(*) FROM {table} GROUP BY conversation_id")).all())


def content_hashes(url: str) -> dict[str, str]:
    engine = create_warehouse_engine(url)
    try:
        with engine.connect() as conn:
            return dict(
                conn.execute(
                    text(f"SELECT conversation_id, {CONTENT_HASH} FROM {qualified_name(engine, 'conversations')}")
                ).all()
            )
    finally:
        engine.dispose()


def audit_requests(url: str, run_id: str) -> int:
    """API requests the run's successful ``sync_audit`` rows record."""
    engine = create_warehouse_engine(url)
    try:
        with engine.connect() as conn:
            audit = (
                f"SELECT SUM(api_requests) FROM {qualified_name(engine, 'sync_audit')} "
                "WHERE run_id = :run AND status = 'success'"
            )
            total = conn.execute(text(audit), {"run": run_id}).scalar()
    finally:
        engine.dispose()
    return int(total or 0)


def served_requests(stats: dict) -> int:
    """Every request the emulator served (OAuth, watermark, jobs, aggregates, get-by-id)."""
    return sum(sum(by_status.values()) for by_status in stats.values())


def differences(expected: dict[str, Facts], actual: dict[str, Facts]) -> dict[str, object]:
    """Ids missing or extra, and ids whose facts differ (a few examples each)."""
    shared = expected.keys() & actual.keys()
    differing = sorted(cid for cid in shared if expected[cid] != actual[cid])
    return {
        "missing": sorted(expected.keys() - actual.keys()),
        "extra": sorted(actual.keys() - expected.keys()),
        "differing": {cid: (expected[cid], actual[cid]) for cid in differing[:3]},
        "differing_count": len(differing),
    }


@dataclass
class DayCost:
    day: str
    seconds: float
    audit_requests: int
    served_requests: int


@dataclass
class WeekLog:
    """Per simulated day what the run cost, and each conversation's content hash at its first load."""

    days: list[DayCost] = field(default_factory=list)
    first_hash: dict[str, str] = field(default_factory=dict)

    def remember_first_loads(self, hashes: dict[str, str]) -> None:
        for cid, digest in hashes.items():
            self.first_hash.setdefault(cid, digest)

    def changed_after_first_load(self, final: dict[str, str], ids: set[str]) -> tuple[int, int]:
        """(changed, of) among ``ids``: conversations whose final content differs from their first load."""
        known = [cid for cid in ids if cid in self.first_hash and cid in final]
        return sum(1 for cid in known if final[cid] != self.first_hash[cid]), len(known)

    def table(self, title: str) -> str:
        lines = [title, f"{'day':<12}{'seconds':>9}{'audit req':>11}{'served req':>12}"]
        lines += [f"{d.day:<12}{d.seconds:>9.1f}{d.audit_requests:>11}{d.served_requests:>12}" for d in self.days]
        return "\n".join(lines)
