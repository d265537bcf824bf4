"""Client-credentials tokens: request, parse, cache per process, and keep out of logs.

Genesys issues no refresh token for this grant, so "refresh" means asking for a new token.
Tokens are cached per (login URL, client id, secret fingerprint) until shortly before
``expires_in``, so the many hooks a worker or triggerer creates share one token instead of
hammering /oauth/token, while a connection with a wrong secret never rides on a token that
another connection obtained with the right one.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import orjson

from genesys_cloud.api.exceptions import GenesysAuthError

TOKEN_PATH = "/oauth/token"
# Renew this long before expiry so a token never dies between our check and the server's.
EXPIRY_MARGIN_SECONDS = 60.0
MAX_ERROR_TEXT = 200


def mask(value: str) -> None:
    """Register a secret with Airflow's log masker (no-op where Airflow is not installed)."""
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:
        return
    mask_secret(value)


TokenKey = tuple[str, str, str]


def token_key(login_url: str, client_id: str, client_secret: str) -> TokenKey:
    """Cache key of a credential set; the secret enters only as a one-way fingerprint."""
    return (login_url, client_id, hashlib.sha256(client_secret.encode()).hexdigest()[:16])


def token_request(client_id: str, client_secret: str) -> tuple[dict[str, str], dict[str, str]]:
    """Headers and form body of the token call: credentials in Basic auth, as the SDK sends them."""
    basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    mask(basic)
    headers = {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"}
    return headers, {"grant_type": "client_credentials"}


@dataclass(frozen=True)
class AccessToken:
    value: str
    expires_at: float  # on the monotonic clock

    def is_fresh(self, now: float) -> bool:
        return now < self.expires_at


def parse_token_response(status: int, content: bytes, now: float) -> AccessToken:
    """The token from a 200, or GenesysAuthError carrying the OAuth error text (never the request)."""
    try:
        body = orjson.loads(content) if content else {}
    except orjson.JSONDecodeError:
        body = {}
    if status != 200 or not isinstance(body, dict) or not body.get("access_token"):
        if isinstance(body, dict) and body.get("error"):
            detail = body.get("description") or body.get("error_description") or ""
            text = f"{body['error']}: {detail}".strip(": ")
        else:
            text = content[:MAX_ERROR_TEXT].decode("utf-8", "replace")
        raise GenesysAuthError(
            f"Genesys rejected the client credentials (HTTP {status}): {text}. "
            "Check the connection's login (client id) and password (client secret) and the region in host."
        )
    value = str(body["access_token"])
    mask(value)
    lifetime = float(body.get("expires_in") or 300)
    margin = min(EXPIRY_MARGIN_SECONDS, lifetime / 10)
    return AccessToken(value=value, expires_at=now + lifetime - margin)


class TokenCache:
    """Process-wide token store keyed by :func:`token_key`."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._tokens: dict[TokenKey, AccessToken] = {}
        self._lock = threading.Lock()

    def get(self, key: TokenKey) -> str | None:
        with self._lock:
            token = self._tokens.get(key)
            return token.value if token and token.is_fresh(self.clock()) else None

    def put(self, key: TokenKey, token: AccessToken) -> None:
        with self._lock:
            self._tokens[key] = token

    def invalidate(self, key: TokenKey, value: str) -> None:
        """Drop ``value`` unless another caller already replaced it with a newer token."""
        with self._lock:
            current = self._tokens.get(key)
            if current is not None and current.value == value:
                del self._tokens[key]

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()


TOKEN_CACHE = TokenCache()
