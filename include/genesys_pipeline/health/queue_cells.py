"""One day's queue report, cell by cell, grouped per queue and UTC half hour: the data of the page's queue map.

The verdicts are the reconciliation's own (:mod:`genesys_pipeline.report.kpi_reconcile`): the
details' cells (the SQL of ``v_queue_interval_metrics`` over the day's emit dates) against the
day's stored Genesys cells (``queue_interval_aggregates``), counts exact and sum/min/max within
its rounding. This module only groups them: a (queue, half hour) differs when any of its
media types' metrics does, and it names those metrics and the largest difference. The page
recomputes the day when it is drawn, so the map shows the warehouse now, not an old run's view.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import Engine, inspect, select

from genesys_pipeline.health.parts import ms_text
from genesys_pipeline.plan.refresh import day_window
from genesys_pipeline.report.kpi_aggregates import STATS, TABLE, read_cells
from genesys_pipeline.report.kpi_reconcile import CellDifference, CellKey, cell_key, compare_cells, detail_cells
from genesys_pipeline.warehouse.engine import schema_for
from genesys_pipeline.warehouse.reference_tables import lookup_table

NO_QUEUE = "(no queue)"  # metrics of sessions without a queue (the customer's nConnected, outbound)
GRID_COLUMNS = [
    "queue_id",
    "queue",
    "interval_start",
    "compared",
    "differing",
    "one_sided",
    "largest_difference",
    "differences",
]


@dataclass(frozen=True)
class QueueDay:
    day: date
    genesys_cells: int  # Genesys's stored cells of the day; 0: nothing to compare, no map
    # one row per (queue, half hour) either side has a cell in: GRID_COLUMNS; ``one_sided``: of the
    # differing cells, those only one side has (a dropped page, a half hour the warehouse lacks)
    grid: pd.DataFrame

    @property
    def differing(self) -> pd.DataFrame:
        return self.grid[self.grid["differing"] > 0]


def queue_day(engine: Engine, day: date) -> QueueDay:
    """The day's cells compared; an empty grid when Genesys's cells of the day were never stored."""
    if TABLE not in inspect(engine).get_table_names(schema=schema_for(engine)):
        return QueueDay(day, 0, pd.DataFrame(columns=GRID_COLUMNS))
    theirs = read_cells(engine, day.isoformat())
    if not theirs:
        return QueueDay(day, 0, pd.DataFrame(columns=GRID_COLUMNS))
    window = day_window(day).as_dict()  # the UTC day as the reconciliation bounds it
    ours = detail_cells(engine, window["interval_start"], window["interval_end"])
    differences = compare_cells(ours, theirs).differences
    return QueueDay(day, len(theirs), _grid({cell_key(row) for row in (*ours, *theirs)}, differences, engine))


def _grid(keys: set[CellKey], differences: tuple[CellDifference, ...], engine: Engine) -> pd.DataFrame:
    compared: dict[tuple[str, str], int] = defaultdict(int)
    for interval_start, queue_id, _media, _metric in keys:
        compared[(queue_id, interval_start)] += 1
    differing: dict[tuple[str, str], list[CellDifference]] = defaultdict(list)
    for difference in differences:
        interval_start, queue_id, _media, _metric = difference.key
        differing[(queue_id, interval_start)].append(difference)
    names = queue_names(engine)
    rows = [_grid_row(key, names, count, differing[key]) for key, count in sorted(compared.items())]
    return pd.DataFrame(rows, columns=GRID_COLUMNS)


def _grid_row(
    key: tuple[str, str], names: dict[str, str], compared: int, differences: list[CellDifference]
) -> dict[str, object]:
    queue_id, interval_start = key
    return {
        "queue_id": queue_id,
        "queue": names.get(queue_id) or queue_id or NO_QUEUE,
        "interval_start": interval_start,
        "compared": compared,
        "differing": len(differences),
        "one_sided": sum(one_sided(d) for d in differences),
        "largest_difference": max((d.largest for d in differences), default=0.0),
        "differences": [describe(d) for d in differences],
    }


def one_sided(difference: CellDifference) -> bool:
    """Only one side has the cell: every stat of the other is absent."""
    return any(all(side.get(stat) is None for stat in STATS) for side in (difference.details, difference.aggregates))


def describe(difference: CellDifference) -> str:
    """``voice tHandle: sum 900 vs 912.5`` (details vs Genesys), each stat that is not the same."""
    _start, _queue, media_type, metric = difference.key
    stats = [
        f"{stat} {_value(difference.details.get(stat))} vs {_value(difference.aggregates.get(stat))}"
        for stat in STATS
        if (difference.details.get(stat) or 0) != (difference.aggregates.get(stat) or 0)
    ]
    return f"{media_type or '(no media type)'} {metric}: {', '.join(stats)}"


def _value(stat: float | None) -> str:
    return "none" if stat is None else ms_text(stat)


def queue_names(engine: Engine) -> dict[str, str]:
    """Queue id -> name from the queues lookup (empty before the reference-data DAG ran); names shared by
    two queues carry their ids, so two queues never fold into one row."""
    table = lookup_table(engine, "queues")
    with engine.connect() as conn:
        pairs = [tuple(row) for row in conn.execute(select(table.c.id, table.c.name).where(table.c.name.isnot(None)))]
    counts = pd.Series([name for _id, name in pairs]).value_counts()
    return {queue_id: name if counts[name] == 1 else f"{name} ({queue_id})" for queue_id, name in pairs}
