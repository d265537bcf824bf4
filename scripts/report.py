"""`make report`: the sync-health page as one self-contained HTML file, for people without the Airflow UI.

The same page the Airflow plugin serves (``genesys_pipeline.health``), with plotly.js inlined
so the file opens offline. The warehouse is ``--warehouse-url`` (any SQLAlchemy URL the
pipeline supports), by default the demo's ``.demo/warehouse.db``; the file goes to ``--out``
(default ``.demo/sync_health.html``).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from genesys_pipeline.health import render_health_page
from genesys_pipeline.health.summary import MAX_DAYS
from genesys_pipeline.warehouse.engine import create_warehouse_engine

ROOT = Path(__file__).resolve().parents[1]
DEMO_WAREHOUSE = ROOT / ".demo" / "warehouse.db"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--warehouse-url",
        default=f"sqlite:///{DEMO_WAREHOUSE}",
        help="SQLAlchemy URL of the warehouse (default: the demo's SQLite warehouse)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / ".demo" / "sync_health.html", help="HTML file to write")
    parser.add_argument(
        "--days", type=int, default=30, help=f"days to show, ending yesterday (1..{MAX_DAYS}, default 30)"
    )
    parser.add_argument(
        "--day",
        type=date.fromisoformat,
        default=None,
        help="UTC day (YYYY-MM-DD) of the queue x half-hour map (default: the newest day reconciled)",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.days <= MAX_DAYS:
        parser.error(f"--days must be between 1 and {MAX_DAYS}, got {args.days}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.warehouse_url.startswith("sqlite:///") and not Path(args.warehouse_url.removeprefix("sqlite:///")).exists():
        print(f"No warehouse at {args.warehouse_url}: run `make demo` first, or pass --warehouse-url.", file=sys.stderr)
        return 2
    engine = create_warehouse_engine(args.warehouse_url)
    try:
        page = render_health_page(engine, days=args.days, source="make report", map_day=args.day)
    finally:
        engine.dispose()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(page, encoding="utf-8")
    print(f"Wrote {args.out} ({len(page) / 1e6:.1f} MB, {args.days} days; open it in any browser, it works offline)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
