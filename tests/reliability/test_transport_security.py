"""Transport rules of the Genesys connection: every real region is https with certificate
verification on, plain http is only accepted on loopback, and an unverifiable certificate stops
the call before any credential is sent."""

from __future__ import annotations

import http.server
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from genesys_cloud.api.exceptions import GenesysTransientError
from genesys_cloud.api.regions import REGION_DOMAINS, resolve_base_urls
from genesys_cloud.hook import GenesysCloudHook
from tests.support.connections import set_genesys_cloud_connection

NON_LOOPBACK_HTTP = (
    "http://api.mypurecloud.ie",
    "http://10.1.2.3:8089",
    "http://emulator.internal:8089",
    "http://127.0.0.1.nip.io:8089",
)
LOOPBACK_HTTP = ("http://127.0.0.1:8089", "http://localhost:8089", "http://[::1]:8089")


def use_connection(monkeypatch: pytest.MonkeyPatch, host: str, **extra: object) -> GenesysCloudHook:
    set_genesys_cloud_connection(monkeypatch, host, login="client", password="transport-secret", extra=extra)
    return GenesysCloudHook()


@pytest.mark.parametrize("region", sorted(REGION_DOMAINS))
def test_every_region_is_https_with_verification(region, monkeypatch):
    hook = use_connection(monkeypatch, region)

    assert hook.client.urls.api.startswith("https://api.") and hook.client.urls.login.startswith("https://login.")
    assert hook.client.session.verify is True


@pytest.mark.parametrize("host", NON_LOOPBACK_HTTP)
def test_plain_http_is_refused_off_loopback(host, monkeypatch):
    with pytest.raises(ValueError, match=r"field 'host'.*plain http"):
        resolve_base_urls(host)


@pytest.mark.parametrize("host", LOOPBACK_HTTP)
def test_plain_http_is_accepted_on_loopback_only(host):
    assert resolve_base_urls(host).api == host


@pytest.fixture(scope="module")
def self_signed_server(tmp_path_factory) -> Iterator[tuple[str, list[str]]]:
    """An https server on loopback with a certificate no CA signed; yields its URL and the paths it was asked for."""
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    requested: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            requested.append(self.path)
            self.send_response(500)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(Path(cert), Path(key))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", requested
    finally:
        server.shutdown()
        server.server_close()


def test_unverifiable_certificate_stops_before_credentials_are_sent(self_signed_server, monkeypatch, report_row):
    url, requested = self_signed_server
    hook = use_connection(monkeypatch, url, max_attempts=1)

    with pytest.raises(GenesysTransientError) as failure:
        hook.get_token()

    assert "CERTIFICATE_VERIFY_FAILED" in str(failure.value.__cause__)
    assert requested == [], "the token request (with its Basic credentials) reached an unverified server"
    report_row(
        "security",
        check=f"TLS: {len(REGION_DOMAINS)} regions resolve to https with verification on; plain http refused off "
        "loopback; a self-signed certificate on https://127.0.0.1",
        result="all regions https + verify; non-loopback http refused naming 'host'; "
        "CERTIFICATE_VERIFY_FAILED before any credential was sent",
    )
