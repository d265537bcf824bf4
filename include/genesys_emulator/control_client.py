"""``EmulatorControl``: a thin HTTP client of the emulator's ``/_emulator`` control plane.

Apart from the server (``testing.EmulatorServer``) so that benchmarks and scripts can drive
an emulator process without importing uvicorn, FastAPI and the emulator app: the pipeline's
own memory is what benchmarks measure.
"""

from __future__ import annotations

from typing import Any

import requests


class EmulatorControl:
    """Client of the control plane; every method is one HTTP call."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._session = requests.Session()
        # A new connection per call: control calls are rare and often follow a long pipeline
        # run, when a kept-alive connection may be closed by the server just as it is reused.
        self._session.headers["Connection"] = "close"
        self._timeout = timeout

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._session.request(method, f"{self.base_url}/_emulator{path}", timeout=self._timeout, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"control call {method} {path} failed: {response.status_code} {response.text}")
        return response.json()

    def reset(self, **config_overrides: Any) -> None:
        """Fresh state from the server's startup config plus ``config_overrides``."""
        self._call("POST", "/reset", json=config_overrides)

    def configure(self, **overrides: Any) -> None:
        """Change settings while keeping tokens, jobs and faults."""
        self._call("POST", "/configure", json=overrides)

    def add_fault(self, route: str, kind: str, count: int = 1, **params: Any) -> dict:
        return self._call("POST", "/faults", json={"route": route, "kind": kind, "count": count, **params})

    def faults(self) -> list[dict]:
        return self._call("GET", "/faults")

    def set_fault_probabilities(self, rates: dict[str, float], seed: int = 0) -> None:
        self._call("POST", "/faults/probabilities", json={"rates": rates, "seed": seed})

    def expire_tokens(self) -> int:
        return self._call("POST", "/tokens/expire")["expired"]

    def issued_tokens(self) -> list[str]:
        """Every access token the emulator issued since the last reset."""
        return self._call("GET", "/tokens")["tokens"]

    def advance_clock(self, seconds: float) -> dict:
        return self._call("POST", "/clock/advance", json={"seconds": seconds})

    def clock(self) -> dict:
        return self._call("GET", "/clock")

    def set_clock(self, now_iso: str) -> dict:
        """Pin org time at ``now_iso``; it then moves only with ``advance_clock``."""
        return self._call("POST", "/clock", json={"now": now_iso})

    def add_client(
        self,
        client_id: str,
        client_secret: str,
        *,
        divisions: list[str] | str = "all",
        permissions: list[str] | None = None,
    ) -> dict:
        body: dict[str, Any] = {"client_id": client_id, "client_secret": client_secret, "divisions": divisions}
        if permissions is not None:
            body["permissions"] = permissions
        return self._call("POST", "/clients", json=body)

    def ground_truth(self, interval: str, semantics: str = "overlap") -> dict:
        """``count`` and ``conversation_ids`` a correct extraction of ``interval`` yields."""
        return self._call("GET", "/ground-truth", params={"interval": interval, "semantics": semantics})

    def warm(self, interval: str) -> dict:
        """Pre-generate the records of ``interval`` into the emulator's record cache."""
        return self._call("POST", "/warm", json={"interval": interval})

    def stats(self) -> dict:
        """Request counts: ``{operation name: {status: count}}``."""
        return self._call("GET", "/stats")

    def request_times(self, client_id: str) -> list[float]:
        """Arrival times of the client's API requests (every token), oldest first."""
        return self._call("GET", "/requests", params={"client_id": client_id})["times"]

    def webhooks(self) -> list[dict]:
        return self._call("GET", "/webhooks")
