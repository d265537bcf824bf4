"""Async twin of the request funnel for triggers: same auth cache, retry decisions and errors.

Triggers share the triggerer's event loop with everyone else's, so every wait is an
``asyncio.sleep`` and every call goes through ``httpx.AsyncClient``. Only small body-less calls
(job status, availability, job deletion) are offered; bulk reads stay in the sync hook.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx

from genesys_cloud.api.attempts import RequestAttempts
from genesys_cloud.api.auth import TOKEN_CACHE, TOKEN_PATH, TokenCache, parse_token_response, token_key, token_request
from genesys_cloud.api.body_reader import read_body_async
from genesys_cloud.api.client_facts import ClientFacts, client_facts
from genesys_cloud.api.connection import GenesysConnectionConfig
from genesys_cloud.api.error_responses import api_error, refused_redirect
from genesys_cloud.api.job_polls import LatencyHistory
from genesys_cloud.api.job_slots import JobSlots, job_slots
from genesys_cloud.api.limits import LIMITS_FACT, EffectiveLimits, decode, settings_limits
from genesys_cloud.api.rate_budget import RateBudget, budget_key, rate_budget
from genesys_cloud.api.retry import RetryPolicy, decode_success_body
from genesys_cloud.api.stats import RequestStats


class AsyncGenesysClient:
    def __init__(
        self,
        config: GenesysConnectionConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        token_cache: TokenCache = TOKEN_CACHE,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        budget: RateBudget | None = None,
        slots: JobSlots | None = None,
        facts: ClientFacts | None = None,
    ) -> None:
        self.config = config
        self.stats = RequestStats()
        self.token_cache = token_cache
        self._token_key = token_key(config.urls.login, config.client_id, config.client_secret)
        self.retry_policy = RetryPolicy(config.settings)
        self.sleep = sleep
        settings = config.settings
        self.budget = budget or rate_budget(settings.rate_budget_backend, settings.rate_budget_url)
        self._budget_key = budget_key(config.urls.login, config.client_id)
        self.job_slots = slots or job_slots(settings.rate_budget_backend, settings.rate_budget_url)
        self.facts = facts or client_facts(settings.rate_budget_backend, settings.rate_budget_url)
        self.latency_history = LatencyHistory(self.facts, self._budget_key)
        self._limits: EffectiveLimits | None = None
        proxy = (settings.proxies or {}).get("https") or (settings.proxies or {}).get("http")
        self._http = httpx.AsyncClient(
            timeout=settings.timeout, verify=settings.verify_tls, proxy=proxy, transport=transport
        )

    async def __aenter__(self) -> AsyncGenesysClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._http.aclose()

    async def token(self) -> str:
        cached = self.token_cache.get(self._token_key)
        if cached:
            return cached
        headers, form = token_request(self.config.client_id, self.config.client_secret)
        status, _, content, _ = await self._send(
            "POST",
            self.config.urls.login + TOKEN_PATH,
            TOKEN_PATH,
            headers,
            form=form,
            expect_json=False,
            charged=False,
        )
        self.stats.token_requests += 1
        token = parse_token_response(status, content, self.token_cache.clock())
        self.token_cache.put(self._token_key, token)
        return token.value

    async def get_json(self, path: str, *, budget_share: float = 1.0) -> Any:
        return await self.request("GET", path, budget_share=budget_share)

    async def request(self, method: str, path: str, *, budget_share: float = 1.0) -> Any:
        """Call an API path without a body: one new token and one retry on 401, retries per policy."""
        for auth_attempt in (1, 2):
            token = await self.token()
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            status, response_headers, content, data = await self._send(
                method, self.config.urls.api + path, path, headers, budget_share=budget_share
            )
            if status == 401 and auth_attempt == 1:
                self.token_cache.invalidate(self._token_key, token)
                continue
            break
        if status >= 400:
            raise api_error(status, response_headers, content, method, path)
        return data

    async def _send(
        self,
        method: str,
        url: str,
        path: str,
        headers: Mapping[str, str],
        *,
        form: Mapping[str, str] | None = None,
        expect_json: bool = True,
        charged: bool = True,
        budget_share: float = 1.0,
    ) -> tuple[int, Mapping[str, str], bytes, Any]:
        """One logical request with retries: status, headers, body and parsed JSON of the final answer.
        ``charged`` requests (all but the token's) first draw from the shared rate budget."""
        attempts = RequestAttempts(self.retry_policy, self.stats, method, path)
        while True:
            if charged:
                await self._draw_budget(budget_share)
            self.stats.requests += 1
            try:
                response, content = await read_body_async(
                    self._http,
                    method,
                    url,
                    headers=headers,
                    data=form,
                    max_bytes=self.config.settings.max_response_bytes,
                    deadline_seconds=self.config.settings.request_deadline_seconds,
                )
                data = decode_success_body(response.status_code, content) if expect_json else None
            except Exception as error:
                await self.sleep(attempts.after_error(error))
                continue
            self.stats.bytes += len(content)
            redirect = refused_redirect(response.status_code, response.headers, method, path)
            if redirect is not None:  # httpx follows none by default; a 3xx is still no answer
                raise redirect
            delay = attempts.after_response(response.status_code, response.headers, content)
            if delay is None:
                return response.status_code, response.headers, content, data
            await self.sleep(delay)

    async def acquire_job_slot(self, holder: str) -> bool:
        """Take a details-job slot for ``holder`` if one is free (never waits)."""
        settings = self.config.settings
        cap = (await self.limits()).max_concurrent_jobs
        return await asyncio.to_thread(
            self.job_slots.acquire,
            self._budget_key,
            cap,
            holder,
            settings.job_slot_lease_seconds,
        )

    async def renew_job_slot(self, job_id: str) -> None:
        """Extend the lease of a running job's slot (the sync client's store, off the event loop)."""
        await asyncio.to_thread(
            self.job_slots.renew, self._budget_key, job_id, self.config.settings.job_slot_lease_seconds
        )

    async def release_job_slot(self, job_id: str) -> None:
        await asyncio.to_thread(self.job_slots.release, self._budget_key, job_id)

    async def limits(self) -> EffectiveLimits:
        """The limits a task of this client read and shared (``GenesysClient.limits``), else the
        settings: the triggerer never reads them itself, so a trigger costs no extra request."""
        if self._limits is None:
            settings = self.config.settings
            raw = await asyncio.to_thread(self.facts.get, self._budget_key, LIMITS_FACT)
            self._limits = decode(raw, settings) or settings_limits(settings, "not read yet: settings")
        return self._limits

    async def _draw_budget(self, share: float = 1.0) -> None:
        """The sync client's budget, taken off the event loop (Redis or SQL round trips block)."""
        per_minute = max(1, int((await self.limits()).rate_budget_per_minute * share))
        while (wait := await asyncio.to_thread(self.budget.take, self._budget_key, per_minute)) > 0:
            self.stats.paced_seconds += wait
            await self.sleep(wait)
