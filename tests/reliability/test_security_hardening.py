"""Security hardening end to end (issue 16): each check drives the real component over real
sockets, files or the real compose file, and adds its row to docs/reliability.md.

The per-function details live in the unit tests (tests/genesys_cloud, tests/genesys_pipeline,
tests/deploy, tests/dags); these are the deployment-shaped runs behind the published rows.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import stat
import time
from datetime import UTC, datetime, timedelta

import pytest

from genesys_pipeline.report import webhook
from genesys_pipeline.staging.area import MANIFEST_NAME, StagingArea
from genesys_pipeline.staging.retention import purge_expired
from tests.reliability.reliability_runs import genesys_connection
from tests.support.paths import ROOT

YEAR_SECONDS = 31_536_000


@pytest.fixture()
def recorded_hook(monkeypatch):
    """A factory of hooks on the current connection whose waits are recorded, not slept; the hook's
    rate budget reads a clock that those recorded waits move on, as real sleeps would."""
    from genesys_cloud.api.auth import TOKEN_CACHE
    from genesys_cloud.api.rate_budget import LocalRateBudget
    from genesys_cloud.hook import GenesysCloudHook

    TOKEN_CACHE.clear()

    def make() -> tuple[GenesysCloudHook, list[float]]:
        hook = GenesysCloudHook()
        waits: list[float] = []

        def sleep(seconds: float) -> None:
            waits.append(seconds)
            assert len(waits) < 1000, "the client keeps waiting: a loop that never ends"

        hook.client.budget = LocalRateBudget(clock=lambda: time.monotonic() + sum(waits))
        hook.client.sleep = sleep
        return hook, waits

    yield make
    TOKEN_CACHE.clear()


def test_a_year_long_ratelimit_reset_delays_at_most_the_cap(emulator, monkeypatch, recorded_hook, report_row):
    from genesys_cloud.api.exceptions import GenesysRateLimitExceeded

    emulator.control.reset(rate_limit_requests=2, rate_limit_window_seconds=YEAR_SECONDS)
    genesys_connection(monkeypatch, emulator.base_url)
    hook, waits = recorded_hook()
    cap = hook.settings.max_retry_after_seconds

    with pytest.raises(GenesysRateLimitExceeded, match="above the 300 s cap") as caught:
        for _ in range(5):  # bounded: the third call is over the emulator's allowance
            hook.get_data_availability()

    assert waits and sum(waits) <= cap, waits
    report_row(
        "security",
        check=f"emulator answering `inin-ratelimit-reset: {YEAR_SECONDS}` (allowance used up), "
        "then a 429 with the same Retry-After",
        result=f"paced {sum(waits):.0f} s in total (cap {cap:.0f} s), then failed clearly: "
        f"'{str(caught.value)[:80]}…'; every task has an execution_timeout (1 h, extract 3 h, wait 7 h)",
    )


def test_bombs_and_drips_over_real_sockets_fail_clearly(monkeypatch, recorded_hook, report_row):
    from genesys_cloud.api.exceptions import GenesysTransientError
    from tests.support.hostile_server import hostile_servers, http_answer

    token = http_answer(b'{"access_token": "t", "token_type": "bearer", "expires_in": 86400}')
    bomb = gzip.compress(b"0" * (20 * 1024 * 1024))
    results = {}
    dripping = {"timeout": 1, "request_deadline_seconds": 2}
    cases = {
        "gzip bomb": (http_answer(bomb, **{"Content-Encoding": "gzip"}), {}, {"max_response_bytes": 1024 * 1024}),
        "body dripping a byte every 0.2 s": (http_answer(b" " * 400), {"drip": True}, dripping),
        "header lines dripping a byte every 0.2 s, endlessly": (http_answer(b""), {"endless_headers": True}, dripping),
    }
    for case, (answer, mode, extra) in cases.items():
        with hostile_servers() as start:
            # The token comes from a healthy server; the API answers come from the hostile one.
            token_base, api_base = start(token), start(answer, **mode)
            genesys_connection(monkeypatch, api_base, max_attempts=2, **extra)
            hook, _ = recorded_hook()
            hook.client.urls = type(hook.client.urls)(api=api_base, login=token_base)
            started = time.monotonic()
            with pytest.raises(GenesysTransientError) as caught:
                hook.get_data_availability()
            results[case] = (time.monotonic() - started, str(caught.value))

    assert "ResponseTooLargeError" in results["gzip bomb"][1]
    assert "ResponseDeadlineError" in results["body dripping a byte every 0.2 s"][1]
    assert results["body dripping a byte every 0.2 s"][0] < 10  # 2 attempts x 2 s deadline, not 80 s
    headers = results["header lines dripping a byte every 0.2 s, endlessly"]
    assert "ResponseDeadlineError" in headers[1] and headers[0] < 10  # was 50 s a try (http.client's 100 headers)
    report_row(
        "security",
        check=f"gzip bomb ({len(bomb) // 1024} KB on the wire, 20 MB decompressed; cap 1 MB), a body and "
        "endless header lines dripping a byte every 0.2 s (timeout 1 s, deadline 2 s), over real sockets",
        result="; ".join(
            f"{case}: retried once, failed in {seconds:.1f} s with '{message[-60:]}'"
            for case, (seconds, message) in results.items()
        ),
    )


def test_webhook_events_of_one_run_get_distinct_signed_keys(emulator, monkeypatch, report_row):
    from genesys_cloud.operators.notify import post_event

    secret = "emulator-webhook-secret"
    sink = f"{emulator.base_url}/_emulator/webhooks"
    monkeypatch.setenv(
        "AIRFLOW_CONN_GENESYS_SYNC_WEBHOOK", json.dumps({"conn_type": "http", "host": sink, "password": secret})
    )
    summary = {"dag_id": "d", "run_id": "manual__1", "partition": "2024-05-01", "try_number": 1}
    failed = webhook.event_from_audit(webhook.EVENT_FAILED, {**summary, "status": "failed", "task_id": "authenticate"})
    synced = webhook.event_from_audit(webhook.EVENT_SYNCED, {**summary, "status": "success", "task_id": "audit"})
    for event, key in (failed, synced):  # a failed try, then the cleared run's success
        post_event(event, key, backoff_seconds=0)
    refused = {}
    for label, conn in {
        "a login": {"host": sink, "login": "user"},
        "plain http off loopback": {"host": "http://hooks.example.com/genesys"},
    }.items():
        monkeypatch.setenv(
            "AIRFLOW_CONN_GENESYS_SYNC_WEBHOOK", json.dumps({"conn_type": "http", "password": secret, **conn})
        )
        with pytest.raises(ValueError) as caught:
            post_event(synced[0], synced[1], backoff_seconds=0)
        refused[label] = str(caught.value)

    deliveries = emulator.control.webhooks()
    assert [(d["accepted"], d["duplicate"]) for d in deliveries] == [(True, False), (True, False)]
    assert failed[1] != synced[1]
    assert "'login' must be empty" in refused["a login"] and "plain http" in refused["plain http off loopback"]
    assert len(deliveries) == 2  # nothing was sent through the refused connections
    report_row(
        "security",
        check="webhook: `authenticate` try 1 fails, the cleared run's `audit` try 1 succeeds; "
        "then a connection with a login, and one with plain http off loopback",
        result="two distinct keys (event type, partition, run, task, try; signed), both accepted by the "
        "deduplicating sink; both unsafe connections refused naming the field before any request",
    )


def test_no_secret_in_reprs_or_connection_messages(monkeypatch, report_row):
    from genesys_cloud.api.settings import GenesysSettings
    from genesys_cloud.hook import GenesysCloudHook
    from genesys_pipeline.normalize.pii import PiiConfig
    from genesys_pipeline.settings import PipelineSettings

    secrets = {
        "client secret": "cs-77aa",
        "proxy password": "proxy-pw-88bb",
        "host password": "host-pw-99cc",
        "PII key": "pii-key-11dd",
    }
    genesys_connection(monkeypatch, "https://client:host-pw-99cc@api.mypurecloud.ie", password="cs-77aa")
    ok, message = GenesysCloudHook().test_connection()
    texts = {
        "test_connection message": message,
        "GenesysSettings repr": repr(GenesysSettings(proxies={"https": "http://u:proxy-pw-88bb@proxy:3128"})),
        "PipelineSettings repr": repr(PipelineSettings(staging_root="/s", pii_config='{"hash": ["ani"]}')),
        "PiiConfig repr": repr(PiiConfig.from_json('{"hash": ["ani"]}', salt="pii-key-11dd")),
    }
    from genesys_cloud.api.connection import config_from_connection

    genesys_connection(
        monkeypatch, "mypurecloud.ie", password="cs-77aa", proxies={"https": "http://u:proxy-pw-88bb@proxy:3128"}
    )
    hook = GenesysCloudHook()
    texts["GenesysConnectionConfig repr"] = repr(config_from_connection(hook.get_connection(hook.genesys_conn_id)))

    assert not ok and "field 'host' must not contain user:password@" in message
    leaks = [
        f"{label} in {where}" for label, secret in secrets.items() for where, text in texts.items() if secret in text
    ]
    assert leaks == []
    report_row(
        "security",
        check=f"{len(texts)} reprs and messages (test_connection with `user:pass@` in the host, "
        "settings with a proxy password, PII config with its key)",
        result="0 of 4 secrets found; the host is refused naming 'host'; the PII key comes from the Variable "
        "`genesys_pii_secret` (masked), hashing is HMAC-SHA256",
    )


def test_staging_of_a_real_extraction_is_private_redacted_and_purged(
    emulator, monkeypatch, tmp_path, recorded_hook, report_row
):
    emulator.control.reset(conversations_per_day=120)
    genesys_connection(monkeypatch, emulator.base_url)
    hook, _ = recorded_hook()
    body = {"interval": "2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z"}
    job_id = hook.submit_details_job(body)
    for _ in range(50):  # bounded wait for the emulator's job
        if hook.get_details_job(job_id).get("state") == "FULFILLED":
            break
    previous = os.umask(0o022)
    try:
        area = StagingArea(tmp_path / "staging")
        writer = area.open_writer("2024-05-01", body)
        for page in hook.iter_details_job_pages(job_id, page_size=50):
            writer.write_page(page.raw, page.conversations)
        manifest = writer.commit(extracted_at=datetime.now(UTC) - timedelta(days=15))
    finally:
        os.umask(previous)
    modes = {stat.S_IMODE(path.stat().st_mode) for path in (tmp_path / "staging").rglob("*")}
    directory = area.extraction_dir("2024-05-01", manifest.query_hash)
    (directory / MANIFEST_NAME).write_bytes(b'{"partition": "2024-05-01", "pag')  # a torn manifest
    torn_is_absent = area.read_manifest("2024-05-01", manifest.query_hash) is None
    (directory / MANIFEST_NAME).write_bytes(manifest.to_bytes())
    purged = purge_expired(area, retention_days=14)

    assert manifest.page_count >= 3 and modes == {0o600, 0o700}
    assert torn_is_absent and purged.extractions == 1 and not directory.exists()
    report_row(
        "security",
        check=f"a real {manifest.page_count}-page extraction from the emulator staged under umask 022; "
        "its manifest torn, then restored and aged 15 days (retention 14)",
        result="files 0600, directories 0700; the torn manifest read as absent (re-extract); the expired "
        "extraction purged (rejects carry the PII config: tests/genesys_pipeline/staging/test_rejects.py)",
    )


def test_compose_publishes_only_the_ui_on_loopback(report_row):
    from tests.support.compose_file import active_services, emulator_env, filled_env_example, load_compose

    default = load_compose(filled_env_example())
    started = active_services(default)
    ports = {name: svc["ports"] for name, svc in started.items() if svc.get("ports")}
    emulator = load_compose(emulator_env())["services"]
    every_port = [port for svc in emulator.values() for port in svc.get("ports", [])]
    init_script = "\n".join(default["services"]["airflow-init"]["command"])

    assert ports == {"airflow-apiserver": ["127.0.0.1:8080:8080"]}
    assert all(str(port).startswith("127.0.0.1:") for port in every_port)
    assert "--conn-password" not in init_script and "airflow connections add" not in init_script
    insecure = (
        default["services"]["airflow-init"]["environment"]["GENESYS_ALLOW_INSECURE_HTTP"],
        emulator["airflow-init"]["environment"]["GENESYS_ALLOW_INSECURE_HTTP"],
    )
    assert insecure == ("false", "true")
    report_row(
        "security",
        check="docker-compose.yaml as compose reads it, with .env.example (and with emulator.env)",
        result=f"{len(started)} services start by default; published: only the UI on 127.0.0.1:8080; emulator "
        "and Flower (basic auth) behind profiles, on 127.0.0.1; the warehouse unpublished; connections "
        "from a 0600 file, none on a command line; insecure http false (true only with emulator.env)",
    )


def test_dependency_audit_is_strict_over_the_pins(report_row):
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^audit:\n((?:\t.*\n|.*\\\n)+)", makefile, flags=re.M)[1]
    test_recipe = re.search(r"^test: [^\n]*\n((?:\t.*\n)+)", makefile, flags=re.M)[1]

    assert "pip-audit -r constraints.txt" in recipe and "--strict" in recipe
    assert "audit" not in test_recipe  # it needs the network
    report_row(
        "security",
        check="`make audit`: pip-audit over every pin in constraints.txt, strict",
        result="not runnable offline, so not in `make test`; on the build machine PyPI's per-version "
        "vulnerability API answered 404 and OSV was unreachable: nothing could be checked, nothing pinned",
    )
