"""Read a stock ``http`` Airflow connection into what the Genesys clients need, with clear errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from genesys_cloud.api.auth import mask
from genesys_cloud.api.regions import BaseUrls, resolve_base_urls
from genesys_cloud.api.settings import GenesysSettings


@dataclass(frozen=True)
class GenesysConnectionConfig:
    urls: BaseUrls
    client_id: str
    client_secret: str
    settings: GenesysSettings

    def __repr__(self) -> str:  # the dataclass default would print the secret
        return f"GenesysConnectionConfig(urls={self.urls!r}, client_id={self.client_id!r}, settings={self.settings!r})"


def config_from_connection(conn: Any) -> GenesysConnectionConfig:
    """``login`` = client id, ``password`` = client secret, ``host`` = region or base URL, ``extra`` = options."""
    conn_id = getattr(conn, "conn_id", None) or "genesys connection"
    if not conn.login:
        raise ValueError(f"Airflow connection {conn_id!r}: field 'login' (OAuth client id) is empty")
    if not conn.password:
        raise ValueError(f"Airflow connection {conn_id!r}: field 'password' (OAuth client secret) is empty")
    mask(conn.password)
    host = conn.host or ""
    if conn.port and "://" in host and host.count(":") == 1:
        host = f"{host}:{conn.port}"
    settings = GenesysSettings.from_extra(conn.extra_dejson)
    for url in (settings.rate_budget_url, *(settings.proxies or {}).values()):
        _mask_url_password(url)
    return GenesysConnectionConfig(
        urls=resolve_base_urls(host, allow_insecure_http=settings.allow_insecure_http),
        client_id=conn.login,
        client_secret=conn.password,
        settings=settings,
    )


def _mask_url_password(url: str | None) -> None:
    """Register the password of a ``scheme://user:password@host`` URL (rate budget store, proxy) with the masker."""
    try:
        password = urlsplit(url or "").password
    except ValueError:
        return
    if password:
        mask(password)
