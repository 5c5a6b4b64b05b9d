"""Interaction latency of the app in a real browser: time from a widget change to the updated map.

Starts the app on a free port with a temporary copy of the framework, opens the Map page in
Debian's Chromium (Playwright), then changes the edition and the metric several times and times
each change until the map's SVG paths carry the new colours; then a weight change on the Framework
page until the rank-change preview is redrawn.  Prints the medians.

    .venv/bin/python bench/bench_app.py [--rounds 6]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from marc_app import browser as B


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=6)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="marc-bench-"))
    fw = tmp / "indicators"
    shutil.copytree(REPO / "indicators", fw, ignore=shutil.ignore_patterns(".backups"))
    proc, url = B.start_server(fw, log=tmp / "server.log")
    try:
        with sync_playwright() as p:
            browser = B.launch(p)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            t0 = time.perf_counter()
            page.goto(url)
            fills = B.wait_map(page, timeout=600)
            cold = time.perf_counter() - t0
            B.settle(page)
            year, metric = [], []
            for k in range(args.rounds):
                B.slider(page, 0).focus()
                t = time.perf_counter()
                page.keyboard.press("ArrowLeft" if k % 2 == 0 else "ArrowRight")
                fills, _ = B.wait_change(page, fills)
                year.append(time.perf_counter() - t)
                B.settle(page)
            for k in range(args.rounds):
                option = "Adaptation" if k % 2 == 0 else "Mitigation"
                box = page.locator('[data-testid="stSelectbox"]').filter(has_text="Metric").first
                box.click()
                page.keyboard.type(option)
                opt = page.get_by_role("option", name=option, exact=True).first
                t = time.perf_counter()
                opt.click()
                fills, _ = B.wait_change(page, fills)
                metric.append(time.perf_counter() - t)
                B.settle(page)
            page.goto(f"{url}/framework")
            page.locator("h1").first.wait_for(timeout=300_000)
            B.settle(page, timeout=300)
            weight = []
            for k in range(args.rounds):
                B.slider(page, 1).focus()
                text = page.get_by_text("countries change rank")
                before = text.inner_text() if text.count() else ""
                t = time.perf_counter()
                page.keyboard.press("ArrowRight")
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    if text.count() and text.inner_text() != before:
                        break
                    page.wait_for_timeout(10)
                weight.append(time.perf_counter() - t)
                B.settle(page)
            browser.close()
    finally:
        B.stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)

    def fmt(xs: list[float]) -> str:
        return f"median {statistics.median(xs) * 1000:.0f} ms (min {min(xs) * 1000:.0f}, max {max(xs) * 1000:.0f}, n={len(xs)})"

    print(f"cold start to first map:            {cold:.1f} s")
    print(f"edition slider -> map redrawn:      {fmt(year)}")
    print(f"metric picker  -> map redrawn:      {fmt(metric)}")
    print(f"weight slider  -> preview redrawn:  {fmt(weight)}")


if __name__ == "__main__":
    main()
