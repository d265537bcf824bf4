"""The single request funnel of the sync hook: auth, pacing, retries, accounting, error mapping.

Every Genesys call of the hook goes through :meth:`GenesysClient.request`, so there is exactly
one place that decides what is retried, how long to wait and what gets logged. Responses are
read completely and, when JSON is expected, parsed here: a body cut off mid-transfer is
retried like a dropped connection instead of reaching a caller half-read.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import requests

from genesys_cloud.api.attempts import RequestAttempts
from genesys_cloud.api.auth import (
    TOKEN_CACHE,
    TOKEN_PATH,
    TokenCache,
    mask,
    parse_token_response,
    token_key,
    token_request,
)
from genesys_cloud.api.body_reader import DEADLINE_MESSAGE, ResponseDeadlineError, read_body
from genesys_cloud.api.client_facts import ClientFacts, client_facts
from genesys_cloud.api.deadline import ExchangeDeadline, mount_deadline_adapter
from genesys_cloud.api.error_responses import api_error, correlation_id, refused_redirect
from genesys_cloud.api.exceptions import GenesysRateLimitExceeded
from genesys_cloud.api.job_slots import JobSlots, job_slots
from genesys_cloud.api.limits import (
    LIMITS_FACT,
    LIMITS_READING_FACT,
    LIMITS_READING_SECONDS,
    LIMITS_TTL_SECONDS,
    LIMITS_WAIT_POLL_SECONDS,
    EffectiveLimits,
    decode,
    encode,
    read_org_limits,
)
from genesys_cloud.api.limits import settings_limits as settings_only_limits
from genesys_cloud.api.pacing import RatePacer
from genesys_cloud.api.rate_budget import RateBudget, budget_key, rate_budget
from genesys_cloud.api.regions import BaseUrls
from genesys_cloud.api.retry import RetryPolicy, decode_success_body
from genesys_cloud.api.settings import GenesysSettings
from genesys_cloud.api.stats import RequestStats

log = logging.getLogger(__name__)

# Servers and load balancers close keep-alive connections that sit idle for a few seconds
# (uvicorn: 5 s). A request sent on one just as it closes fails with a reset, so after any wait
# this long the pooled connections are dropped and the next request opens a fresh one.
IDLE_CONNECTION_SECONDS = 1.0
# How often a submission waiting for a details-job slot asks the shared store again.
JOB_SLOT_POLL_SECONDS = 0.5


@dataclass(frozen=True)
class ApiResponse:
    status: int
    headers: Mapping[str, str]
    content: bytes
    data: Any  # the decoded body (parsed JSON by default), None for empty bodies

    @property
    def correlation_id(self) -> str | None:
        return correlation_id(self.headers)


class GenesysClient:
    def __init__(
        self,
        urls: BaseUrls,
        client_id: str,
        client_secret: str,
        settings: GenesysSettings,
        *,
        stats: RequestStats | None = None,
        session: requests.Session | None = None,
        token_cache: TokenCache = TOKEN_CACHE,
        sleep: Callable[[float], None] = time.sleep,
        budget: RateBudget | None = None,
        slots: JobSlots | None = None,
        facts: ClientFacts | None = None,
    ) -> None:
        mask(client_secret)
        self.urls = urls
        self.client_id = client_id
        self._client_secret = client_secret
        self.settings = settings
        self.stats = stats or RequestStats()
        self.session = session or requests.Session()
        mount_deadline_adapter(self.session)
        self.session.verify = settings.verify_tls
        if settings.proxies:
            self.session.proxies.update(settings.proxies)
        self.token_cache = token_cache
        self._token_key = token_key(urls.login, client_id, client_secret)
        self.retry_policy = RetryPolicy(settings)
        self.pacer = RatePacer(settings.pacing_threshold, max_wait_seconds=settings.max_retry_after_seconds)
        self.budget = budget or rate_budget(settings.rate_budget_backend, settings.rate_budget_url)
        self.budget_key = budget_key(urls.login, client_id)
        # details-job leases live beside the budget, under the same per-client key
        self.job_slots = slots or job_slots(settings.rate_budget_backend, settings.rate_budget_url)
        # what other processes of this client learnt: the org's limits, recent job latencies
        self.facts = facts or client_facts(settings.rate_budget_backend, settings.rate_budget_url)
        self._limits: EffectiveLimits | None = None
        self._server_window = 0.0  # longest inin-ratelimit-reset seen: the server's window, at least
        self.sleep = sleep

    def token(self) -> str:
        """A valid access token: the cached one, or a new one from /oauth/token."""
        cached = self.token_cache.get(self._token_key)
        if cached:
            return cached
        headers, form = token_request(self.client_id, self._client_secret)
        response = self._send("POST", self.urls.login, TOKEN_PATH, headers=headers, data=form, decode=None)
        self.stats.token_requests += 1
        token = parse_token_response(response.status, response.content, self.token_cache.clock())
        self.token_cache.put(self._token_key, token)
        return token.value

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        decode: Callable[[bytes], Any] = orjson.loads,
        budget_share: float = 1.0,
    ) -> ApiResponse:
        """Call the API: one new token and one retry on 401, retries per policy, domain errors otherwise.

        ``decode`` turns a 2xx body into ``ApiResponse.data``; a ``ValueError`` from it means a
        cut-off body and is retried like a dropped connection. ``budget_share`` < 1 (job-status
        polls): granted only while the shared budget's window is less than that share full."""
        body = orjson.dumps(json) if json is not None else None
        for auth_attempt in (1, 2):
            token = self.token()
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            if body is not None:
                headers["Content-Type"] = "application/json"
            response = self._send(
                method,
                self.urls.api,
                path,
                headers=headers,
                params=params,
                data=body,
                decode=decode,
                budget_share=budget_share,
            )
            if response.status == 401 and auth_attempt == 1:
                log.info("Genesys answered 401 to %s %s; requesting a new token once", method, path)
                self.token_cache.invalidate(self._token_key, token)
                continue
            break
        if response.status >= 400:
            raise api_error(response.status, response.headers, response.content, method, path)
        return response

    def _send(
        self,
        method: str,
        base: str,
        path: str,
        *,
        headers: Mapping[str, str],
        params: Mapping[str, Any] | None = None,
        data: Any = None,
        decode: Callable[[bytes], Any] | None = orjson.loads,
        budget_share: float = 1.0,
    ) -> ApiResponse:
        """One logical request with pacing and retries; returns the final answer, whatever its status."""
        attempts = RequestAttempts(self.retry_policy, self.stats, method, path)
        while True:
            self._pace()
            if base == self.urls.api:  # token requests are not charged by Genesys
                self._draw_budget(budget_share)
            self.stats.requests += 1
            deadline = time.monotonic() + self.settings.request_deadline_seconds
            try:
                # The deadline covers connect, headers and body (the watchdog), not only the body.
                with ExchangeDeadline(self.settings.request_deadline_seconds) as exchange:
                    try:
                        raw = self.session.request(
                            method,
                            base + path,
                            headers=headers,
                            params=params,
                            data=data,
                            timeout=self.settings.timeout,
                            stream=True,
                            allow_redirects=False,
                        )
                        response = self._read(raw, decode, deadline)
                    except Exception as error:
                        if exchange.expired:
                            raise ResponseDeadlineError(DEADLINE_MESSAGE) from error
                        raise
                    if exchange.expired:  # http.client takes the shut socket's EOF as the end of the headers
                        raise ResponseDeadlineError(DEADLINE_MESSAGE)
            except Exception as error:
                self._wait(attempts.after_error(error))
                continue
            redirect = refused_redirect(response.status, response.headers, method, path)
            if redirect is not None:
                raise redirect
            self.pacer.observe(response.headers)
            if self.pacer.snapshot is not None:
                self._server_window = max(self._server_window, self.pacer.snapshot.reset_seconds)
            delay = attempts.after_response(response.status, response.headers, response.content)
            if delay is None:
                return response
            self._wait(delay)

    def _read(self, raw: requests.Response, decode: Callable[[bytes], Any] | None, deadline: float) -> ApiResponse:
        # ChunkedEncodingError here when the connection drops mid-body; size and deadline capped.
        content = read_body(raw, max_bytes=self.settings.max_response_bytes, deadline=deadline)
        self.stats.bytes += len(content)
        data = decode_success_body(raw.status_code, content, decode) if decode else None
        return ApiResponse(raw.status_code, raw.headers, content, data)

    def _pace(self) -> None:
        wait = self.pacer.wait_seconds()
        if wait > 0:
            log.info("Pacing Genesys calls: waiting %.2f s to stay under the rate limit", wait)
            self.stats.paced_seconds += wait
            self._wait(wait)

    def budget_per_minute(self) -> int:
        """The configured budget, capped by the allowance Genesys reports (``inin-ratelimit-allowed``
        per window; the window is taken as the longest reset seen, so an estimate from the middle
        of a window can only loosen the cap to the configured budget, never tighten it wrongly)."""
        budget = self.limits().rate_budget_per_minute
        snap = self.pacer.snapshot
        if snap is None or not 0 < self._server_window <= 60:
            # no per-minute allowance reported: a longer window (or a broken reset) is the pacer's
            # business, whose waits are capped; sizing the budget from it would wait beyond the cap
            return budget
        return max(1, min(budget, int(snap.allowed * 60 / min(self._server_window, 60))))

    def limits(self) -> EffectiveLimits:
        """The budget and job slots this client works under: the org's published limits capped by
        the settings, read once and kept beside the shared budget (``limits.py``): one process reads
        (a short claim in the store) while the others starting with it wait for that read, and read
        themselves only if it has not come within the claim's life. The ``local``
        budget coordinates nothing across processes, so it reads nothing: the settings stand."""
        if self._limits is not None:
            return self._limits
        settings = self.settings
        if settings.rate_budget_backend == "local":
            self._limits = settings_only_limits(settings, "local rate budget: settings only")
            return self._limits
        cached = self._cached_limits()
        if cached is None and not self.facts.claim(self.budget_key, LIMITS_READING_FACT, LIMITS_READING_SECONDS):
            # another process of this client is reading them (tasks that start together): wait for its read
            deadline = time.monotonic() + LIMITS_READING_SECONDS
            while (cached := self._cached_limits()) is None and time.monotonic() < deadline:
                self.sleep(LIMITS_WAIT_POLL_SECONDS)
        if cached is not None:
            self._limits = cached
            return cached
        # the read itself draws from the budget under the settings' size
        self._limits = settings_only_limits(settings, "reading the org's limits")
        limits = read_org_limits(lambda path: self.request("GET", path).data, settings)
        self.facts.put(self.budget_key, LIMITS_FACT, encode(limits), LIMITS_TTL_SECONDS)
        self._limits = limits
        log.info("Genesys limits for this client (%s): %s", limits.source, limits.as_dict())
        return limits

    def _cached_limits(self) -> EffectiveLimits | None:
        return decode(self.facts.get(self.budget_key, LIMITS_FACT), self.settings)

    def _draw_budget(self, share: float = 1.0) -> None:
        """Wait for one request from the budget shared with every process using this client."""
        per_minute = max(1, int(self.budget_per_minute() * share))
        waited = 0.0
        while (wait := self.budget.take(self.budget_key, per_minute)) > 0:
            waited += wait
            self._wait(wait)
        if waited:
            log.debug("Shared Genesys rate budget: waited %.2f s", waited)
            self.stats.paced_seconds += waited

    def hold_job_slot(self, holder: str, deadline: float) -> None:
        """Wait (polling the shared store) until a details-job slot is ``holder``'s, or fail at ``deadline``."""
        settings = self.settings
        while not self.job_slots.acquire(
            self.budget_key, self.limits().max_concurrent_jobs, holder, settings.job_slot_lease_seconds
        ):
            if time.monotonic() >= deadline:
                raise GenesysRateLimitExceeded(
                    f"no details-job slot freed within {settings.job_cap_wait_seconds:.0f} s: "
                    f"{self.limits().max_concurrent_jobs} jobs of this client are running (connection extras "
                    "'max_concurrent_jobs', 'job_cap_wait_seconds'; a killed task's slot frees after "
                    f"'job_slot_lease_seconds' = {settings.job_slot_lease_seconds:.0f} s)"
                )
            self._wait(JOB_SLOT_POLL_SECONDS)

    def hand_job_slot(self, holder: str, job_id: str) -> None:
        """The slot taken for a submission now belongs to the job Genesys created."""
        self.job_slots.transfer(self.budget_key, holder, job_id, self.settings.job_slot_lease_seconds)

    def renew_job_slot(self, job_id: str) -> None:
        self.job_slots.renew(self.budget_key, job_id, self.settings.job_slot_lease_seconds)

    def release_job_slot(self, holder: str) -> None:
        self.job_slots.release(self.budget_key, holder)

    def _wait(self, seconds: float) -> None:
        self.sleep(seconds)
        if seconds >= IDLE_CONNECTION_SECONDS:
            for adapter in self.session.adapters.values():
                adapter.close()  # drops idle pooled connections; the adapter stays usable
