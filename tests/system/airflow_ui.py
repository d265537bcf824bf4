"""The Airflow 3.3 UI driven as a user drives it, in headless Chromium through Playwright.

The browser is the Debian ``chromium`` package: Playwright's own browser download needs the
internet. ``chromium_or_skip`` skips a test with the reason where no browser is installed,
except under CI (``CI=true``), where ``.ci/run`` installs it and a missing browser fails.
Selectors are the UI's visible labels (what a user reads), so a renamed button fails loudly.
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import datetime
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 1000}
UI_TIMEOUT_MS = 60_000  # the api-server renders slowly when the 2-core machine is saturated


def chromium_or_skip() -> str:
    """Path of the system Chromium and a Playwright that can drive it, or skip (fail under CI)."""
    path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    problem = None if path else "no chromium browser installed (Debian: apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problem = problem or "playwright is not installed (pip install -r requirements-dev.txt)"
    if problem:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"{problem}; under CI=true the browser test must run, not skip")
        pytest.skip(problem)
    return path


class AirflowUI:
    """One logged-in browser page on an Airflow api-server; screenshots go to ``shots``."""

    def __init__(self, page, base_url: str, shots: Path) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.shots = shots
        shots.mkdir(parents=True, exist_ok=True)
        page.set_default_timeout(UI_TIMEOUT_MS)

    def screenshot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path

    def log_in(self, username: str, password: str) -> None:
        self.page.goto(f"{self.base_url}/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(f"{self.base_url}/")

    def open_backfill_dialog(self, dag_id: str):
        """Dag page -> Trigger -> Backfill; returns the dialog."""
        self.page.goto(f"{self.base_url}/dags/{dag_id}")
        self.page.get_by_role("button", name="Trigger").click()
        self.dialog_titled("Trigger Dag").get_by_text("Run this Dag for a range of dates").click()
        return self.dialog_titled("Run Backfill")

    def dialog_titled(self, title: str):
        heading = self.page.get_by_role("heading", name=re.compile(rf"^{re.escape(title)}\b"))
        return self.page.get_by_role("dialog").filter(has=heading)

    def fill_date_range(self, dialog, start: datetime, end: datetime) -> None:
        """The From / To pickers take a typed date and time (UTC, the UI's default time zone)."""
        for picker, moment in zip(dialog.get_by_test_id("datetime-input").all(), (start, end)):
            picker.click()
            popover = self.page.locator("[data-scope=popover][data-part=content][data-state=open]")
            popover.get_by_placeholder("YYYY/MM/DD").fill(moment.strftime("%Y/%m/%d"))
            popover.get_by_placeholder("HH:mm").fill(moment.strftime("%H:%M"))
            self.page.keyboard.press("Escape")  # closes the picker, not the dialog
            popover.wait_for(state="hidden")

    def open_nav_page(self, menu: str, item: str):
        """A plugin page from the navigation; returns the frame it is shown in."""
        self.page.get_by_role("button", name=menu).click()
        self.page.get_by_role("menuitem", name=item).click()
        return self.page.frame_locator("iframe").first
