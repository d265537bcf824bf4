"""The pipeline's settings from Airflow Variables (read at run time only, never at parse time).

The Task SDK hands every Variable value it reads to the secrets masker, which warns about a value
under ``[logging] min_length_masked_secret`` (5) characters before it even looks at the name, so
settings such as ``genesys_poll_interval_seconds = "1"`` put "Skipping masking for a secret as
it's too short" in every task log that reads them. Such a value is never masked (too short, and
the name is not a sensitive one), so the warning is noise. While our settings are read it is
dropped, and the masker's warn-once flag is restored afterwards so a genuinely short secret read
later still gets its warning.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from genesys_pipeline.normalize.pii import SECRET_VARIABLE as PII_SECRET_VARIABLE
from genesys_pipeline.normalize.pii import PiiConfig
from genesys_pipeline.settings import PipelineSettings

SHORT_SECRET_WARNING = "Skipping masking for a secret as it's too short"


class _DropShortSecretWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(SHORT_SECRET_WARNING)


@contextmanager
def short_values_unannounced() -> Iterator[None]:
    """Within the block, short Variable values are not announced as too-short secrets."""
    from airflow.sdk._shared.secrets_masker import secrets_masker  # the Task SDK's masker module

    logger = logging.getLogger(secrets_masker.__name__)
    drop = _DropShortSecretWarning()
    warned = secrets_masker.SecretsMasker._has_warned_short_secret
    logger.addFilter(drop)
    try:
        yield
    finally:
        logger.removeFilter(drop)
        secrets_masker.SecretsMasker._has_warned_short_secret = warned


def plain_variable(name: str) -> str | None:
    """A non-secret setting's Variable (or ``AIRFLOW_VAR_<NAME>``), None when it is not set."""
    from airflow.sdk import Variable

    with short_values_unannounced():
        return Variable.get(name, default=None)


def load_settings() -> PipelineSettings:
    """Settings from Airflow Variables (which also read ``AIRFLOW_VAR_<NAME>`` environment variables)."""
    return PipelineSettings.from_lookup(plain_variable)


def load_pii_config(settings: PipelineSettings) -> PiiConfig:
    """The PII config with its hashing key from the secret Variable, masked in every later log line."""
    from airflow.sdk import Variable

    from genesys_cloud.api.auth import mask

    secret = Variable.get(PII_SECRET_VARIABLE, default=None) or ""
    if secret:
        mask(secret)
    return PiiConfig.from_json(settings.pii_config, salt=secret)
