"""The floor: the least code that moves the same pages into the same tables, and nothing else.

A bare ``requests`` loop over the job's result pages, ``orjson`` to parse, one tight loop to
flatten each page into tuples in the warehouse's column order, psycopg 3 ``COPY`` straight
into the (empty, indexed) warehouse tables, one transaction. No staging, no retries, no
de-duplication, no drift or PII handling, no merge: what any implementation must at least
spend, so ``ours / floor`` is the price of the pipeline's guarantees.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import psycopg
import requests

from environment import EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, JOB_PATH, MAX_PAGE_SIZE, rate
from genesys_pipeline import tables
from genesys_pipeline.warehouse import Warehouse

META = ("2024-01-01T00:00:00.000000Z", "bench-floor")


def _getter(fields: dict[str, tables.ColumnType]) -> Callable[[dict], tuple]:
    """Record -> its columns in table order: scalars as they are, lists/objects as JSON text."""
    scalars, documents = tables.layout(fields)

    def columns(record: dict) -> tuple:
        values = tuple(map(record.get, scalars))
        docs = tuple(None if (value := record.get(key)) is None else orjson.dumps(value).decode() for key in documents)
        return values + docs

    return columns


CONVERSATION = _getter(tables.CONVERSATION_FIELDS)
PARTICIPANT = _getter(tables.PARTICIPANT_FIELDS)
SESSION = _getter(tables.SESSION_FIELDS)
FLOW = _getter(tables.FLOW_FIELDS)
SEGMENT = _getter(tables.SEGMENT_FIELDS)
METRIC = _getter(tables.METRIC_FIELDS)
OUTCOME = _getter(tables.FLOW_OUTCOME_FIELDS)
CONVERSATION_LISTS = (
    ("evaluations", "conversation_evaluations", _getter(tables.EVALUATION_FIELDS)),
    ("surveys", "conversation_surveys", _getter(tables.SURVEY_FIELDS)),
    ("resolutions", "conversation_resolutions", _getter(tables.RESOLUTION_FIELDS)),
)


def flatten(conversations: list[dict]) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {spec.name: [] for spec in tables.CONVERSATION_TABLES}
    for conv in conversations:
        cid = conv["conversationId"]
        # no content hash: change detection is one of the pipeline's guarantees, not the floor's
        out["conversations"].append((cid, conv["conversationStart"][:10], *CONVERSATION(conv), None, *META))
        for key, table, columns in CONVERSATION_LISTS:
            out[table].extend((cid, i, *columns(item), *META) for i, item in enumerate(conv.get(key) or ()))
        for part in conv.get("participants") or ():
            pid = part["participantId"]
            out["participants"].append((pid, cid, *PARTICIPANT(part), *META))
            out["participant_attributes"].extend(
                (pid, name, cid, value, *META) for name, value in (part.get("attributes") or {}).items()
            )
            for session in part.get("sessions") or ():
                sid = session["sessionId"]
                flow = session.get("flow") or {}
                out["sessions"].append((sid, pid, cid, *SESSION(session), *FLOW(flow), *META))
                out["segments"].extend(
                    (sid, i, cid, *SEGMENT(s), *META) for i, s in enumerate(session.get("segments") or ())
                )
                out["session_metrics"].extend(
                    (sid, i, cid, *METRIC(m), *META) for i, m in enumerate(session.get("metrics") or ())
                )
                out["session_flow_outcomes"].extend(
                    (sid, i, cid, *OUTCOME(o), *META) for i, o in enumerate(flow.get("outcomes") or ())
                )
    return out


def copy_rows(conn: psycopg.Connection, rows: dict[str, list[tuple]]) -> None:
    with conn.cursor() as cursor:
        for spec in tables.CONVERSATION_TABLES:
            if rows[spec.name]:
                columns = ", ".join(f'"{name}"' for name in spec.column_names)
                with cursor.copy(f'COPY genesys."{spec.name}" ({columns}) FROM STDIN') as copy:
                    for row in rows[spec.name]:
                        copy.write_row(row)


def _pages(session: requests.Session, base_url: str, interval: str) -> Iterator[list[dict]]:
    """Submit, wait, yield each result page's conversations, delete: no retries, no checks."""
    job_id = session.post(f"{base_url}{JOB_PATH}", json={"interval": interval}).json()["jobId"]
    while session.get(f"{base_url}{JOB_PATH}/{job_id}").json()["state"] != "FULFILLED":
        time.sleep(0.2)
    params: dict[str, Any] = {"pageSize": MAX_PAGE_SIZE}
    while True:
        response = session.get(f"{base_url}{JOB_PATH}/{job_id}/results", params=params)
        response.raise_for_status()
        page = orjson.loads(response.content)
        yield page["conversations"]
        if not page.get("cursor"):
            break
        params = {"pageSize": MAX_PAGE_SIZE, "cursor": page["cursor"]}
    session.delete(f"{base_url}{JOB_PATH}/{job_id}")


def run_floor(base_url: str, interval: str, db_url: str) -> dict[str, Any]:
    warehouse = Warehouse.from_url(db_url)
    warehouse.ensure_schema()  # same tables and keys as ours; set-up, outside the clock
    session = requests.Session()
    token = session.post(
        f"{base_url}/oauth/token",
        auth=(EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET),
        data={"grant_type": "client_credentials"},
    ).json()["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    conversations, flatten_s, copy_s = 0, 0.0, 0.0
    started, cpu = time.perf_counter(), time.process_time()
    with psycopg.connect(db_url.replace("postgresql+psycopg", "postgresql")) as conn:
        for page in _pages(session, base_url, interval):
            conversations += len(page)
            flattened = time.perf_counter()
            rows = flatten(page)
            copied = time.perf_counter()
            copy_rows(conn, rows)
            flatten_s, copy_s = flatten_s + copied - flattened, copy_s + time.perf_counter() - copied
        committing = time.perf_counter()
        conn.commit()
        copy_s += time.perf_counter() - committing
    seconds, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    counts = warehouse.table_counts()
    warehouse.dispose()
    return {
        "phase": "floor",
        "conversations": conversations,
        "seconds": round(seconds, 3),
        "conv_per_s": rate(conversations, seconds),
        "cpu_s": round(cpu_s, 3),
        "fetch_s": round(seconds - flatten_s - copy_s, 3),  # requests + orjson, job submit to delete
        "flatten_s": round(flatten_s, 3),
        "copy_s": round(copy_s, 3),  # COPY into the indexed warehouse tables, commit included
        "table_conversations": counts["conversations"],
        "table_rows": sum(counts.values()),
    }
