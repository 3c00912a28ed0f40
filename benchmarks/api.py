"""API latency under gunicorn on the bundled data: median and p95 per typical request.

    python benchmarks/api.py [--requests 50] [--database-url URL] [--workers 2]

Without --database-url it ingests every bundled dataset into a fresh SQLite file first (not
timed). Requests go one at a time from this process to a gunicorn on 127.0.0.1, each with a
fresh URL-independent cache state (no If-None-Match), so the figures are server time plus
loopback.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        body = response.read()
    return time.perf_counter() - started, body


def typical_requests(base: str) -> dict[str, str]:
    datasets = json.loads(get(base + "/api/v1/datasets")[1])["datasets"]
    biggest = max(datasets, key=lambda d: len(d["years"]) * (1 + len(d["measures"])))
    did = biggest["id"]
    year = biggest["years"][len(biggest["years"]) // 2] if biggest["years"] else None
    cut = f"&cut=year:{year}" if year else ""
    detail = json.loads(get(f"{base}/api/v1/datasets/{did}")[1])["dataset"]
    first = detail["classifications"][0]["key"]
    # A deep facts page: follow the keyset cursor a few pages in.
    url = f"{base}/api/v1/datasets/{did}/facts?pagesize=1000"
    for _ in range(5):
        nxt = json.loads(get(url)[1])["next"]
        if not nxt:
            break
        url = nxt
    return {
        "dataset list": f"{base}/api/v1/datasets",
        "top-level aggregate": f"{base}/api/v1/datasets/{did}/aggregate?drilldown={first}{cut}",
        "two-level drilldown": (
            f"{base}/api/v1/datasets/{did}/aggregate?drilldown={first}.2|year&pagesize=100"
        ),
        "deep facts page": url,
        "search": f"{base}/api/v1/search?q=Almaty",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--database-url")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    env = dict(os.environ)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    else:
        folder = tempfile.mkdtemp(prefix="ashyq-bench-")
        env["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite"
        subprocess.run(
            [sys.executable, "-m", "portal.cli", "ingest", "--all", "--quiet"],
            env=env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "portal.cli",
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                get(base + "/api/v1/datasets")
                break
            except OSError:
                time.sleep(0.2)
        requests = typical_requests(base)
        print(f"{'request':<22} {'median ms':>10} {'p95 ms':>10} {'bytes':>10}")
        for name, url in requests.items():
            times, size = [], 0
            for _ in range(args.requests):
                seconds, body = get(url)
                times.append(seconds * 1000)
                size = len(body)
            times.sort()
            p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
            print(f"{name:<22} {statistics.median(times):>10.1f} {p95:>10.1f} {size:>10}")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
