"""``notify``: the signed completion webhook, sent through the http provider's ``HttpHook``.

The webhook is optional: without the ``genesys_sync_webhook`` connection the task is skipped,
not failed. The connection's ``host`` is the receiver's full URL (scheme, port and path) and
its ``password`` the signing secret; its ``extra`` keys are sent as extra headers by HttpHook.
Sending reads only the audit summary the DAG passes in, so a failed delivery never touches loaded data and the
task can be cleared and rerun alone.

Delivery is bounded end to end: each attempt (connect, headers, body) ends at
``deadline_seconds`` whatever the receiver does (the watchdog of :mod:`genesys_cloud.api.deadline`),
no redirect is followed (a 3xx fails at once: the signed body must not be re-sent elsewhere), and
:func:`worst_case_seconds` is the most one :func:`post_event` can take.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
import tenacity
from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowNotFoundException, AirflowSkipException

from genesys_cloud.api.deadline import DeadlineAdapter, ExchangeDeadline
from genesys_cloud.webhook_connection import OPT_OUT, checked_webhook_secret
from genesys_pipeline.report import webhook

WEBHOOK_CONN_ID = "genesys_sync_webhook"
DEADLINE_SECONDS = 15.0  # one delivery attempt, end to end
TIMEOUT = (5.0, 10.0)  # connect, each read: a dead receiver fails sooner than the deadline
MAX_BACKOFF_SECONDS = 60.0


class WebhookDeliveryError(Exception):
    """The receiver answered with an error status or a redirect; 5xx is worth retrying, 3xx and 4xx are not."""

    def __init__(self, status: int) -> None:
        self.status = status
        redirect = "; redirects are not followed" if 300 <= status < 400 else ""
        super().__init__(f"webhook receiver answered HTTP {status}{redirect}")


class WebhookDeadlineError(requests.exceptions.Timeout):
    """One delivery attempt outlasted its deadline (a receiver dripping headers or body); retried."""


def worst_case_seconds(attempts: int, backoff_seconds: float, deadline_seconds: float = DEADLINE_SECONDS) -> float:
    """The longest :func:`post_event` can take: every attempt to its deadline, plus the waits between."""
    waits = sum(min(backoff_seconds * 2**n, MAX_BACKOFF_SECONDS) for n in range(attempts - 1))
    return attempts * deadline_seconds + waits


def _bounded_hook(conn_id: str) -> Any:
    """An HttpHook whose sessions report their sockets to the running :class:`ExchangeDeadline`."""
    from airflow.providers.http.hooks.http import HttpHook

    class BoundedHttpHook(HttpHook):
        def get_conn(self, *args: Any, **kwargs: Any) -> requests.Session:
            session = super().get_conn(*args, **kwargs)
            for prefix in ("https://", "http://"):  # in place of HttpHook's keep-alive adapter
                session.mount(prefix, DeadlineAdapter())
            return session

    return BoundedHttpHook(method="POST", http_conn_id=conn_id)


def post_event(
    event: Mapping[str, Any],
    key: str,
    *,
    conn_id: str = WEBHOOK_CONN_ID,
    attempts: int = 3,
    backoff_seconds: float = 2.0,
    deadline_seconds: float = DEADLINE_SECONDS,
) -> int:
    """POST one signed event, retrying connection errors, deadlines and 5xx with exponential backoff;
    returns the status. Takes at most :func:`worst_case_seconds` of the same arguments.

    The body is signed afresh on each attempt so the timestamp stays current. Raises
    ``AirflowNotFoundException`` when the connection does not exist.
    """
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(conn_id)
    secret = checked_webhook_secret(conn_id, conn.host, conn.login, conn.password, conn.extra_dejson)
    body = webhook.encode_event(event)
    hook = _bounded_hook(conn_id)

    def send() -> int:
        # None drops the opt-out, which HttpHook would otherwise send as a header like any extra key.
        headers = {**webhook.signed_headers(secret, body, key), OPT_OUT: None}
        with ExchangeDeadline(deadline_seconds) as exchange:
            try:
                response = hook.run(
                    endpoint="",
                    data=body,  # HttpHook.run hands data to requests, which takes bytes too
                    headers=headers,
                    extra_options={"timeout": TIMEOUT, "check_response": False, "allow_redirects": False},
                )
            except requests.exceptions.RequestException as error:
                if exchange.expired:
                    raise WebhookDeadlineError(f"delivery outlasted its {deadline_seconds:g} s deadline") from error
                raise
            if exchange.expired:  # the shut socket's EOF may have ended the headers early
                raise WebhookDeadlineError(f"delivery outlasted its {deadline_seconds:g} s deadline")
        if response.status_code >= 300:
            raise WebhookDeliveryError(response.status_code)
        return response.status_code

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(attempts),
        wait=tenacity.wait_exponential(multiplier=backoff_seconds, max=MAX_BACKOFF_SECONDS),
        retry=tenacity.retry_if_exception(_is_transient),
        reraise=True,
    )
    return retrying(send)


def _is_transient(error: BaseException) -> bool:
    """Connection trouble, a deadline and 5xx are worth retrying; a 4xx (bad signature, wrong URL) or a
    redirect is not."""
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
