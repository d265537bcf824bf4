"""The test control plane under ``/_emulator/``: reset, settings, faults, clock, ground truth,
stats and the webhook sink. Not part of the Genesys API; no auth, no rate limit."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request, Response

from genesys_emulator.config import ClientConfig
from genesys_emulator.service.errors import bad_request
from genesys_emulator.service.routes.common import json_response, runtime_of
from genesys_emulator.service.runtime import EmulatorRuntime
from genesys_emulator.service.validation import parse_instant_ms, parse_interval
from genesys_emulator.service.webhooks import IDEMPOTENCY_HEADER, rejection_reason
from genesys_emulator.world.determinism import iso_ms

router = APIRouter(prefix="/_emulator")


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise bad_request("control-plane bodies must be JSON") from None
    if not isinstance(body, dict):
        raise bad_request("control-plane bodies must be JSON objects")
    return body


def _settings_error(exc: Exception):
    return bad_request(f"invalid emulator setting: {exc}")


@router.post("/reset")
async def reset(request: Request) -> Response:
    """Fresh state: the app's startup config plus the given overrides."""
    try:
        config = request.app.state.base_config.with_overrides(**await _json(request))
    except (TypeError, ValueError) as exc:
        raise _settings_error(exc) from None
    request.app.state.runtime = EmulatorRuntime(config, dataset=runtime_of(request).dataset)
    return json_response({"reset": True, "seed": config.seed})


@router.post("/configure")
async def configure(request: Request) -> Response:
    try:
        config = runtime_of(request).configure(**await _json(request))
    except (TypeError, ValueError) as exc:
        raise _settings_error(exc) from None
    return json_response({"configured": True, "seed": config.seed})


@router.post("/faults")
async def add_fault(request: Request) -> Response:
    body = await _json(request)
    params = {k: v for k, v in body.items() if k not in ("route", "kind", "count")}
    try:
        fault = runtime_of(request).faults.add(
            body.get("route", "*"), body.get("kind", ""), int(body.get("count", 1)), **params
        )
    except (TypeError, ValueError) as exc:
        raise bad_request(str(exc)) from None
    return json_response(
        {"route": fault.route, "kind": fault.kind, "remaining": fault.remaining, "params": fault.params}
    )


@router.get("/faults")
async def list_faults(request: Request) -> Response:
    return json_response(runtime_of(request).faults.armed())


@router.post("/faults/probabilities")
async def set_fault_probabilities(request: Request) -> Response:
    body = await _json(request)
    try:
        runtime_of(request).faults.set_probabilities(body.get("rates", {}), int(body.get("seed", 0)))
    except (TypeError, ValueError) as exc:
        raise bad_request(str(exc)) from None
    return json_response({"rates": body.get("rates", {})})


@router.post("/tokens/expire")
async def expire_tokens(request: Request) -> Response:
    return json_response({"expired": runtime_of(request).tokens.expire_all()})


@router.get("/tokens")
async def issued_tokens(request: Request) -> Response:
    """Access tokens issued since the last reset: security tests scan logs for them."""
    return json_response({"tokens": runtime_of(request).tokens.issued()})


@router.post("/clock/advance")
async def advance_clock(request: Request) -> Response:
    runtime = runtime_of(request)
    seconds = (await _json(request)).get("seconds")
    if not isinstance(seconds, (int, float)) or seconds < 0:
        raise bad_request("seconds must be a non-negative number")
    runtime.clock.advance(float(seconds))
    return _clock_body(runtime)


@router.post("/clock")
async def set_clock(request: Request) -> Response:
    """Pin org time at ``now`` (ISO-8601); from then on it moves only with advances."""
    runtime = runtime_of(request)
    now = (await _json(request)).get("now")
    runtime.clock.pin_org(parse_instant_ms(now, "now") / 1000)
    return _clock_body(runtime)


@router.get("/clock")
async def get_clock(request: Request) -> Response:
    return _clock_body(runtime_of(request))


def _clock_body(runtime: EmulatorRuntime) -> Response:
    """``now`` is org time (epoch seconds), ``pinned`` whether it stands still between advances."""
    return json_response(
        {
            "now": runtime.clock.org_now(),
            "nowIso": iso_ms(runtime.org_now_ms()),
            "pinned": runtime.clock.pinned,
            "dataAvailabilityDate": runtime.watermark_iso(),
        }
    )


@router.post("/clients")
async def add_client(request: Request) -> Response:
    """Create (or replace) an OAuth client, e.g. one whose role covers only some divisions:
    ``{"client_id", "client_secret", "divisions": [...] | "all", "permissions": [...]}``."""
    runtime = runtime_of(request)
    body = await _json(request)
    settings = {k: v for k, v in body.items() if k != "permissions"}
    if "permissions" in body:
        settings["roles"] = body["permissions"]
    try:
        client = ClientConfig(**settings)
    except (TypeError, ValueError) as exc:
        raise _settings_error(exc) from None
    others = tuple(c for c in runtime.config.clients if c.client_id != client.client_id)
    runtime.configure(clients=(*others, client))
    return json_response(
        {"client_id": client.client_id, "divisions": client.divisions, "permissions": list(client.roles)}
    )


@router.get("/ground-truth")
async def ground_truth(request: Request) -> Response:
    """Ids a correct extraction of ``interval`` must produce: watermark applied, no hiding."""
    semantics = request.query_params.get("semantics", "overlap")
    if semantics not in ("overlap", "start"):
        raise bad_request("semantics must be 'overlap' or 'start'")
    start_ms, end_ms = parse_interval(request.query_params.get("interval"))
    ids = runtime_of(request).ground_truth(start_ms, end_ms, semantics)
    return json_response(
        {
            "interval": request.query_params["interval"],
            "semantics": semantics,
            "count": len(ids),
            "conversation_ids": ids,
        }
    )


@router.post("/warm")
async def warm(request: Request) -> Response:
    """Generate and cache the records of ``interval`` now (benchmarks: outside their clock)."""
    runtime = runtime_of(request)
    start_ms, end_ms = parse_interval((await _json(request)).get("interval"))
    as_of_ms = runtime.job_horizon_ms()
    keys = runtime.selected(start_ms, end_ms, "overlap", as_of_ms)
    runtime.dataset.warm(keys, as_of_ms)
    return json_response({"warmed": len(keys), "cache_size": runtime.config.record_cache_size})


@router.get("/stats")
async def stats(request: Request) -> Response:
    return json_response(runtime_of(request).stats.snapshot())


@router.get("/requests")
async def client_requests(request: Request) -> Response:
    """Arrival times (service clock, epoch seconds) of ``client_id``'s authenticated API requests,
    429s included: the view that checks a rate budget shared across processes."""
    client_id = request.query_params.get("client_id")
    if not client_id:
        raise bad_request("client_id is required")
    return json_response({"client_id": client_id, "times": runtime_of(request).request_log.times(client_id)})


@router.post("/webhooks")
async def receive_webhook(request: Request) -> Response:
    runtime = runtime_of(request)
    raw = await request.body()
    now = runtime.clock.now()
    key = request.headers.get(IDEMPOTENCY_HEADER)
    reason = rejection_reason(
        request.headers,
        raw,
        secret=runtime.config.webhook_secret,
        now=now,
        tolerance_seconds=runtime.config.webhook_tolerance_seconds,
    )
    if reason is not None:
        runtime.webhooks.reject(reason, key, now)
        return json_response({"accepted": False, "reason": reason}, status_code=401)
    event = runtime.webhooks.accept(key, raw, now)
    return json_response({"accepted": True, "duplicate": event["duplicate"]})


@router.get("/webhooks")
async def list_webhooks(request: Request) -> Response:
    return json_response(runtime_of(request).webhooks.events())
