"""A loopback HTTP server that gives every request one fixed answer, at once or dripped a byte
at a time: what the body reader's size cap and deadline are for. (A module of its own: the
reliability suite uses it too.)"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

DRIP_SECONDS = 0.2


def http_answer(body: bytes, **headers: str) -> bytes:
    lines = [b"HTTP/1.1 200 OK", b"Content-Type: application/json", f"Content-Length: {len(body)}".encode()]
    lines += [f"{name}: {value}".encode() for name, value in headers.items()]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


@contextmanager
def hostile_servers() -> Iterator[Callable[..., str]]:
    """``start(answer, drip=False, endless_headers=False)`` -> base URL of a new server; all stop when
    the block ends. ``drip`` sends the body a byte every ``DRIP_SECONDS``; ``endless_headers`` sends
    the status line, then header lines a byte at a time for as long as the client listens."""
    stop = threading.Event()
    started: list[tuple[socket.socket, threading.Thread]] = []

    def start(answer: bytes, drip: bool = False, endless_headers: bool = False) -> str:
        listener = socket.create_server(("127.0.0.1", 0))
        listener.settimeout(0.2)
        serve = _serve_endless_headers if endless_headers else _serve
        thread = threading.Thread(target=serve, args=(listener, answer, drip, stop), daemon=True)
        thread.start()
        started.append((listener, thread))
        return f"http://127.0.0.1:{listener.getsockname()[1]}"

    try:
        yield start
    finally:
        stop.set()
        for listener, thread in started:
            thread.join(timeout=5)
            listener.close()


def _accept(listener: socket.socket, stop: threading.Event, answer: Callable[[socket.socket], None]) -> None:
    """Serves connections one at a time until ``stop``: reads the request, then ``answer(conn)``."""
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except OSError:
            continue
        with conn:
            try:
                conn.recv(65536)
                answer(conn)
            except OSError:
                continue


def _serve(listener: socket.socket, answer: bytes, drip: bool, stop: threading.Event) -> None:
    head, _, body = answer.partition(b"\r\n\r\n")

    def send(conn: socket.socket) -> None:
        if not drip:
            conn.sendall(answer)
            return
        conn.sendall(head + b"\r\n\r\n")
        for index in range(len(body)):
            if stop.is_set():
                return
            conn.sendall(body[index : index + 1])
            time.sleep(DRIP_SECONDS)

    _accept(listener, stop, send)


def _serve_endless_headers(listener: socket.socket, answer: bytes, drip: bool, stop: threading.Event) -> None:
    """Each connection gets ``HTTP/1.1 200 OK`` and then ``X-Drip: 1`` lines, a byte every ``DRIP_SECONDS``."""
    status = answer.partition(b"\r\n")[0] + b"\r\n"

    def send(conn: socket.socket) -> None:
        conn.sendall(status)
        while not stop.is_set():
            for byte in b"X-Drip: 1\r\n":
                conn.sendall(bytes([byte]))
                time.sleep(DRIP_SECONDS)

    _accept(listener, stop, send)
