"""Where a Genesys connection points: a region domain, or a full base URL (emulator, gateway)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

# SDK 269 region enum name -> domain; API host is api.<domain>, login host login.<domain>.
REGION_DOMAINS: dict[str, str] = {
    "us_east_1": "mypurecloud.com",
    "us_west_2": "usw2.pure.cloud",
    "us_east_2": "use2.us-gov-pure.cloud",
    "ca_central_1": "cac1.pure.cloud",
    "eu_west_1": "mypurecloud.ie",
    "eu_west_2": "euw2.pure.cloud",
    "eu_central_1": "mypurecloud.de",
    "eu_central_2": "euc2.pure.cloud",
    "eusc_de_east_1": "edee1.eusc-pure.cloud",
    "ap_south_1": "aps1.pure.cloud",
    "ap_northeast_1": "mypurecloud.jp",
    "ap_northeast_2": "apne2.pure.cloud",
    "ap_northeast_3": "apne3.pure.cloud",
    "ap_southeast_1": "apse1.pure.cloud",
    "ap_southeast_2": "mypurecloud.com.au",
    "sa_east_1": "sae1.pure.cloud",
    "me_central_1": "mec1.pure.cloud",
    "mx_central_1": "mxc1.pure.cloud",
}
_LOOPBACK_NAMES = {"localhost"}


@dataclass(frozen=True)
class BaseUrls:
    api: str
    login: str


def _is_loopback(hostname: str) -> bool:
    if hostname in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def resolve_base_urls(host: str | None, allow_insecure_http: bool = False) -> BaseUrls:
    """Base URLs for a connection ``host``: a region domain, enum name, or full URL.

    Plain http is refused except on loopback, so credentials never cross a network unencrypted;
    ``allow_insecure_http`` is the explicit opt-in for an emulator on a private network
    (the docker-compose service), never needed for a real region.
    """
    value = (host or "").strip().rstrip("/")
    if not value:
        raise ValueError("Genesys connection field 'host' is empty: set a region domain such as mypurecloud.ie")
    if "@" in value:  # user:password@ would be echoed by errors and test_connection, and sent nowhere useful
        raise ValueError(
            "Genesys connection field 'host' must not contain user:password@; the client id and "
            "secret belong in the fields 'login' and 'password'"
        )
    if "://" in value:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"Genesys connection field 'host' is not an http(s) URL: {value!r}")
        if parts.scheme == "http" and not (allow_insecure_http or _is_loopback(parts.hostname)):
            raise ValueError(
                "Genesys connection field 'host' uses plain http on a non-loopback host; use https "
                "(or set extra 'allow_insecure_http': true for an emulator on a private network)"
            )
        return BaseUrls(api=value, login=value)
    domain = REGION_DOMAINS.get(value.lower(), value.lower())
    for prefix in ("api.", "login."):
        domain = domain.removeprefix(prefix)
    if domain not in REGION_DOMAINS.values():
        known = ", ".join(sorted(REGION_DOMAINS.values()))
        raise ValueError(f"Genesys connection field 'host' has unknown region {value!r}; known regions: {known}")
    return BaseUrls(api=f"https://api.{domain}", login=f"https://login.{domain}")
