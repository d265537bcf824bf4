"""One job machinery, two datasets: the users details jobs go through the same hook, trigger and
extract operator as conversations, staged apart from them."""

from __future__ import annotations

import orjson
import pytest

from genesys_cloud.api.datasets import CONVERSATIONS, USERS, dataset_named
from genesys_cloud.operators.details_job import GenesysDetailsJobOperator
from genesys_cloud.triggers import GenesysDetailsJobTrigger
from genesys_pipeline.staging.area import StagingArea
from tests.support.connections import emulator_hook

DAY = "2024-05-02T00:00:00.000Z/2024-05-03T00:00:00.000Z"


def test_paths_and_a_clear_error_for_an_unknown_dataset():
    assert USERS.results("j1") == "/api/v2/analytics/users/details/jobs/j1/results"
    assert CONVERSATIONS.availability == "/api/v2/analytics/conversations/details/jobs/availability"
    with pytest.raises(ValueError, match=r"dataset must be one of \['conversations', 'users'\], not 'queues'"):
        dataset_named("queues")


def test_the_trigger_serializes_its_dataset_only_when_it_is_not_conversations():
    users = GenesysDetailsJobTrigger(job_id="j", genesys_conn_id="c", poll_interval=1, end_time=2, dataset="users")
    plain = GenesysDetailsJobTrigger(job_id="j", genesys_conn_id="c", poll_interval=1, end_time=2)
    _, kwargs = users.serialize()
    assert kwargs["dataset"] == "users" and "dataset" not in plain.serialize()[1]
    assert GenesysDetailsJobTrigger(**kwargs).dataset == USERS


class RecordingTaskInstance:
    def xcom_push(self, key: str, value: object) -> None:
        self.pushed = (key, value)


def test_the_extract_operator_stages_users_details_apart_from_conversations(emulator, monkeypatch, tmp_path):
    emulator.control.reset(clock="2024-05-04T12:00:00.000Z", conversations_per_day=100)
    emulator_hook(monkeypatch, emulator.base_url)
    operator = GenesysDetailsJobOperator(
        task_id="extract",
        interval=DAY,
        staging_root=str(tmp_path),
        partition="2024-05-02",
        page_size=20,
        dataset="users",
    )
    summary = operator.execute({"ti": RecordingTaskInstance()})
    assert summary["records"] == 50 and summary["pages"] == 3
    assert summary["staging_path"].startswith(str(tmp_path / "users"))
    staging = StagingArea(tmp_path / "users")
    manifest = staging.read_manifest("2024-05-02", summary["query_hash"])
    users = [d["userId"] for page in staging.iter_pages(manifest) for d in orjson.loads(page)["userDetails"]]
    assert len(set(users)) == 50
    stats = emulator.control.stats()
    assert stats["post_analytics_users_details_jobs"] == {"202": 1}
    assert stats["delete_analytics_users_details_job"] == {"204": 1}
    assert StagingArea(tmp_path).read_manifest("2024-05-02", summary["query_hash"]) is None
