"""The truth of an emulated org's agent activity read through the official SDK, and the
warehouse's intervals read with plain SQL, both as comparable sets of values (epoch ms)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import create_engine, text

from tests.support.emulator_api import require_module


def ms(value: Any) -> int:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return round((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp() * 1000)


def _iso(day: datetime) -> str:
    return day.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def sdk_truth(base_url: str, day: datetime) -> dict[str, set[tuple]]:
    """Intervals that started on ``day``, read through the official SDK at the org's clock."""
    PureCloud = require_module("PureCloudPlatformClientV2")
    client = PureCloud.ApiClient(host=base_url).get_client_credentials_token("emulator-client", "emulator-secret")
    analytics = PureCloud.AnalyticsApi(client)
    query = PureCloud.AsyncUserDetailsQuery()
    query.interval = f"{_iso(day)}/{_iso(day + timedelta(days=1))}"
    job_id = analytics.post_analytics_users_details_jobs(query).job_id
    truth: dict[str, set[tuple]] = {"presence": set(), "routing": set()}
    cursor = None
    for _ in range(20):
        page = analytics.get_analytics_users_details_job_results(job_id, page_size=100, cursor=cursor)
        for detail in page.user_details:
            for r in detail.primary_presence or []:
                if r.start_time.date() == day.date():
                    end = ms(r.end_time) if r.end_time else None
                    truth["presence"].add(
                        (detail.user_id, ms(r.start_time), end, r.system_presence, r.organization_presence_id)
                    )
            for r in detail.routing_status or []:
                if r.start_time.date() == day.date():
                    end = ms(r.end_time) if r.end_time else None
                    truth["routing"].add((detail.user_id, ms(r.start_time), end, r.routing_status))
        cursor = page.cursor
        if not cursor:
            break
    analytics.delete_analytics_users_details_job(job_id)
    return truth


def stored(url: str, day: datetime) -> dict[str, set[tuple]]:
    presence = _rows(url, "user_presence_intervals")
    routing = _rows(url, "user_routing_status_intervals")

    def on_day(row) -> bool:
        return str(row["activity_date"])[:10] == day.date().isoformat()

    def end(row):
        return ms(row["end_time"]) if row["end_time"] is not None else None

    return {
        "presence": {
            (r["user_id"], ms(r["start_time"]), end(r), r["system_presence"], r["organization_presence_id"])
            for r in presence
            if on_day(r)
        },
        "routing": {(r["user_id"], ms(r["start_time"]), end(r), r["routing_status"]) for r in routing if on_day(r)},
    }


def _rows(url: str, table: str) -> list[dict[str, Any]]:
    engine = create_engine(url)
    target = f"genesys.{table}" if url.startswith("postgresql") else table
    try:
        with engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(text(f"SELECT * FROM {target}"))]
    finally:
        engine.dispose()
