"""No credential reaches a log, the audit table, a webhook or the Airflow metadata DB.

Two real DAG runs with every logger at DEBUG and a log file attached: one that needs new tokens
mid-run and retries (429, 503, token expiry), one with a wrong secret that fails. Then every
byte they left behind is searched for the client secret (right and wrong), the webhook secret,
the Basic-auth header value and every access token the emulator issued.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.fault_rows import RESULTS, FaultContext, expire_tokens_after_first_page
from tests.reliability.reliability_runs import audit_rows, genesys_connection, measured_run
from tests.support.paths import ROOT, SCRIPTS

pytestmark = pytest.mark.slow
CLIENT_ID = "leak-check-client"
NOISY_LOGGERS = ("", "airflow", "airflow.task", "genesys_cloud", "genesys_pipeline", "urllib3", "requests", "httpx")


@pytest.fixture()
def debug_log_file(tmp_path: Path) -> Iterator[Path]:
    """Every stdlib log record at DEBUG, also written to a file, as a file-logging deployment would."""
    path = tmp_path / "logs" / "pipeline.log"
    path.parent.mkdir()
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    loggers = [logging.getLogger(name) for name in NOISY_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    try:
        yield path
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def files_under(*roots: Path) -> Iterator[Path]:
    for root in roots:
        yield from (path for path in root.rglob("*") if path.is_file())


def leaks_in(name: str, content: bytes, secrets: dict[str, str]) -> list[str]:
    return [f"{label} in {name}" for label, secret in secrets.items() if secret.encode() in content]


def test_no_secret_or_token_anywhere(
    daily_dag,
    small_emulator,
    pipeline_env,
    sqlite_url,
    day,
    monkeypatch,
    tmp_path,
    no_task_retries,
    debug_log_file,
    capfd,
    report_row,
):
    client_secret, webhook_secret = f"cs-{uuid.uuid4().hex}", f"whs-{uuid.uuid4().hex}"
    wrong_secret = f"wrong-{uuid.uuid4().hex}"
    control = small_emulator.control
    control.reset(
        conversations_per_day=200,
        webhook_secret=webhook_secret,
        clients=[{"client_id": CLIENT_ID, "client_secret": client_secret}],
    )
    pipeline_env(sqlite_url)
    monkeypatch.setenv(
        "AIRFLOW_CONN_GENESYS_SYNC_WEBHOOK",
        json.dumps(
            {"conn_type": "http", "host": f"{small_emulator.base_url}/_emulator/webhooks", "password": webhook_secret}
        ),
    )
    genesys_connection(monkeypatch, small_emulator.base_url, login=CLIENT_ID, password=client_secret)
    control.add_fault(RESULTS, "status", 1, status=429, retry_after=1)
    control.add_fault(RESULTS, "status", 1, status=503)
    patch = pytest.MonkeyPatch()
    expire_tokens_after_first_page(FaultContext(control, patch, daily_dag, pipeline_env, sqlite_url, tmp_path))
    try:
        synced = measured_run(daily_dag, day, control)
    finally:
        patch.undo()
    genesys_connection(monkeypatch, small_emulator.base_url, login=CLIENT_ID, password=wrong_secret)
    refused = measured_run(daily_dag, day, control)

    assert synced.succeeded and not refused.succeeded
    tokens = control.issued_tokens()
    assert len(tokens) >= 2, "the run should have needed a second token after the expiry"
    secrets = {
        "client secret": client_secret,
        "wrong client secret": wrong_secret,
        "webhook secret": webhook_secret,
        **{
            f"Basic auth of {label}": base64.b64encode(f"{CLIENT_ID}:{value}".encode()).decode()
            for label, value in (("secret", client_secret), ("wrong secret", wrong_secret))
        },
        **{f"access token #{number}": token for number, token in enumerate(tokens, 1)},
    }
    captured = capfd.readouterr()
    airflow_home = Path(os.environ["AIRFLOW_HOME"])
    sources = {
        "captured stdout/stderr": (captured.out + captured.err).encode(),
        "sync_audit rows": repr(audit_rows(sqlite_url)).encode(),
        "webhook deliveries": repr(control.webhooks()).encode(),
        **{str(path): path.read_bytes() for path in files_under(debug_log_file.parent, airflow_home)},
    }
    assert any(b"Submitted Genesys details job" in content for content in sources.values()), "task logs not captured"
    assert "authentication failed" in sources["sync_audit rows"].decode().lower()
    leaks = [leak for name, content in sources.items() for leak in leaks_in(name, content, secrets)]
    assert leaks == []
    report_row(
        "security",
        check=f"secret scan: {len(sources)} sources (DEBUG log file, stdout/stderr, every file "
        "under AIRFLOW_HOME incl. the metadata DB, sync_audit, webhooks) after a run with token expiry, "
        "429, 503 and a run with a wrong secret",
        result=f"0 hits for the client secret (right and wrong), webhook secret, Basic-auth values and "
        f"{len(tokens)} issued access tokens",
    )


def test_demo_leaves_no_credential_behind(tmp_path, monkeypatch, report_row):
    """``make demo`` for real (``airflow dags test`` subprocesses, emulator subprocess): its directory is
    scanned for the credentials it uses and for any bearer header or token field. Its tokens die with
    its emulator, so exact-token matching is the in-process test's job above. The emulator's own log
    is the fake Genesys server's side: it announces its fixed, public test client there on purpose."""
    monkeypatch.syspath_prepend(str(SCRIPTS))
    from local_env import EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, EMULATOR_WEBHOOK_SECRET

    demo_dir = tmp_path / "demo"
    demo = subprocess.run(
        [sys.executable, "scripts/demo.py", "--days", "1", "--conversations-per-day", "200", "--dir", str(demo_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
    secrets = {
        "client secret": EMULATOR_CLIENT_SECRET,
        "webhook secret": EMULATOR_WEBHOOK_SECRET,
        "Basic auth value": base64.b64encode(f"{EMULATOR_CLIENT_ID}:{EMULATOR_CLIENT_SECRET}".encode()).decode(),
        "bearer header": "Bearer ",
        "token field": "access_token",
    }
    sources = {
        "demo output": (demo.stdout + demo.stderr).encode(),
        **{str(path): path.read_bytes() for path in files_under(demo_dir) if path.name != "emulator.log"},
    }
    assert any(b"Submitted Genesys details job" in content for content in sources.values()), "task logs not captured"
    leaks = [leak for name, content in sources.items() for leak in leaks_in(name, content, secrets)]
    assert leaks == []
    report_row(
        "security",
        check=f"`make demo` (real `airflow dags test` subprocesses): {len(sources)} files and its "
        "output scanned (the emulator's own server log excepted)",
        result="0 hits for the client secret, webhook secret, Basic-auth value, 'Bearer ' or 'access_token'",
    )
