"""``authenticate``: get a token and check the client's permissions and divisions before any real work starts."""

from __future__ import annotations

from typing import Any

from airflow.sdk.exceptions import AirflowFailException, AirflowNotFoundException

from genesys_cloud.api.exceptions import GenesysAuthError, GenesysPermissionError
from genesys_cloud.operators.audited import AuditedOperator
from genesys_cloud.variables import load_settings
from genesys_pipeline.plan.divisions import DivisionAccessError


class GenesysAuthenticateOperator(AuditedOperator):
    """Fails fast, without burning retries, on what retrying cannot fix: wrong credentials, a missing
    permission (named in the message), a missing or malformed connection, or a client that cannot read
    every division (named, with ids) while ``genesys_expected_divisions`` does not declare that subset.
    Network trouble still retries.

    Returns (``multiple_outputs``) ``division_ids`` (read), ``all_divisions_read`` (erasure needs True)
    and ``api`` (request stats)."""

    ui_color = "#e8f1fb"

    def __init__(self, *, genesys_conn_id: str = "genesys_cloud_default", **kwargs: Any) -> None:
        kwargs.setdefault("multiple_outputs", True)
        super().__init__(**kwargs)
        self.genesys_conn_id = genesys_conn_id

    def execute(self, context: Any) -> dict[str, Any]:
        from genesys_cloud.hook import GenesysCloudHook

        try:
            expected = load_settings().expected_divisions
        except ValueError as error:
            raise AirflowFailException(f"Invalid pipeline configuration: {error}") from None
        try:
            hook = GenesysCloudHook(genesys_conn_id=self.genesys_conn_id)
            hook.check_permissions()
            access = hook.division_access(expected)
        except GenesysPermissionError as error:
            raise AirflowFailException(f"Genesys permission check failed: {error}") from None
        except GenesysAuthError as error:
            raise AirflowFailException(f"Genesys authentication failed: {error}") from None
        except DivisionAccessError as error:
            raise AirflowFailException(f"Genesys division check failed: {error}") from None
        except (AirflowNotFoundException, ValueError) as error:
            raise AirflowFailException(f"Genesys connection {self.genesys_conn_id!r} is unusable: {error}") from None
        self.log.info("Authenticated to Genesys; reads %d divisions (all: %s)", len(access.read_ids), access.all_read)
        return {**access.as_dict(), "api": hook.stats.as_dict()}
