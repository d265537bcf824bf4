"""Same seed ⇒ byte-identical responses, across independent emulator processes' state."""

from __future__ import annotations

from genesys_emulator.config import EmulatorConfig
from genesys_emulator.testing import EmulatorServer
from tests.support.emulator_api import DETAILS, JOBS, ApiClient

INTERVAL = "2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z"
FIXED = dict(watermark="2024-06-01T00:00:00.000Z", conversations_per_day=300)


def capture(seed: int) -> list[bytes]:
    """The raw bodies of one fixed sequence of calls against a fresh emulator."""
    with EmulatorServer(EmulatorConfig(seed=seed, **FIXED)) as server:
        api = ApiClient(server.base_url)
        bodies = [
            api.post(
                DETAILS + "/query", json={"interval": INTERVAL, "paging": {"pageSize": 100, "pageNumber": 2}}
            ).content,
            api.get("/api/v2/users", params={"state": "any"}).content,
            api.get("/api/v2/routing/queues").content,
            api.get("/api/v2/routing/wrapupcodes").content,
            api.post(
                "/api/v2/analytics/conversations/aggregates/query",
                json={"interval": INTERVAL, "metrics": ["tHandle"], "groupBy": ["queueId"]},
            ).content,
        ]
        job_id = api.submit_job(INTERVAL)
        bodies.append(job_id.encode())
        params: dict = {"pageSize": 120}
        while True:
            page = api.get(f"{JOBS}/{job_id}/results", params=params)
            bodies.append(page.content)
            cursor = page.json().get("cursor")
            if not cursor:
                return bodies
            params = {"pageSize": 120, "cursor": cursor}


def test_same_seed_gives_byte_identical_responses():
    first, second = capture(11), capture(11)
    assert len(first) == len(second) > 6
    for a, b in zip(first, second):
        assert a == b


def test_other_seed_gives_other_data():
    first, other = capture(11), capture(12)
    assert first[0] != other[0] and first[-1] != other[-1]
