"""The demo's agent summary on both dialects, recomputed from the raw emulated user details."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from genesys_emulator.world.determinism import MS_PER_DAY, day_start_ms
from genesys_pipeline.normalize.user_details import epoch_ms
from genesys_pipeline.report.agent_report import kpi_sample, rows_per_day
from tests.support.agent_days import load_agent_days

HALF_HOUR = 1_800_000


def test_rows_per_day_and_the_kpi_sample_equal_the_raw_details(warehouse):
    start = day_start_ms(date(2024, 5, 2))
    details = load_agent_days(warehouse, date(2024, 5, 2), 2, 7, start + 3 * MS_PER_DAY, "2024-05-05T00:00:00+00:00")
    days = ("2024-05-01", "2024-05-02", "2024-05-03")
    started: dict[str, Counter] = {"primaryPresence": Counter(), "routingStatus": Counter()}
    logged_in: dict[str, int] = defaultdict(int)  # 2024-05-02 only
    halves: dict[str, set[int]] = defaultdict(set)
    day_start, day_end = start, start + MS_PER_DAY
    for detail in details:
        for key, counter in started.items():
            for record in detail[key]:
                counter[record["startTime"][:10]] += 1
        for record in detail["primaryPresence"]:
            if record["systemPresence"] == "OFFLINE":
                continue
            begin, end = epoch_ms(record["startTime"]), epoch_ms(record["endTime"])
            if min(end, day_end) > max(begin, day_start):
                logged_in[detail["userId"]] += min(end, day_end) - max(begin, day_start)
                first, last = max(begin, day_start) // HALF_HOUR, (min(end, day_end) - 1) // HALF_HOUR
                halves[detail["userId"]].update(range(first, last + 1))

    counts = rows_per_day(warehouse.engine, days)
    assert counts["user_presence_intervals"] == {d: started["primaryPresence"].get(d, 0) for d in days}
    assert counts["user_routing_status_intervals"] == {d: started["routingStatus"].get(d, 0) for d in days}
    assert counts["user_activity_days"] == {"2024-05-01": 0, "2024-05-02": 7, "2024-05-03": 7}
    assert counts["user_presence_intervals"]["2024-05-02"] > 0

    sample = kpi_sample(warehouse.engine, "2024-05-02", limit=3)
    top = sorted(logged_in.items(), key=lambda item: (-item[1], item[0]))[:3]
    assert [(r["user_id"], int(r["logged_in_ms"])) for r in sample] == top
    assert [int(r["half_hours_logged_in"]) for r in sample] == [len(halves[user]) for user, _ in top]
