"""The baseline: what a user typically writes with the official SDK and pandas.

``PureCloudPlatformClientV2.AnalyticsApi`` submits the job and pages its results into the
SDK's models, ``to_dict()`` turns them back into dicts, ``pandas.json_normalize`` flattens
one frame per level and ``DataFrame.to_sql`` appends them to PostgreSQL. It is run on at
most ``limit`` conversations (the first pages of the same job) because it is slow; its rate
is conversations per second, so it compares with the full-size runs as it is.
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

import pandas as pd
import PureCloudPlatformClientV2 as genesys
from sqlalchemy import create_engine, text

from environment import EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, MAX_PAGE_SIZE, rate

SCHEMA = "baseline"
SESSION = ["participants", "sessions"]
# table -> (json_normalize record_path, meta): one frame per level, as the pandas docs show it.
LEVELS: dict[str, tuple[list[str] | None, list[Any]]] = {
    "conversations": (None, []),
    "participants": (["participants"], ["conversation_id"]),
    "sessions": (SESSION, ["conversation_id", ["participants", "participant_id"]]),
    "segments": ([*SESSION, "segments"], ["conversation_id", [*SESSION, "session_id"]]),
    "session_metrics": ([*SESSION, "metrics"], ["conversation_id", [*SESSION, "session_id"]]),
}


def fetch_records(base_url: str, interval: str, limit: int) -> list[dict]:
    client = genesys.ApiClient(host=base_url).get_client_credentials_token(EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET)
    analytics = genesys.AnalyticsApi(client)
    query = genesys.AsyncConversationQuery()
    query.interval = interval
    job_id = analytics.post_analytics_conversations_details_jobs(query).job_id
    while analytics.get_analytics_conversations_details_job(job_id).state != "FULFILLED":
        time.sleep(0.2)
    records: list[dict] = []
    cursor = None
    for _ in range(math.ceil(limit / MAX_PAGE_SIZE)):
        page = analytics.get_analytics_conversations_details_job_results(job_id, cursor=cursor, page_size=MAX_PAGE_SIZE)
        records.extend(conversation.to_dict() for conversation in page.conversations or [])
        cursor = page.cursor
        if not cursor:
            break
    analytics.delete_analytics_conversations_details_job(job_id)
    return records[:limit]


def frame(records: list[dict], record_path: list[str] | None, meta: list[Any]) -> pd.DataFrame:
    """One level as a frame; nested lists and objects become JSON text, as to_sql needs."""
    if record_path is None:
        df = pd.json_normalize(records, max_level=0).drop(columns=["participants"])
    else:
        df = pd.json_normalize(records, record_path=record_path, meta=meta, errors="ignore", max_level=0)
    for column in df.columns[df.dtypes == "object"]:
        if df[column].map(lambda value: isinstance(value, (list, dict))).any():
            df[column] = df[column].map(lambda value: None if value is None else json.dumps(value, default=str))
    return df.drop(columns=[c for c in ("sessions", "segments", "metrics") if c in df.columns])


def run_baseline(base_url: str, interval: str, db_url: str, limit: int) -> dict[str, Any]:
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    started = time.perf_counter()
    records = fetch_records(base_url, interval, limit)
    fetched = time.perf_counter()
    rows = 0
    for table, (record_path, meta) in LEVELS.items():
        df = frame(records, record_path, meta)
        df.to_sql(table, engine, schema=SCHEMA, if_exists="append", index=False)
        rows += len(df)
    seconds = time.perf_counter() - started
    engine.dispose()
    return {
        "phase": "baseline",
        "conversations": len(records),
        "seconds": round(seconds, 3),
        "conv_per_s": rate(len(records), seconds),
        "fetch_s": round(fetched - started, 3),
        "flatten_and_load_s": round(seconds - (fetched - started), 3),
        "table_rows": rows,
    }
