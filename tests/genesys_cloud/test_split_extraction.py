"""The results cap: the details-job operator splitting a window under it (recognising its error:
api/test_error_responses.py).

The operator tests run against the emulator over HTTP with ``max_job_results`` lowered below the
day's volume; the oracle is the emulator's ground truth and its own request counts.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from genesys_cloud.api.error_responses import results_cap_of
from genesys_cloud.api.exceptions import GenesysApiError
from genesys_cloud.hook import GenesysCloudHook
from genesys_cloud.operators.details_job import GenesysDetailsJobOperator
from genesys_pipeline.plan.result_cap import ResultCapError
from genesys_pipeline.staging.area import StagingArea
from tests.support.connections import emulator_hook

DAY = "2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z"
SUBMIT = "post_analytics_conversations_details_jobs"
RESULTS = "get_analytics_conversations_details_job_results"
DELETE = "delete_analytics_conversations_details_job"
AGGREGATES = "post_analytics_conversations_aggregates_query"


@pytest.fixture()
def hook(emulator, monkeypatch) -> GenesysCloudHook:
    return emulator_hook(monkeypatch, emulator.base_url)


def test_the_emulators_cap_answer_is_the_cap_error(hook, emulator):
    emulator.control.configure(max_job_results=50)
    job_id = hook.submit_details_job({"interval": DAY})
    with pytest.raises(GenesysApiError) as raised:
        for _page in hook.iter_details_job_pages(job_id, 20):
            pass
    hook.delete_details_job(job_id)
    assert results_cap_of(raised.value) == 50


class RecordingTaskInstance:
    def __init__(self) -> None:
        self.xcom: dict[str, object] = {}

    def xcom_push(self, key: str, value: object) -> None:
        self.xcom[key] = value


def extract(tmp_path: Path, **kwargs) -> dict:
    operator = GenesysDetailsJobOperator(
        task_id="extract",
        interval=DAY,
        staging_root=str(tmp_path),
        partition="2024-05-01",
        poll_interval=0.2,
        timeout=120,
        **kwargs,
    )
    return operator.execute({"ti": RecordingTaskInstance()})  # the emulator's jobs finish at once: no deferral


def staged_ids(tmp_path: Path, summary: dict) -> list[str]:
    staging = StagingArea(tmp_path)
    manifest = staging.read_manifest(summary["partition"], summary["query_hash"])
    return [c["conversationId"] for page in staging.iter_pages(manifest) for c in orjson.loads(page)["conversations"]]


def served(stats: dict, operation: str, status: str) -> int:
    return stats.get(operation, {}).get(status, 0)


def test_a_day_over_the_cap_is_split_into_jobs_that_stitch_to_the_truth(hook, emulator, tmp_path):
    truth = emulator.control.ground_truth(DAY)
    emulator.control.configure(max_job_results=700)
    assert truth["count"] > 2 * 700

    summary = extract(tmp_path)  # the setting stays at its default: the org's cap (700) from the error rules

    ids = staged_ids(tmp_path, summary)
    assert len(ids) == len(set(ids)), "duplicates"
    assert set(ids) == set(truth["conversation_ids"])
    assert summary["records"] == truth["count"] and summary["pieces"] > 1
    assert len(summary["job_id"].split(",")) == summary["pieces"]
    stats = emulator.control.stats()
    submitted = served(stats, SUBMIT, "202")
    assert submitted == summary["pieces"] + 1  # the whole-window job, then one per piece
    assert served(stats, DELETE, "204") == submitted  # every job deleted
    assert served(stats, RESULTS, "400") == 1  # only the whole-window job met the cap: the prediction held
    assert served(stats, AGGREGATES, "200") == 1


def test_a_lower_setting_makes_smaller_pieces(hook, emulator, tmp_path):
    truth = emulator.control.ground_truth(DAY)
    emulator.control.configure(max_job_results=700)
    summary = extract(tmp_path, max_job_results=300)
    assert summary["records"] == truth["count"] and summary["pieces"] > truth["count"] / 300


def test_a_day_under_the_cap_is_one_job_and_no_aggregates(hook, emulator, tmp_path):
    truth = emulator.control.ground_truth(DAY)
    summary = extract(tmp_path, max_job_results=100)  # the setting alone never splits: only the org's answer does
    assert (summary["records"], summary["pieces"]) == (truth["count"], 1)
    stats = emulator.control.stats()
    assert served(stats, SUBMIT, "202") == 1 and AGGREGATES not in stats


def test_an_hour_over_the_cap_fails_naming_it_and_leaves_no_job(hook, emulator, tmp_path):
    emulator.control.configure(max_job_results=5)
    with pytest.raises(ResultCapError, match=r"2024-05-01T\d\d:00:00.000Z/2024-05-01T\d\d:00:00.000Z"):
        extract(tmp_path)
    stats = emulator.control.stats()
    assert served(stats, DELETE, "204") == served(stats, SUBMIT, "202") == 1
