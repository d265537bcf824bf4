"""POST /oauth/token: the client-credentials grant, with OAuth-style (not ErrorBody) errors."""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response

from genesys_emulator.service.errors import OAuthError
from genesys_emulator.service.routes.common import json_response, runtime_of

router = APIRouter()


def _basic_credentials(header: str) -> tuple[str, str]:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise OAuthError(401, "invalid_client", "client authentication required")
    try:
        client_id, sep, secret = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError(401, "invalid_client", "authentication failed") from None
    if not sep:
        raise OAuthError(401, "invalid_client", "authentication failed")
    return client_id, secret


@router.post("/oauth/token")
async def post_token(request: Request) -> Response:
    runtime = runtime_of(request)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise OAuthError(415, "invalid_request", "Content-Type must be application/x-www-form-urlencoded")
    client_id, secret = _basic_credentials(request.headers.get("authorization", ""))
    client = runtime.config.client(client_id)
    # One answer for an unknown client and a wrong secret, and a constant-time comparison,
    # so neither the status nor the timing tells a caller which client ids exist.
    expected = client.client_secret if client is not None else secrets.token_urlsafe(32)
    if not hmac.compare_digest(expected.encode(), secret.encode()) or client is None:
        raise OAuthError(401, "invalid_client", "authentication failed")
    form = parse_qs((await request.body()).decode(errors="replace"))
    if form.get("grant_type") != ["client_credentials"]:
        raise OAuthError(runtime.config.bad_grant_status, "unsupported_grant_type", "grant type not supported")
    token = runtime.tokens.issue(client)
    return json_response(
        {
            "access_token": token.value,
            "token_type": runtime.config.token_type,
            "expires_in": client.token_lifetime_seconds,
        }
    )
