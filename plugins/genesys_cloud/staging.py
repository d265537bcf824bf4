"""The staging root as Airflow hands it over: a local path, or object storage for roots with a scheme.

The layout below the root belongs to :class:`genesys_pipeline.staging.area.StagingArea`; this
module only turns the configured string into something pathlib-like it can work on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from airflow.sdk import ObjectStoragePath


def staging_root(root: str) -> Any:
    """A local path, or an ObjectStoragePath for roots with a scheme (s3://, gs://, file://)."""
    return ObjectStoragePath(root) if "://" in root else Path(root)
