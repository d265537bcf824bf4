"""Progress lines for pages-at-a-time work (extract, load): the first page, then a line every few seconds.

A large day takes minutes in either step; without these lines its log said nothing between
"Submitted job" and the final count. Time, not page count, sets the pace, so a small day (a page
or two) says it started and a big one speaks every few seconds instead of every 10 pages
(which was silence for a day under 10 pages and a flood for fast pages). The step's own closing
line (the load's counts, the extract's "Staged ...") is the line at the end. Airflow-free: the
caller passes its logger's ``info``.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class PageProgress:
    """Counts pages and items; emits a line for the first page, then every ``every_seconds`` (and every
    ``every_pages`` pages if given), whichever comes first. With ``total_pages`` known the line carries
    an ETA (pages left at the rate so far)."""

    def __init__(
        self,
        step: str,
        emit: Callable[..., None],
        total_pages: int | None = None,
        every_pages: int | None = None,
        every_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.step = step
        self.emit = emit
        self.total_pages = total_pages
        self.every_pages = every_pages
        self.every_seconds = every_seconds
        self.clock = clock
        self.pages = 0
        self.items = 0
        self.started = self._last = clock()
        self._last_pages = 0

    def page(self, items: int, detail: str = "") -> None:
        """One more page of ``items``; ``detail`` is appended (e.g. the cursor depth)."""
        self.pages += 1
        self.items += items
        now = self.clock()
        due_by_pages = self.every_pages is not None and self.pages - self._last_pages >= self.every_pages
        if self.pages == 1 or due_by_pages or now - self._last >= self.every_seconds:
            self._last, self._last_pages = now, self.pages
            self.emit("%s", self.line(now, detail))

    def line(self, now: float, detail: str = "") -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = self.items / elapsed
        pages = f"{self.pages}/{self.total_pages} pages" if self.total_pages else f"{self.pages} pages"
        parts = [f"{self.step}: {pages}", f"{self.items:,} conversations", f"{rate:,.0f} conversations/s"]
        if self.total_pages:
            left = max(self.total_pages - self.pages, 0)
            parts.append(f"ETA {left * elapsed / self.pages:,.0f} s")
        if detail:
            parts.append(detail)
        return ", ".join(parts)
