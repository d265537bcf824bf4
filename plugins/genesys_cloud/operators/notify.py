"""``notify``: the signed completion webhook, sent through the http provider's ``HttpHook``.

The webhook is optional: without the ``genesys_sync_webhook`` connection the task is skipped,
not failed. The connection's ``host`` is the receiver's full URL (scheme, port and path) and
its ``password`` the signing secret; its ``extra`` keys are sent as extra headers by HttpHook.
Sending reads only the audit summary the DAG passes in, so a failed delivery never touches loaded data and the
task can be cleared and rerun alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import tenacity
from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowNotFoundException, AirflowSkipException

from genesys_cloud.webhook_connection import OPT_OUT, checked_webhook_secret
from genesys_pipeline.report import webhook

WEBHOOK_CONN_ID = "genesys_sync_webhook"


class WebhookDeliveryError(Exception):
    """The receiver answered with an error status; 5xx is worth retrying, 4xx is not."""

    def __init__(self, status: int) -> None:
        self.status = status
        super().__init__(f"webhook receiver answered HTTP {status}")


def post_event(
    event: Mapping[str, Any],
    key: str,
    *,
    conn_id: str = WEBHOOK_CONN_ID,
    attempts: int = 3,
    backoff_seconds: float = 2.0,
) -> int:
    """POST one signed event, retrying connection errors and 5xx with exponential backoff; returns the status.

    The body is signed afresh on each attempt so the timestamp stays current. Raises
    ``AirflowNotFoundException`` when the connection does not exist.
    """
    from airflow.providers.http.hooks.http import HttpHook
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(conn_id)
    secret = checked_webhook_secret(conn_id, conn.host, conn.login, conn.password, conn.extra_dejson)
    body = webhook.encode_event(event)
    hook = HttpHook(method="POST", http_conn_id=conn_id)

    def send() -> int:
        # None drops the opt-out, which HttpHook would otherwise send as a header like any extra key.
        headers = {**webhook.signed_headers(secret, body, key), OPT_OUT: None}
        response = hook.run(
            endpoint="",
            data=body,  # type: ignore[arg-type]  # HttpHook.run hands data to requests, which takes bytes too
            headers=headers,
            extra_options={"timeout": 30, "check_response": False},
        )
        if response.status_code >= 400:
            raise WebhookDeliveryError(response.status_code)
        return response.status_code

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(attempts),
        wait=tenacity.wait_exponential(multiplier=backoff_seconds, max=60),
        retry=tenacity.retry_if_exception(_is_transient),
        reraise=True,
    )
    return retrying(send)


def _is_transient(error: BaseException) -> bool:
    """Connection trouble and 5xx are worth retrying; a 4xx (bad signature, wrong URL) is not."""
    import requests

    if isinstance(error, WebhookDeliveryError):
        return error.status >= 500
    return isinstance(error, requests.exceptions.RequestException)


class GenesysSyncNotifyOperator(BaseOperator):
    """Sends ``genesys.conversations.partition_synced`` (or ``event_type``: the by-id DAG sends
    ``resynced_by_id``) with the audit row's counts and metrics (``summary``, templated: the audit task's result)."""

    template_fields = ("summary",)
    ui_color = "#f4f0e8"

    def __init__(
        self,
        *,
        summary: Any,
        event_type: str = webhook.EVENT_SYNCED,
        webhook_conn_id: str = WEBHOOK_CONN_ID,
        attempts: int = 3,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.summary = summary
        self.event_type = event_type
        self.webhook_conn_id = webhook_conn_id
        self.attempts = attempts

    def execute(self, context: Any) -> dict[str, Any]:
        if not self.summary:
            raise ValueError("no audit summary to report: rerun the audit task first")
        event, key = webhook.event_from_audit(self.event_type, self.summary)
        try:
            status = post_event(event, key, conn_id=self.webhook_conn_id, attempts=self.attempts)
        except AirflowNotFoundException:
            raise AirflowSkipException(f"connection {self.webhook_conn_id!r} is not defined: no webhook sent") from None
        self.log.info("Webhook delivered (HTTP %s, idempotency key %s)", status, key)
        return {"status_code": status, "idempotency_key": key}
