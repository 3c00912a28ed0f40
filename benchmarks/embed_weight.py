"""Weight and speed of the embeds: bytes transferred (compressed, as the browser received them)
and time until the chart's SVG appears, for each chart kind, in headless Chromium.

    python benchmarks/embed_weight.py --database-url sqlite:////path/to/loaded.sqlite [-n 3]

The portal runs in this process on 127.0.0.1 (werkzeug, threaded). Each load is in a fresh
browser context (empty cache); one unmeasured load first warms the server's caches (the
compressed asset bodies). With the `brotli` package installed the server answers brotli
(gzip otherwise). Target: a bar or line chart at most 500 KB in total.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal.db import make_engine  # noqa: E402
from tests.web.server import serve  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHARTS = [
    ("treemap", "il-mof-execution-1998", ""),
    ("top", "il-mof-execution-1998", ""),
    ("time", "us-omb-outlays-fy2022", ""),
    ("plan", "il-mof-execution-1998", ""),
    ("revisions", "il-mof-execution-1998", ""),
]
LIMIT = 500 * 1024


def load(browser: Any, url: str) -> tuple[int, float, int, str]:
    """(bytes transferred, seconds to the chart's SVG, requests, encodings) for a cold load."""
    context = browser.new_context(viewport={"width": 800, "height": 900})
    page = context.new_page()
    finished: list[Any] = []
    page.on("requestfinished", lambda request: finished.append(request))
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(".chart .main-svg", state="attached", timeout=30000)
    elapsed = time.perf_counter() - started
    page.wait_for_load_state("load")
    total = 0
    encodings = set()
    for request in finished:
        sizes = request.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        response = request.response()
        encodings.add((response.headers if response else {}).get("content-encoding", "none"))
    context.close()
    return total, elapsed, len(finished), "+".join(sorted(encodings))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("-n", type=int, default=3, help="loads of each chart (median shown)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    engine = make_engine(args.database_url)
    with serve(engine) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        print(
            f"{'chart':<10} {'dataset':<24} {'requests':>8} {'transferred':>12} "
            f"{'first chart':>12}  {'encoding':<10} bundle"
        )
        over = []
        for kind, dataset, query in CHARTS:
            url = f"{base}/embed/{dataset}/{kind}?lang=en{query}"
            load(browser, url)  # warm the server's caches
            runs = [load(browser, url) for _ in range(args.n)]
            size = int(statistics.median(r[0] for r in runs))
            seconds = statistics.median(r[1] for r in runs)
            bundle = "full plotly.js" if kind == "treemap" else "plotly.js basic"
            print(
                f"{kind:<10} {dataset:<24} {runs[0][2]:>8} {size / 1024:>9.1f} KB "
                f"{seconds * 1000:>9.0f} ms  {runs[0][3]:<10} {bundle}"
            )
            if kind != "treemap" and size > LIMIT:
                over.append(kind)
        browser.close()
    engine.dispose()
    if over:
        print(f"OVER the 500 KB budget: {', '.join(over)}")
        return 1
    print("every bar and line chart is within the 500 KB budget")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
