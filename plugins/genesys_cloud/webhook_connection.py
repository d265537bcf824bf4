"""What a ``genesys_sync_webhook`` connection may be, checked before anything is sent.

HttpHook turns a connection's ``login`` into Basic auth with the ``password`` as its
password, and the password here is the signing secret: a login would send the secret to the
receiver (and anyone on the path) with every delivery. Plain ``http`` to a host other than
loopback would expose the signed events the same way. Both are refused, naming the field;
``allow_insecure_http: true`` in ``extra`` is the explicit opt-out for a receiver on a private
network, the same switch as the Genesys connection's.

Every other ``extra`` key becomes a request header, except the ones HttpHook reads as transport
options: ``verify: false`` would switch certificate checks off, ``proxies`` route the signed
event through another host, ``cert``, ``allow_redirects``, ``max_redirects``, ``timeout``,
``stream``, ``trust_env`` and ``check_response`` change how (and how long) delivery happens. Those
are refused by name: delivery's transport is fixed here (verified TLS, no redirects, bounded).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from genesys_cloud.api.regions import _is_loopback

OPT_OUT = "allow_insecure_http"
# The connection extras HttpHook takes as transport options rather than headers (http provider).
TRANSPORT_EXTRAS = (
    "allow_redirects",
    "cert",
    "check_response",
    "max_redirects",
    "proxies",
    "proxy",
    "srv_lookup",
    "stream",
    "timeout",
    "trust_env",
    "verify",
    "verify_ssl",
)


def checked_webhook_secret(
    conn_id: str, host: str | None, login: str | None, password: str | None, extra: dict[str, Any]
) -> str:
    """The signing secret of a connection that is safe to send through; ValueError names the bad field."""
    if login:
        raise ValueError(
            f"connection {conn_id!r} field 'login' must be empty: HttpHook would send the signing "
            "secret (the password) as Basic auth"
        )
    if not password:
        raise ValueError(f"connection {conn_id!r} has no password: set it to the webhook signing secret")
    parts = urlsplit(host or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"connection {conn_id!r} field 'host' must be the receiver's full http(s) URL")
    if parts.username or parts.password:
        raise ValueError(f"connection {conn_id!r} field 'host' must not carry user:password@")
    transport = sorted(key for key in extra if key.lower() in TRANSPORT_EXTRAS)
    if transport:
        raise ValueError(
            f"connection {conn_id!r} extra {', '.join(map(repr, transport))} would change how the webhook is "
            "delivered (HttpHook reads it as a transport option, not a header); remove it: delivery always "
            "verifies TLS, follows no redirect and is time-bounded"
        )
    opt_out = extra.get(OPT_OUT, False)
    if not isinstance(opt_out, bool):
        raise ValueError(f"connection {conn_id!r} extra '{OPT_OUT}' must be true or false, got {opt_out!r}")
    if parts.scheme == "http" and not (opt_out or _is_loopback(parts.hostname)):
        raise ValueError(
            f"connection {conn_id!r} field 'host' uses plain http on a non-loopback host; use https "
            f"(or set extra '{OPT_OUT}': true for a receiver on a private network)"
        )
    return password
