"""Run the emulator in-process for tests: ``EmulatorServer`` (uvicorn on a background thread)
and ``EmulatorControl`` (a thin HTTP client of the ``/_emulator`` control plane).

Tests talk to the emulator over real HTTP exactly as the pipeline does, so connection-level
behaviour (dropped connections, truncated bodies) is exercised for real.
"""
from __future__ import annotations

import socket
import threading
import time
from typing import Any

import requests
import uvicorn

from .app import create_app
from .config import EmulatorConfig


class EmulatorControl:
    """Client of the control plane; every method is one HTTP call."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._session = requests.Session()
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

    def ground_truth(self, interval: str, semantics: str = "overlap") -> dict:
        """``count`` and ``conversation_ids`` a correct extraction of ``interval`` yields."""
        return self._call("GET", "/ground-truth", params={"interval": interval, "semantics": semantics})

    def warm(self, interval: str) -> dict:
        """Pre-generate the records of ``interval`` into the emulator's record cache."""
        return self._call("POST", "/warm", json={"interval": interval})

    def stats(self) -> dict:
        """Request counts: ``{operation name: {status: count}}``."""
        return self._call("GET", "/stats")

    def webhooks(self) -> list[dict]:
        return self._call("GET", "/webhooks")


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class EmulatorServer:
    """The emulator served by uvicorn on a daemon thread; use as a context manager."""

    def __init__(self, config: EmulatorConfig | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port or _free_port(host)
        self.app = create_app(config)
        self.base_url = f"http://{host}:{self.port}"
        self.control = EmulatorControl(self.base_url)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = 10.0) -> "EmulatorServer":
        config = uvicorn.Config(self.app, host=self.host, port=self.port, log_level="critical",
                                access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name=f"genesys-emulator-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"emulator did not start on {self.base_url}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self) -> "EmulatorServer":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
