"""`make report` (scripts/report.py) as a user runs it: a self-contained page from a warehouse URL."""

from __future__ import annotations

import subprocess
import sys

from plotly.offline import get_plotlyjs

from genesys_pipeline.warehouse.engine import create_warehouse_engine
from tests.support.health_world import write_attempts
from tests.support.paths import SCRIPTS

SCRIPT = SCRIPTS / "report.py"


def run_report(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120)


def test_writes_an_offline_page_of_the_warehouse(sqlite_url, tmp_path):
    engine = create_warehouse_engine(sqlite_url)
    write_attempts(engine)
    engine.dispose()
    out = tmp_path / "out" / "health.html"
    result = run_report("--warehouse-url", sqlite_url, "--out", str(out), "--days", "400")
    assert result.returncode == 2 and "--days must be between 1 and 366" in result.stderr
    result = run_report("--warehouse-url", sqlite_url, "--out", str(out), "--days", "366")
    assert result.returncode == 0, result.stderr
    page = out.read_text()
    assert all(f">2026-11-{day}<" in page for day in (19, 21, 22, 23)) and get_plotlyjs()[:200] in page


def test_missing_demo_warehouse_says_what_to_do(tmp_path):
    result = run_report("--warehouse-url", f"sqlite:///{tmp_path / 'absent.db'}", "--out", str(tmp_path / "x.html"))
    assert result.returncode == 2 and "make demo" in result.stderr and not (tmp_path / "x.html").exists()
