"""The analytics details datasets one job machinery serves: conversations and users.

Genesys runs both as the same async job protocol (submit, status, cursor-paged results,
delete, availability) under different paths, with the records under a different key of each
results page. Everything that submits, polls, pages or deletes a job takes one of these
instead of hard-wiring the conversation paths.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AnalyticsDataset:
    name: str
    jobs: str  # the jobs collection path
    records_key: str  # where a results page holds its records
    staging_dir: str  # below the staging root; "" = the root itself (conversations, as always)

    def job(self, job_id: str) -> str:
        return f"{self.jobs}/{job_id}"

    def results(self, job_id: str) -> str:
        return f"{self.jobs}/{job_id}/results"

    @property
    def availability(self) -> str:
        return f"{self.jobs}/availability"


CONVERSATIONS = AnalyticsDataset("conversations", "/api/v2/analytics/conversations/details/jobs", "conversations", "")
USERS = AnalyticsDataset("users", "/api/v2/analytics/users/details/jobs", "userDetails", "users")
DATASETS = {dataset.name: dataset for dataset in (CONVERSATIONS, USERS)}


def dataset_named(name: str) -> AnalyticsDataset:
    """The dataset called ``name``; a clear error naming the allowed values otherwise."""
    try:
        return DATASETS[name]
    except KeyError:
        raise ValueError(f"dataset must be one of {sorted(DATASETS)}, not {name!r}") from None
