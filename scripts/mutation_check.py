"""Mutation check: ten deliberate bugs the test suite must catch, one per area of the pipeline.

It exists to prove that reorganising the tests loses no coverage: run it before and after,
and every mutant caught before must still be caught after. Mutants are located by content
(the snippet must occur exactly once under ``include/`` and ``plugins/``), not by path, so
files may move between packages. The target tree is never touched: each mutant is applied
to a fresh copy, whose pytest runs with the copy first on PYTHONPATH (ahead of the venv's
editable install, also in Airflow subprocesses that inherit the environment).

    python scripts/mutation_check.py --list
    python scripts/mutation_check.py --only erasure-deletes-nothing --pytest-args "tests/pipeline"
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

SEARCHED = ("include", "plugins")
# "FAILED <node id> - <message>"; a parametrized id may hold spaces inside its brackets
FAILURE_LINE = re.compile(r"^(?:FAILED|ERROR) (\S+?(?:\[.*?\])?)(?: - |$)", re.MULTILINE)


@dataclass(frozen=True)
class Mutant:
    name: str
    area: str
    snippet: str  # exact source text, found once in the whole tree
    replacement: str


MUTANTS = (
    Mutant(
        "extract-stops-after-first-page",
        "extract",
        '            paginator.advance({"cursor": page.cursor})',
        '            paginator.advance({"cursor": None})',
    ),
    Mutant(
        "normalize-keeps-less-complete-copy",
        "normalize",
        "                if rank < previous:",
        "                if rank > previous:",
    ),
    Mutant(
        "load-counts-last-batch-only",
        "load",
        "                counts.rows[table] += len(table_rows)",
        "                counts.rows[table] = len(table_rows)",
    ),
    Mutant("merge-accepts-older-extraction", "merge", "        elif held.fresher:", "        elif held.older:"),
    Mutant(
        "reconcile-counts-metrics-not-conversations",
        "reconcile",
        "COUNT(DISTINCT m.conversation_id)",
        "COUNT(m.conversation_id)",
    ),
    Mutant(
        "retry-drops-503",
        "retry",
        "RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})",
        "RETRYABLE_STATUSES = frozenset({429, 500, 502, 504})",
    ),
    Mutant(
        "pacing-reset-grows-with-time",
        "pacing",
        "reset_left = snap.reset_seconds - (self.clock() - snap.observed_at)",
        "reset_left = snap.reset_seconds + (self.clock() - snap.observed_at)",
    ),
    Mutant("erasure-deletes-nothing", "erasure", "        gone |= missing", "        gone &= missing"),
    Mutant(
        "followup-batch-misses-last-id",
        "follow-up",
        "start + size]",  # the end of ``unique[start : start + size]``, however it is formatted
        "start + size - 1]",
    ),
    Mutant(
        "webhook-signature-omits-key",
        "webhook-signature",
        'f"{timestamp}.{key}.".encode() + body',
        'f"{timestamp}.".encode() + body',
    ),
)


class ScriptError(Exception):
    """The check itself could not run as asked (not a verdict on a mutant)."""


@dataclass
class Result:
    name: str
    area: str
    file: str
    status: str  # caught | survived | error
    seconds: float
    test: str | None = None
    detail: str | None = None


def locate(repo: Path, mutant: Mutant) -> Path:
    """The one file (relative to ``repo``) holding ``mutant.snippet``; raises unless it occurs exactly once."""
    hits = {}
    for top in SEARCHED:
        for path in sorted((repo / top).rglob("*.py")):
            count = path.read_text(encoding="utf-8").count(mutant.snippet)
            if count:
                hits[path.relative_to(repo)] = count
    if sum(hits.values()) != 1:
        where = ", ".join(f"{path} x{count}" for path, count in hits.items()) or "nowhere"
        raise ScriptError(f"mutant {mutant.name}: snippet must occur exactly once under {SEARCHED}, found {where}")
    return next(iter(hits))


def tree_files(repo: Path) -> list[Path]:
    """Tracked and untracked non-ignored files that exist (a file being moved may be gone), no .venv."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=repo, capture_output=True, check=True
        )
        .stdout.decode()
        .split("\0")
    )
    files = (Path(name) for name in listed if name)
    return [f for f in files if ".venv" not in f.parts and (repo / f).is_file()]


def make_mutated_copy(repo: Path, files: list[Path], target: Path, mutant: Mutant, where: Path) -> None:
    for relative in files:
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / relative, destination, follow_symlinks=False)
    mutated = target / where
    mutated.write_text(
        mutated.read_text(encoding="utf-8").replace(mutant.snippet, mutant.replacement), encoding="utf-8"
    )


def mutant_environment(copy: Path) -> dict[str, str]:
    env = dict(os.environ, CI="true")
    ours = [str(copy / top) for top in (*SEARCHED, "dags")]
    env["PYTHONPATH"] = os.pathsep.join(ours + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return env


def run_pytest(python: str, copy: Path, marker: str, extra: list[str], deadline: float) -> tuple[int, str]:
    """Exit code and output of one pytest run in ``copy``; the whole process group dies at ``deadline``."""
    command = [python, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-rfE", "-m", marker, *extra]
    log = copy.parent / f"pytest-{marker.replace(' ', '-')}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            command,
            cwd=copy,
            env=mutant_environment(copy),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            code = process.wait(timeout=max(deadline - time.monotonic(), 1))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise
    return code, log.read_text(errors="replace")


def check(
    mutant: Mutant, where: Path, repo: Path, files: list[Path], python: str, extra: list[str], timeout_minutes: float
) -> Result:
    started = time.monotonic()
    deadline = started + timeout_minutes * 60

    def result(status: str, test: str | None = None, detail: str | None = None) -> Result:
        return Result(mutant.name, mutant.area, str(where), status, round(time.monotonic() - started, 1), test, detail)

    with tempfile.TemporaryDirectory(prefix=f"mutant-{mutant.name}-") as scratch:
        copy = Path(scratch) / "tree"
        make_mutated_copy(repo, files, copy, mutant, where)
        for marker in ("not slow", "slow"):
            try:
                code, output = run_pytest(python, copy, marker, extra, deadline)
            except subprocess.TimeoutExpired:
                return result("error", detail=f"timed out after {timeout_minutes:g} min (in -m '{marker}')")
            failed = FAILURE_LINE.search(output)
            # pytest-xdist ends a run that -x stopped with exit code 2 ("Interrupted: stopping
            # after 1 failures"), not 1: a test failure all the same
            stopped = code == 2 and failed is not None and "stopping after" in output
            if code == 1 or stopped:
                return result("caught", failed.group(1) if failed else "(no FAILED/ERROR line)")
            if code != 0:
                tail = "\n".join(output.splitlines()[-15:])
                return result("error", detail=f"pytest -m '{marker}' exited {code}:\n{tail}")
    return result("survived")


def describe(result: Result) -> str:
    line = f"{result.area} {result.name}  {result.seconds:.0f}s"
    if result.status == "caught":
        return f"caught  {line}  by {result.test}"
    if result.status == "survived":
        return f"SURVIVED  {line}"
    return f"ERROR  {line}  {result.detail}"


def selected(only: str | None) -> tuple[Mutant, ...]:
    if not only:
        return MUTANTS
    names = {name.strip() for name in only.split(",") if name.strip()}
    unknown = names - {m.name for m in MUTANTS}
    if unknown:
        raise ScriptError(f"unknown mutant(s) {sorted(unknown)}; known: {[m.name for m in MUTANTS]}")
    return tuple(m for m in MUTANTS if m.name in names)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1], help="target tree")
    parser.add_argument("--python", default=sys.executable, help="interpreter that runs pytest")
    parser.add_argument("--only", help="comma-separated mutant names")
    parser.add_argument("--list", action="store_true", help="print the mutants and where each is found; run nothing")
    parser.add_argument("--pytest-args", default="", help="extra arguments for both pytest runs, e.g. '-n 2'")
    parser.add_argument("--json", type=Path, help="write the results to this file")
    parser.add_argument("--timeout-minutes", type=float, default=40.0, help="per mutant, both runs together")
    args = parser.parse_args(argv)
    repo = args.repo.resolve()
    try:
        mutants = selected(args.only)
        found = {m.name: locate(repo, m) for m in mutants}  # every snippet checked before anything runs
    except ScriptError as error:
        print(f"mutation_check: {error}", file=sys.stderr)
        return 2
    if args.list:
        for m in mutants:
            line = (repo / found[m.name]).read_text(encoding="utf-8").split(m.snippet)[0].count("\n") + 1
            print(f"{m.area:18} {m.name:44} {found[m.name]}:{line}")
        return 0
    files, extra = tree_files(repo), shlex.split(args.pytest_args)
    started, results = time.monotonic(), []
    for m in mutants:
        results.append(check(m, found[m.name], repo, files, args.python, extra, args.timeout_minutes))
        print(describe(results[-1]), flush=True)
    wall = round(time.monotonic() - started, 1)
    caught = sum(r.status == "caught" for r in results)
    errors = sum(r.status == "error" for r in results)
    print(f"caught {caught}/{len(results)}" + (f"  ({errors} errors)" if errors else "") + f"  wall {wall:.0f}s")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "repo": str(repo),
                    "pytest_args": extra,
                    "wall_seconds": wall,
                    "caught": caught,
                    "results": [asdict(r) for r in results],
                },
                indent=2,
            )
            + "\n"
        )
    return 2 if errors else 0 if caught == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
