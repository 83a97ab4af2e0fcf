"""The page's speed in Debian's Chromium: first couplet after navigation, couplets per second.

    python benchmarks/bench_web.py [--model DIR] [--couplets 10] [--runs 5] [--before GIT_REF]

The first couplet should be on screen within FIRST_COUPLET_GOAL_S of navigation, on the page's own
clock (performance.now when the first couplet is shown): one of the couplets the library wrote at export,
which the page shows while ml5.js loads. The first couplet the page writes itself (with ml5.js, or the
Markov engine) is timed too. ``--before REF`` also loads the page of an
earlier commit (its web/ files on the same exported site), one load of each in turn, so that a busy
machine slows both alike and the ratio means something. Needs Debian's chromium.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from rhymer import modeldir, website

FIRST_COUPLET_GOAL_S = 1.0
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[1]


def _page_of(ref: str, site: Path, out: Path) -> Path:
    """A copy of ``site`` with the page files (index.html, rhymer.js, style.css) of commit ``ref``."""
    shutil.copytree(site, out)
    for name in website.PAGE_FILES:
        shown = subprocess.run(["git", "show", f"{ref}:web/{name}"], capture_output=True, check=True, cwd=ROOT)
        (out / name).write_bytes(shown.stdout)
    return out


def _serve(site: Path) -> str:
    server = website.serve(site, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/"


def _first_couplet(browser, url: str) -> tuple[float, float, float, float]:
    """Seconds from navigation to the first couplet on the page's clock, and on the wall clock with the new tab;
    seconds to the first couplet the page wrote itself and to its engine being ready (before its first sample).
    (A page without a "first-written" mark wrote its first couplet itself.)"""
    page = browser.new_page()
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(".couplet", timeout=60_000)
    wall = time.perf_counter() - start
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    page.wait_for_selector(".couplet:not([data-opening])", timeout=60_000)  # the page's own first couplet
    mark, written, ready = page.evaluate("""() => ['first-couplet', 'first-written', 'loaded'].map(
        (m) => (performance.getEntriesByName('rhymer:' + m)[0] ?? performance.getEntriesByName('rhymer:first-couplet')[0]).startTime)""")
    page.close()
    return mark / 1000, wall, written / 1000, ready / 1000


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def _summary(marks: list[float], walls: list[float], written: list[float], ready: list[float]) -> dict:
    return {"first_couplet_s_after_navigation": [round(t, 2) for t in marks],
            "first_couplet_median_s": round(_median(marks), 2),
            f"runs_within_{FIRST_COUPLET_GOAL_S:g}s": f"{sum(t <= FIRST_COUPLET_GOAL_S for t in marks)}/{len(marks)}",
            "first_couplet_s_wall_incl_new_tab": [round(t, 2) for t in walls],
            "first_written_median_s": round(_median(written), 2),  # the first couplet the page wrote itself
            "model_ready_median_s": round(_median(ready), 2)}  # navigation to the page's first sample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--couplets", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5, help="page loads for the first-couplet time")
    parser.add_argument("--before", metavar="REF", help="also time the page of this git commit, load for load")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        website.export(modeldir.resolve(args.model)[0], site)
        urls = {"now": _serve(site)}
        if args.before:
            urls[args.before] = _serve(_page_of(args.before, site, Path(tmp) / "before"))
        times: dict[str, list[list[float]]] = {name: [[], [], [], []] for name in urls}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for _ in range(args.runs):
                for name, url in urls.items():
                    for column, value in zip(times[name], _first_couplet(browser, url)):
                        column.append(value)
            results = _summary(*times["now"])
            if args.before:
                before = results[f"page of {args.before}"] = _summary(*times[args.before])
                results[f"median ratio now / {args.before}"] = round(results["first_couplet_median_s"] / before["first_couplet_median_s"], 2)
            page = browser.new_page()
            page.goto(urls["now"])
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
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
