"""``authenticate``: get a token and check the client's permissions before any real work starts."""
from __future__ import annotations

from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException, AirflowNotFoundException

from genesys_cloud.api.exceptions import GenesysAuthError, GenesysPermissionError


class GenesysAuthenticateOperator(BaseOperator):
    """Fails fast, without burning retries, on what retrying cannot fix: wrong credentials, a missing
    permission (named in the message), a missing or malformed connection. Network trouble still retries."""

    ui_color = "#e8f1fb"

    def __init__(self, *, genesys_conn_id: str = "genesys_cloud_default", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.genesys_conn_id = genesys_conn_id

    def execute(self, context: Any) -> dict[str, Any]:
        from genesys_cloud.hook import GenesysCloudHook

        try:
            hook = GenesysCloudHook(genesys_conn_id=self.genesys_conn_id)
            hook.check_permissions()
        except GenesysPermissionError as error:
            raise AirflowFailException(f"Genesys permission check failed: {error}") from None
        except GenesysAuthError as error:
            raise AirflowFailException(f"Genesys authentication failed: {error}") from None
        except (AirflowNotFoundException, ValueError) as error:
            raise AirflowFailException(f"Genesys connection {self.genesys_conn_id!r} is unusable: {error}") from None
        self.log.info("Authenticated to Genesys; required permissions present")
        return {"api": hook.stats.as_dict()}
