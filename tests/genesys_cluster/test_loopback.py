"""The loopback forwarder: bytes both ways, 127.0.0.1 only, new connections follow a retarget."""

from __future__ import annotations

import argparse
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from genesys_cluster.loopback import LOOPBACK, _address, forwarding


@contextmanager
def tagged_echo_server(tag: bytes) -> Iterator[tuple[str, int]]:
    """Answers every line with ``tag`` + the line, one connection after another."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                data = conn.recv(1024)
                conn.sendall(tag + data)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[:2]
    finally:
        stop.set()
        thread.join(timeout=5)
        server.close()


def exchange(port: int, payload: bytes) -> bytes:
    with socket.create_connection((LOOPBACK, port), timeout=10) as conn:
        conn.sendall(payload)
        chunks = []
        try:
            while chunk := conn.recv(1024):
                chunks.append(chunk)
        except ConnectionResetError:  # the forwarder dropped the connection (target unreachable)
            return b""
        return b"".join(chunks)


def test_relays_both_ways_on_loopback_only_and_follows_a_retarget():
    with tagged_echo_server(b"a:") as first, tagged_echo_server(b"b:") as second, forwarding(first) as forwarder:
        assert forwarder._server.getsockname()[0] == "127.0.0.1"
        assert forwarder.url == f"http://127.0.0.1:{forwarder.port}"
        assert exchange(forwarder.port, b"ping") == b"a:ping"
        forwarder.retarget(second)
        assert exchange(forwarder.port, b"pong") == b"b:pong"


def test_an_unreachable_target_closes_the_client_and_keeps_serving():
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        dead = placeholder.getsockname()[:2]
    with tagged_echo_server(b"ok:") as live, forwarding(dead) as forwarder:
        assert exchange(forwarder.port, b"x") == b""
        forwarder.retarget(live)
        assert exchange(forwarder.port, b"y") == b"ok:y"


@pytest.mark.parametrize("text", ["172.19.0.7", "host:port", ":8080"])
def test_target_must_be_host_and_port(text):
    with pytest.raises(argparse.ArgumentTypeError, match="HOST:PORT"):
        _address(text)
    assert _address("172.19.0.7:8080") == ("172.19.0.7", 8080)
