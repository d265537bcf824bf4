"""The report plugin itself: verdicts, escaping and sections of the generated document."""

from __future__ import annotations

import pytest

from tests.reliability.reliability_report import ReliabilityReport


def test_rows_carry_their_test_verdict_and_cells_are_escaped(tmp_path):
    report = ReliabilityReport()
    report.add("t::ok", "security", check="pipe | in a cell", result="line\nbreak")
    report.add("t::broken", "security", check="second", result="x")
    report.add("t::unfinished", "security", check="third", result="y")
    report.mark("t::ok", True)
    report.mark("t::broken", True)
    report.mark("t::broken", False)  # e.g. teardown failed after the call passed

    text = report.write(tmp_path / "reliability.md").read_text()

    assert "| pipe \\| in a cell | line break | pass |" in text
    assert "| second | x | **FAIL** |" in text
    assert "| third | y | not finished |" in text
    assert "## Faults survived" not in text  # sections without rows are left out
    assert "verify_genesys_sync_webhook" in text


def test_unknown_sections_are_refused():
    with pytest.raises(KeyError, match="nope"):
        ReliabilityReport().add("t::x", "nope", a=1)
