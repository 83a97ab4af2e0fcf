"""The page's speed in Debian's Chromium: first couplet after navigation, couplets per second.

    python benchmarks/bench_web.py [--model DIR] [--couplets 10] [--runs 5]

The first couplet should be on screen within FIRST_COUPLET_GOAL_S of navigation, on the page's own
clock (performance.now when the first couplet is shown). Needs Debian's chromium.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from rhymer import modeldir, website

FIRST_COUPLET_GOAL_S = 1.0
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--couplets", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5, help="page loads for the first-couplet time")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        website.export(modeldir.resolve(args.model)[0], site)
        server = website.serve(site, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            walls, marks = [], []
            for _ in range(args.runs):
                page = browser.new_page()
                start = time.perf_counter()
                page.goto(url)
                page.wait_for_selector(".couplet", timeout=60_000)
                walls.append(time.perf_counter() - start)
                page.wait_for_selector("body[data-ready=true]", timeout=60_000)
                # the page's own clock: milliseconds from navigation start to the first couplet shown
                marks.append(page.evaluate("performance.getEntriesByName('rhymer:first-couplet')[0].startTime") / 1000)
                page.close()
            results["first_couplet_s_after_navigation"] = [round(t, 2) for t in marks]
            results["first_couplet_median_s"] = round(sorted(marks)[len(marks) // 2], 2)
            results[f"runs_within_{FIRST_COUPLET_GOAL_S:g}s"] = f"{sum(t <= FIRST_COUPLET_GOAL_S for t in marks)}/{len(marks)}"
            results["first_couplet_s_wall_incl_new_tab"] = [round(t, 2) for t in walls]
            page = browser.new_page()
            page.goto(url)
            page.wait_for_selector("body[data-ready=true]", timeout=60_000)
            page.wait_for_function("!window.rhymerPage.state.nearEnd", timeout=120_000)  # the first screen is full
            for kind in ("lstm", "markov"):
                page.select_option("#model", kind)
                page.wait_for_function("!window.rhymerPage.state.busy")
                seconds = page.evaluate(f"""async () => {{ const t = performance.now();
                    for (let i = 0; i < {args.couplets}; i++) await window.rhymerPage.more(1);
                    return (performance.now() - t) / 1000; }}""")
                results[f"{kind}_couplets_per_s"] = round(args.couplets / seconds, 2)
            browser.close()
        server.shutdown()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
