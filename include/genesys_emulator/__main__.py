"""CLI: ``python -m genesys_emulator --host 127.0.0.1 --port 8089 --seed 42 --conversations-per-day 2000``."""

from __future__ import annotations

import argparse

import uvicorn

from genesys_emulator.config import JOB_PROGRESSIONS, EmulatorConfig
from genesys_emulator.service.app import create_app


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m genesys_emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--conversations-per-day", type=int, default=2000)
    parser.add_argument(
        "--clock",
        default=None,
        help="pin the org's 'now' at this ISO-8601 instant; it then moves only with "
        "POST /_emulator/clock/advance (default: real time)",
    )
    parser.add_argument(
        "--frozen",
        action="store_true",
        help="serve every conversation as generated: no late endings, feedback, corrections, re-opens or erasures",
    )
    parser.add_argument("--watermark-lag-seconds", type=int, default=3600, help="dataAvailabilityDate = now - this lag")
    parser.add_argument("--watermark", default=None, help="fixed dataAvailabilityDate (ISO-8601), overrides the lag")
    parser.add_argument("--job-progression", choices=JOB_PROGRESSIONS, default="immediate")
    parser.add_argument("--job-progression-polls", type=int, default=2)
    parser.add_argument("--job-progression-seconds", type=float, default=2.0)
    parser.add_argument("--rate-limit", type=int, default=300, help="requests per token per window")
    parser.add_argument("--login-path-prefix", default="", help="also serve /oauth/token under this prefix")
    parser.add_argument("--api-path-prefix", default="", help="also serve /api/v2 under this prefix")
    parser.add_argument(
        "--record-cache",
        type=int,
        default=EmulatorConfig.record_cache_size,
        help="serialized records kept in memory (~4 KB each); size it to a day to serve repeats fast",
    )
    parser.add_argument("--log-level", default="info")
    return parser.parse_args(argv)


def config_from_args(args: argparse.Namespace) -> EmulatorConfig:
    return EmulatorConfig(
        seed=args.seed,
        conversations_per_day=args.conversations_per_day,
        clock=args.clock,
        frozen=args.frozen,
        watermark_lag_seconds=args.watermark_lag_seconds,
        watermark=args.watermark,
        job_progression=args.job_progression,
        job_progression_polls=args.job_progression_polls,
        job_progression_seconds=args.job_progression_seconds,
        rate_limit_requests=args.rate_limit,
        login_path_prefix=args.login_path_prefix,
        api_path_prefix=args.api_path_prefix,
        record_cache_size=args.record_cache,
    )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    app = create_app(config_from_args(args))
    print(f"Genesys Cloud emulator on http://{args.host}:{args.port} (default client id emulator-client)", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, lifespan="off")


if __name__ == "__main__":
    main()
