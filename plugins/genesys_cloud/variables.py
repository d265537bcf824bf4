"""The pipeline's settings from Airflow Variables (read at run time only, never at parse time)."""
from __future__ import annotations

from genesys_pipeline.pii import SECRET_VARIABLE as PII_SECRET_VARIABLE
from genesys_pipeline.pii import PiiConfig
from genesys_pipeline.settings import PipelineSettings


def load_settings() -> PipelineSettings:
    """Settings from Airflow Variables (which also read ``AIRFLOW_VAR_<NAME>`` environment variables)."""
    from airflow.sdk import Variable

    return PipelineSettings.from_lookup(lambda name: Variable.get(name, default=None))


def load_pii_config(settings: PipelineSettings) -> PiiConfig:
    """The PII config with its hashing key from the secret Variable, masked in every later log line."""
    from airflow.sdk import Variable

    from genesys_cloud.api.auth import mask

    secret = Variable.get(PII_SECRET_VARIABLE, default=None) or ""
    if secret:
        mask(secret)
    return PiiConfig.from_json(settings.pii_config, salt=secret)
