"""One deadline over a whole HTTP exchange: connect, TLS handshake, status line, headers and body.

``requests``' ``timeout`` bounds each socket operation, not the exchange: a server dripping a
header line a byte at a time held a ``timeout=1`` request for 50 s (it ended only at
``http.client``'s 100-header limit), and the body reader's own deadline starts counting only once
the headers are in. Here a watchdog timer shuts down every socket the exchange opened or reused
when its deadline passes: the blocked read returns at once, whatever phase it was in. The
read then sees EOF, which ``http.client`` may take for the end of the headers and hand back as
a response: so a caller must treat ``watch.expired`` as a failure whatever came back.

Use it by mounting :class:`DeadlineAdapter` on a session (its connections report their sockets
to the exchange running in their thread) and running each exchange inside ``with
ExchangeDeadline(seconds) as watch:``; ``watch.expired`` says afterwards whether the deadline
ended it.
"""

from __future__ import annotations

import socket
import threading
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_running = threading.local()  # the ExchangeDeadline of this thread's exchange, if any


class ExchangeDeadline:
    """Shuts down the sockets of the exchange run inside ``with`` once ``seconds`` have passed."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def watch(self, sock: socket.socket | None) -> None:
        """Called by a watched connection for each socket it opens or reuses."""
        if sock is None:
            return
        with self._lock:
            if not self.expired:
                self._sockets.append(sock)
                return
        _shut(sock)  # the deadline passed already: nothing more may start

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shut(sock)

    def __enter__(self) -> ExchangeDeadline:
        _running.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        _running.deadline = None
        with self._lock:
            self._sockets = []


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # closed already


def _watch(sock: Any) -> None:
    deadline = getattr(_running, "deadline", None)
    if deadline is not None:
        deadline.watch(sock)


class _WatchedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _watch(sock)  # before the TLS handshake: shutting the raw socket ends that too
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self.sock)  # a pooled connection reused by this exchange
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _watch(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self.sock)
        super().request(*args, **kwargs)


class _WatchedPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_POOLS = {"http": _WatchedPool, "https": _WatchedHTTPSPool}


class DeadlineAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose connections (direct or through a proxy) report their sockets to the
    running :class:`ExchangeDeadline`."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = dict(_POOLS)
        return manager


def mount_deadline_adapter(session: requests.Session) -> None:
    """Watch every http(s) exchange of ``session``; an adapter someone mounted on purpose (a test
    double) is left in place."""
    for prefix in ("https://", "http://"):
        if type(session.get_adapter(prefix)) is HTTPAdapter:
            session.mount(prefix, DeadlineAdapter())
