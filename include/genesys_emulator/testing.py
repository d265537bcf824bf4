"""Run the emulator in-process for tests: ``EmulatorServer`` (uvicorn on a background thread),
driven through ``EmulatorControl`` (a thin HTTP client of the ``/_emulator`` control plane).

Tests talk to the emulator over real HTTP exactly as the pipeline does, so connection-level
behaviour (dropped connections, truncated bodies) is exercised for real.
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

from genesys_emulator.config import EmulatorConfig
from genesys_emulator.control_client import EmulatorControl
from genesys_emulator.service.app import create_app

__all__ = ["EmulatorControl", "EmulatorServer"]


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

    def start(self, timeout: float = 10.0) -> EmulatorServer:
        # Idle keep-alive connections live 75 s (a load balancer's usual idle timeout) rather
        # than uvicorn's 5 s, so a test pausing about 5 s between calls does not race the close.
        config = uvicorn.Config(
            self.app,
            host=self.host,
            port=self.port,
            log_level="critical",
            access_log=False,
            lifespan="off",
            timeout_keep_alive=75,
        )
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

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
