"""Connection parsing: regions, base URLs, missing credentials, option validation."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from genesys_cloud.api.connection import config_from_connection
from genesys_cloud.api.regions import REGION_DOMAINS, resolve_base_urls
from genesys_cloud.api.settings import GenesysSettings


@pytest.mark.parametrize("domain", sorted(REGION_DOMAINS.values()))
def test_every_region_domain_maps_to_api_and_login_hosts(domain):
    urls = resolve_base_urls(domain)
    assert (urls.api, urls.login) == (f"https://api.{domain}", f"https://login.{domain}")


def test_region_enum_name_and_api_host_are_accepted():
    assert resolve_base_urls("eu_west_1").api == "https://api.mypurecloud.ie"
    assert resolve_base_urls("api.mypurecloud.de").login == "https://login.mypurecloud.de"


def test_unknown_region_names_the_field():
    with pytest.raises(ValueError, match="field 'host' has unknown region 'mypurecloud.xx'"):
        resolve_base_urls("mypurecloud.xx")


def test_full_base_url_is_used_for_api_and_login():
    urls = resolve_base_urls("http://127.0.0.1:8089/")
    assert urls.api == urls.login == "http://127.0.0.1:8089"


def test_plain_http_only_on_loopback():
    assert resolve_base_urls("http://localhost:8089").api == "http://localhost:8089"
    with pytest.raises(ValueError, match="plain http on a non-loopback host"):
        resolve_base_urls("http://genesys-gateway.internal")
    assert resolve_base_urls("https://genesys-gateway.internal").api == "https://genesys-gateway.internal"


def test_plain_http_to_a_private_emulator_needs_the_explicit_opt_in():
    config = config_from_connection(
        conn(host="http://genesys-emulator:8089", extra_dejson={"allow_insecure_http": True})
    )
    assert config.urls.api == "http://genesys-emulator:8089"
    with pytest.raises(ValueError, match="allow_insecure_http"):
        config_from_connection(conn(host="http://genesys-emulator:8089"))
    with pytest.raises(ValueError, match="'allow_insecure_http' must be true or false"):
        config_from_connection(conn(host="mypurecloud.ie", extra_dejson={"allow_insecure_http": "yes"}))


def conn(**fields):
    base = {
        "conn_id": "gc",
        "host": "mypurecloud.ie",
        "login": "id",
        "password": "a-secret",
        "port": None,
        "extra_dejson": {},
    }
    return SimpleNamespace(**{**base, **fields})


@pytest.mark.parametrize(("field", "meaning"), [("login", "client id"), ("password", "client secret")])
def test_missing_credentials_name_the_field(field, meaning):
    with pytest.raises(ValueError, match=f"field '{field}' \\(OAuth {meaning}\\) is empty"):
        config_from_connection(conn(**{field: ""}))


def test_port_is_added_to_a_base_url_host():
    assert config_from_connection(conn(host="http://127.0.0.1", port=8089)).urls.api == "http://127.0.0.1:8089"


def test_config_repr_hides_the_secret():
    assert "a-secret" not in repr(config_from_connection(conn()))


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"results_page_size": 5000}, r"'results_page_size' must be an integer in \[1, 1000\]"),
        ({"results_page_size": 0}, r"'results_page_size' must be an integer in \[1, 1000\]"),
        ({"timeout": -1}, r"'timeout' must be a number in \[1, 600\]"),
        ({"max_attempts": True}, r"'max_attempts' must be a number"),
        ({"verify_tls": "no"}, "'verify_tls' must be true or false"),
        ({"proxies": "http://p"}, "'proxies' must be a mapping"),
        ({"page_size": 10}, r"unknown option\(s\) \['page_size'\]"),
    ],
)
def test_bad_options_name_the_field_and_range(extra, message):
    with pytest.raises(ValueError, match=message):
        GenesysSettings.from_extra(extra)


def test_raising_the_configured_maximum_allows_bigger_pages():
    assert (
        GenesysSettings.from_extra({"results_max_page_size": 2000, "results_page_size": 2000}).results_page_size == 2000
    )


@pytest.mark.parametrize("host", ["https://client:s3cr3t-pw@api.mypurecloud.ie", "client:s3cr3t-pw@mypurecloud.ie"])
def test_host_with_userinfo_is_refused_naming_the_field_without_echoing_it(host):
    with pytest.raises(ValueError, match="field 'host' must not contain user:password@") as caught:
        resolve_base_urls(host)
    assert "s3cr3t-pw" not in str(caught.value)


def test_no_secret_in_any_config_repr():
    from genesys_pipeline.normalize.pii import PiiConfig
    from genesys_pipeline.settings import PipelineSettings

    settings = GenesysSettings.from_extra({"proxies": {"https": "http://proxyuser:proxy-pw-1@proxy:3128"}})
    conn = SimpleNamespace(
        conn_id="c",
        login="id",
        password="client-pw-2",
        host="mypurecloud.ie",
        port=None,
        extra_dejson={"proxies": settings.proxies},
    )
    pipeline = PipelineSettings(staging_root="/tmp/s", pii_config='{"hash": ["ani"], "salt": "old-salt-3"}')
    texts = [
        repr(settings),
        repr(config_from_connection(conn)),
        repr(pipeline),
        repr(PiiConfig(hash=("ani",), salt="salt-4")),
    ]
    for secret in ("proxy-pw-1", "client-pw-2", "old-salt-3", "salt-4"):
        assert not any(secret in text for text in texts), secret


def test_store_and_proxy_passwords_are_masked_and_kept_out_of_repr(monkeypatch):
    from genesys_cloud.api import connection

    masked: list[str] = []
    monkeypatch.setattr(connection, "mask", masked.append)
    extra = {
        "rate_budget_backend": "redis",
        "rate_budget_url": "redis://:store-pw-42@redis:6379/0",
        "proxies": {"https": "http://u:proxy-pw-43@proxy:3128"},
    }
    config = config_from_connection(conn(extra_dejson=extra))
    assert {"store-pw-42", "proxy-pw-43"} <= set(masked)
    assert "store-pw-42" not in repr(config) and "proxy-pw-43" not in repr(config)
