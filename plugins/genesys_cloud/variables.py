"""The pipeline's settings from Airflow Variables (read at run time only, never at parse time)."""
from __future__ import annotations

from genesys_pipeline.settings import PipelineSettings


def load_settings() -> PipelineSettings:
    """Settings from Airflow Variables (which also read ``AIRFLOW_VAR_<NAME>`` environment variables)."""
    from airflow.sdk import Variable

    return PipelineSettings.from_lookup(lambda name: Variable.get(name, default=None))
