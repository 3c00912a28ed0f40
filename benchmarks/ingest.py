"""Benchmark: `ashyq ingest --all` into a fresh SQLite database against merely parsing the files.

Each measurement runs in its own child process, so that its peak memory (maxrss) is its own.
The parse baseline reads every bundled recipe's files with `ingest.readers.read` and nothing
else. Prints the median of N runs of each and the ratio; the target is ingest <= 4x parse.

    python benchmarks/ingest.py            # 3 runs each
    python benchmarks/ingest.py -n 5
    python benchmarks/ingest.py --profile ingest.prof   # one profiled ingest, then see README
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 4.0


def parse_all() -> dict[str, int]:
    """Read every file of every bundled recipe; counts of files and rows read."""
    from ingest import readers, recipes

    files = rows = 0
    for recipe in recipes.bundled():
        for path in recipe.files():
            sheet = readers.read(
                path, sheet=recipe.source.get("sheet"), encoding=recipe.source.get("encoding")
            )
            files += 1
            rows += len(sheet.rows)
    return {"files": files, "rows": rows}


def ingest_all(database: Path) -> dict[str, int]:
    """`ashyq ingest --all --quiet` into a new SQLite file, in this process."""
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    from portal.cli import main

    try:
        main(["ingest", "--all", "--quiet"], standalone_mode=False)
    finally:
        sys.stdout.flush()
    return {"database_bytes": database.stat().st_size}


def child(kind: str, database: str) -> None:
    """Run one measurement and print it as JSON on the last line."""
    started = time.perf_counter()
    if kind == "parse":
        extra = parse_all()
    else:
        extra = ingest_all(Path(database))
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    if sys.platform == "darwin":
        peak_kib //= 1024  # bytes there
    print(json.dumps({"seconds": seconds, "peak_mib": peak_kib / 1024, **extra}))


def measure(kind: str, folder: Path, run: int) -> dict[str, float]:
    database = folder / f"bench-{kind}-{run}.sqlite"
    result = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--database", str(database)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"{kind} run {run} failed:\n{result.stdout}\n{result.stderr}")
    data: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def profile(output: Path) -> None:
    """One ingest under cProfile; the stats file is for `python -m pstats` or snakeviz."""
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "cProfile",
                "-o",
                str(output),
                __file__,
                "--child",
                "ingest",
                "--database",
                str(Path(folder) / "profile.sqlite"),
            ],
            cwd=ROOT,
            check=True,
        )
    import pstats

    stats = pstats.Stats(str(output))
    stats.sort_stats("cumulative").print_stats(35)
    stats.sort_stats("tottime").print_stats(25)


def main() -> None:
    """Median wall time and peak memory of N ingests and N parses, and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=3, help="runs of each (default 3)")
    parser.add_argument("--profile", type=Path, help="profile one ingest into this file")
    parser.add_argument("--child", choices=["parse", "ingest"], help=argparse.SUPPRESS)
    parser.add_argument("--database", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        child(args.child, args.database)
        return
    if args.profile:
        profile(args.profile)
        return

    results: dict[str, list[dict[str, float]]] = {"parse": [], "ingest": []}
    with tempfile.TemporaryDirectory() as folder:
        for run in range(args.runs):
            for kind in ("parse", "ingest"):
                results[kind].append(measure(kind, Path(folder), run))
                print(
                    f"run {run + 1}/{args.runs} {kind:6}: {results[kind][-1]['seconds']:7.2f} s",
                    file=sys.stderr,
                )

    def median(kind: str, key: str) -> float:
        return statistics.median(r[key] for r in results[kind])

    parse_s, ingest_s = median("parse", "seconds"), median("ingest", "seconds")
    first = results["parse"][0]
    print(f"\n{int(first['files'])} files, {int(first['rows'])} rows; median of {args.runs} runs")
    print(f"{'':28} {'wall time':>10} {'peak memory':>12}")
    print(
        f"{'parse only (readers.read)':28} {parse_s:9.2f}s {median('parse', 'peak_mib'):9.0f} MiB"
    )
    print(
        f"{'ashyq ingest --all (SQLite)':28} {ingest_s:9.2f}s "
        f"{median('ingest', 'peak_mib'):9.0f} MiB"
    )
    ratio = ingest_s / parse_s
    verdict = "within" if ratio <= TARGET_RATIO else "OVER"
    print(f"ratio ingest / parse: {ratio:.2f}x ({verdict} the {TARGET_RATIO:g}x target)")


if __name__ == "__main__":
    main()
