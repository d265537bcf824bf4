"""A TCP forwarder from a 127.0.0.1 port to a container address on an internal Docker network.

Docker publishes no port from a network created with ``internal: true`` (the stand-in stack's
networks, deploy/compose.standin.yaml), yet the host still reaches the containers' addresses over
the bridge. This forwarder gives the host what the users' compose file promises, the UI on
127.0.0.1 only, without giving any container a route off its network.

    python -m genesys_cluster.loopback --listen-port 18080 --target 172.19.0.7:8080
"""

from __future__ import annotations

import argparse
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

LOOPBACK = "127.0.0.1"
CHUNK = 64 * 1024


def _pump(source: socket.socket, sink: socket.socket) -> None:
    """Copy one direction until either side closes, then close both (the other pump ends too)."""
    try:
        while data := source.recv(CHUNK):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            end.close()


class LoopbackForwarder:
    """Accepts on 127.0.0.1 (never another interface) and relays each connection to ``target``."""

    def __init__(self, target: tuple[str, int], listen_port: int = 0) -> None:
        self.target = target
        self._server = socket.create_server((LOOPBACK, listen_port))
        self.port: int = self._server.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, name=f"loopback:{self.port}", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> LoopbackForwarder:
        self._thread.start()
        return self

    def retarget(self, target: tuple[str, int]) -> None:
        """A recreated container gets a new address; new connections go there."""
        self.target = target

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:  # closed by stop()
                return
            try:
                upstream = socket.create_connection(self.target, timeout=10)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()

    def stop(self) -> None:
        self._server.close()
        self._thread.join(timeout=5)


@contextmanager
def forwarding(target: tuple[str, int], listen_port: int = 0) -> Iterator[LoopbackForwarder]:
    forwarder = LoopbackForwarder(target, listen_port).start()
    try:
        yield forwarder
    finally:
        forwarder.stop()


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"--target must be HOST:PORT, got {text!r}")
    return host, int(port)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen-port", type=int, required=True)
    parser.add_argument("--target", type=_address, required=True, help="HOST:PORT of the container")
    args = parser.parse_args(argv)
    forwarder = LoopbackForwarder(args.target, args.listen_port)
    print(f"forwarding {forwarder.url} -> {args.target[0]}:{args.target[1]} (Ctrl-C stops)", flush=True)
    try:
        forwarder._accept()
    except KeyboardInterrupt:
        pass
    finally:
        forwarder.stop()


if __name__ == "__main__":
    main()
