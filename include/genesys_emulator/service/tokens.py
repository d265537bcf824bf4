"""Bearer tokens the emulator issues, each with its own expiry on the service clock."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass

from genesys_emulator.config import ClientConfig
from genesys_emulator.service.clock import Clock


@dataclass
class Token:
    value: str
    client: ClientConfig
    expires_at: float


class TokenStore:
    """Opaque bearer tokens issued to clients, each with its own expiry."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._tokens: dict[str, Token] = {}
        self._lock = threading.Lock()

    def issue(self, client: ClientConfig) -> Token:
        token = Token(secrets.token_urlsafe(32), client, self._clock.now() + client.token_lifetime_seconds)
        with self._lock:
            self._tokens[token.value] = token
        return token

    def lookup(self, value: str) -> tuple[Token | None, bool]:
        """The token and whether it has expired; ``(None, False)`` when never issued."""
        token = self._tokens.get(value)
        if token is None:
            return None, False
        return token, token.expires_at <= self._clock.now()

    def issued(self) -> list[str]:
        """Every token value issued since the last reset, for leak scans in security tests."""
        with self._lock:
            return list(self._tokens)

    def expire_all(self) -> int:
        now = self._clock.now()
        with self._lock:
            for token in self._tokens.values():
                token.expires_at = min(token.expires_at, now)
            return len(self._tokens)
