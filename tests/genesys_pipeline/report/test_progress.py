"""Progress lines: every few pages or seconds, with rate and (when the total is known) an ETA."""

from __future__ import annotations

from genesys_pipeline.report.progress import PageProgress


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_line_every_n_pages_with_rate_and_eta():
    lines: list[str] = []
    clock = FakeClock()
    progress = PageProgress(
        "Load", lambda fmt, line: lines.append(line), total_pages=10, every_pages=4, every_seconds=1000, clock=clock
    )
    for _ in range(10):
        clock.now += 2.0
        progress.page(100)
    assert lines == [
        "Load: 4/10 pages, 400 conversations, 50 conversations/s, ETA 12 s",
        "Load: 8/10 pages, 800 conversations, 50 conversations/s, ETA 4 s",
    ]


def test_a_slow_step_logs_by_time_and_carries_its_detail():
    lines: list[str] = []
    clock = FakeClock()
    progress = PageProgress(
        "Extract", lambda fmt, line: lines.append(line), every_pages=50, every_seconds=30, clock=clock
    )
    clock.now += 10
    progress.page(1000, "cursor depth 0")
    clock.now += 25
    progress.page(1000, "cursor depth 1")
    assert lines == ["Extract: 2 pages, 2,000 conversations, 57 conversations/s, cursor depth 1"]
