"""The Genesys connection form as Airflow 3.3's connection-form API serves it (read from the provider info)."""

from __future__ import annotations


def test_the_form_speaks_genesys():
    from airflow.api_fastapi.core_api.services.ui.connections import HookMetaService

    form = next(m for m in HookMetaService.hook_meta_data() if m.connection_type == "genesys_cloud")
    fields = form.standard_fields
    assert form.hook_name == "Genesys Cloud"
    assert (fields.login.title, fields.password.title, fields.host.title) == (
        "Client ID",
        "Client secret",
        "Region or base URL",
    )
    assert fields.port.hidden and fields.url_schema.hidden
    assert not (fields.login.hidden or fields.password.hidden or fields.host.hidden)
    assert "mypurecloud.ie" in fields.host.placeholder
