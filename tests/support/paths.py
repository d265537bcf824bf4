"""Where the project's own files are, for tests that read or run them (independent of a test's depth)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DAGS_FOLDER = ROOT / "dags"
SCRIPTS = ROOT / "scripts"
DOCS = ROOT / "docs"
