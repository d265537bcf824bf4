"""Progress lines: the first page, then every few seconds (or N pages if asked), with rate and an ETA."""

from __future__ import annotations

from genesys_pipeline.report.progress import PageProgress


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def run_pages(progress: PageProgress, clock: FakeClock, pages: int, seconds_each: float, items: int = 100) -> None:
    for _ in range(pages):
        clock.now += seconds_each
        progress.page(items)


def test_a_small_day_says_it_started():
    lines: list[str] = []
    clock = FakeClock()
    progress = PageProgress("Load", lambda fmt, line: lines.append(line), total_pages=2, clock=clock)
    run_pages(progress, clock, 2, 0.5)
    assert lines == ["Load: 1/2 pages, 100 conversations, 200 conversations/s, ETA 0 s"]


def test_a_big_day_speaks_every_few_seconds_whatever_its_page_count():
    lines: list[str] = []
    clock = FakeClock()
    progress = PageProgress("Load", lambda fmt, line: lines.append(line), total_pages=100, clock=clock)
    run_pages(progress, clock, 100, 0.5)  # 50 s: the first page, then one line per 5 s
    assert len(lines) == 1 + 9
    assert lines[1] == "Load: 11/100 pages, 1,100 conversations, 200 conversations/s, ETA 44 s"


def test_a_line_every_n_pages_when_asked():
    lines: list[str] = []
    clock = FakeClock()
    progress = PageProgress(
        "Load", lambda fmt, line: lines.append(line), total_pages=10, every_pages=4, every_seconds=1000, clock=clock
    )
    run_pages(progress, clock, 10, 2.0)
    assert lines == [
        "Load: 1/10 pages, 100 conversations, 50 conversations/s, ETA 18 s",
        "Load: 5/10 pages, 500 conversations, 50 conversations/s, ETA 10 s",
        "Load: 9/10 pages, 900 conversations, 50 conversations/s, ETA 2 s",
    ]


def test_a_slow_step_logs_by_time_and_carries_its_detail():
    lines: list[str] = []
    clock = FakeClock()
    progress = PageProgress("Extract", lambda fmt, line: lines.append(line), every_seconds=30, clock=clock)
    clock.now += 10
    progress.page(1000, "cursor depth 0")
    clock.now += 25
    progress.page(1000, "cursor depth 1")
    clock.now += 10
    progress.page(1000, "cursor depth 2")
    assert lines == [
        "Extract: 1 pages, 1,000 conversations, 100 conversations/s, cursor depth 0",
        "Extract: 3 pages, 3,000 conversations, 67 conversations/s, cursor depth 2",
    ]
