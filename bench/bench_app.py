"""Interaction latency of the app in a real browser: time from a widget change to the updated map.

Starts the app on a free port with a temporary copy of the framework (and a warm snapshot, as
``make app`` leaves it after ``marc snapshot``), opens the Map page in Debian's Chromium
(Playwright), then changes the edition, the metric and a filter several times and times each
change until the map's SVG paths carry the new colours; then a weight change on the Framework page
until the rank-change preview is redrawn.

Every time is taken in the browser's clock (``performance.now()``): the input event (keydown or
click, captured before Streamlit sees it), the arrival of each websocket message from the server
(the largest one after the input is the chart's delta), and the first animation frame in which the
map's fills differ.  The split reported per interaction:

* ``server``: input → the last message received before the paint (widget event sent, script rerun,
  serialisation, transfer on localhost); the script's own time is logged by the server
  (``MARC_APP_TIMING``: the map fragment, the weight preview);
* ``render``: that message → changed fills in an animation frame (React, Vega dataflow and SVG);
* ``KB``: bytes of all messages in between (Streamlit replaces a message the browser has seen
  before by its hash, so a second visit of an edition sends little).

    .venv/bin/python bench/bench_app.py [--rounds 6]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from marc_app import browser as B

#: wraps WebSocket to log each message's arrival time and size, and arms an input-time probe
INIT = """
(() => {
  const Orig = window.WebSocket;
  window.__ws = [];
  function Wrapped(...args) {
    const ws = new Orig(...args);
    ws.addEventListener('message', e => {
      const n = e.data && (e.data.byteLength ?? e.data.size ?? e.data.length) || 0;
      window.__ws.push([performance.now(), n]);
    });
    return ws;
  }
  Wrapped.prototype = Orig.prototype;
  Object.assign(Wrapped, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  window.WebSocket = Wrapped;
  window.__t0 = null;
  const mark = () => { if (window.__armed) { window.__t0 = performance.now(); window.__armed = false; } };
  for (const ev of ['keydown', 'mousedown', 'pointerdown']) document.addEventListener(ev, mark, true);
})();
"""

#: start watching the map: resolves window.__paint when the fills differ from the current ones
ARM = """(sel) => {
  const fills = () => {
    const svg = document.querySelector('[data-testid="stVegaLiteChart"] svg');
    if (!svg) return '';
    return [...svg.querySelectorAll(sel)].map(p => p.getAttribute('fill')).join(',');
  };
  const before = fills();
  window.__paint = null; window.__armed = true; window.__t0 = null; window.__ws = [];
  const tick = () => {
    const now = fills();
    if (now && now !== before && window.__t0 !== null) { window.__paint = performance.now(); return; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""

#: start watching a text element (the weight preview)
ARM_TEXT = """(needle) => {
  const text = () => [...document.querySelectorAll('[data-testid="stMarkdownContainer"]')]
      .map(e => e.innerText).filter(t => t.includes(needle)).join('|');
  const before = text();
  window.__paint = null; window.__armed = true; window.__t0 = null; window.__ws = [];
  const tick = () => {
    const now = text();
    if (now && now !== before && window.__t0 !== null) { window.__paint = performance.now(); return; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""

PATHS = "g.mark-shape path, g.mark-symbol path"


def _result(page, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = page.evaluate("() => [window.__t0, window.__paint, window.__ws]")
        if got[1] is not None:
            t0, paint, ws = got
            after = [(t, n) for t, n in ws if t0 <= t <= paint]
            last = after[-1][0] if after else paint  # the last message before the paint carried what changed it
            return {"total": paint - t0, "server": last - t0, "render": paint - last,
                    "bytes": sum(n for _, n in after), "messages": len(after)}
        page.wait_for_timeout(20)
    raise AssertionError("no change painted")


def _script_times(log: Path, since: int) -> list[float]:
    text = log.read_text(errors="replace")[since:]
    return [float(x) for x in re.findall(r"marc-timing (?:map_view|weight_preview) ([0-9.]+) ms", text)]


#: the machine's floor: the smallest Streamlit page with a slider and a 5-bar Vega chart
FLOOR_APP = """
import streamlit as st
year = st.select_slider("Edition", options=list(range(2010, 2027)), value=2020)
data = [{"k": str(i), "v": (year * (i + 3)) % 17} for i in range(5)]
spec = {"mark": "bar", "encoding": {"x": {"field": "k", "type": "nominal"}, "y": {"field": "v", "type": "quantitative"},
        "color": {"field": "v", "type": "quantitative"}}, "usermeta": {"embedOptions": {"renderer": "svg"}}}
st.vega_lite_chart({**spec, "data": {"values": data}}, width=400, key="floor")
"""


def floor(p, rounds: int) -> list[dict]:
    """Input-to-paint on the smallest Streamlit page (same browser, same clocks)."""
    import subprocess

    tmp = Path(tempfile.mkdtemp(prefix="marc-floor-"))
    (tmp / "floor.py").write_text(FLOOR_APP)
    port = B.free_port()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(tmp / "floor.py"), "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true",
                             "--browser.gatherUsageStats", "false"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        import httpx

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        browser = B.launch(p)
        page = browser.new_page(viewport={"width": 1000, "height": 700})
        page.add_init_script(INIT)
        page.goto(f"http://127.0.0.1:{port}")
        page.locator('[data-testid="stVegaLiteChart"] svg g.mark-rect path').first.wait_for(timeout=60_000)
        B.settle(page)
        out = []
        for k in range(rounds):
            B.slider(page, 0).focus()
            page.evaluate(ARM, "g.mark-rect path")
            page.keyboard.press("ArrowLeft" if k % 2 == 0 else "ArrowRight")
            out.append(_result(page))
            B.settle(page)
        browser.close()
        return out
    finally:
        B.stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=6)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from marc.reporting import snapshot

    load_start = os.getloadavg()
    tmp = Path(tempfile.mkdtemp(prefix="marc-bench-"))
    fw = B.copy_framework(tmp)
    t = time.perf_counter()
    if snapshot.load(fw) is None:  # the warm state `make app` leaves (marc snapshot after the pull)
        snapshot.build(fw)
    print(f"snapshot ready in {time.perf_counter() - t:.1f} s (not part of the timings)")
    os.environ["MARC_APP_TIMING"] = "1"
    log = tmp / "server.log"
    t_server = time.perf_counter()
    proc, url = B.start_server(fw, log=log)
    t_health = time.perf_counter()
    rows: dict[str, list[dict]] = {"edition": [], "metric": [], "filter": [], "weight": [], "floor": []}
    script: dict[str, list[float]] = {}
    try:
        with sync_playwright() as p:
            browser = B.launch(p)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.add_init_script(INIT)
            t0 = time.perf_counter()
            page.goto(url)
            B.wait_map(page, timeout=600)
            first = time.perf_counter() - t0
            B.settle(page)
            for kind in ("edition", "metric", "filter"):
                since = len(log.read_text(errors="replace"))
                if kind == "filter":
                    page.locator('[data-testid="stExpander"] summary').filter(has_text="Filters").first.click()
                    B.settle(page)
                for k in range(args.rounds):
                    if kind == "edition":
                        B.slider(page, 0).focus()
                        page.evaluate(ARM, PATHS)
                        page.keyboard.press("ArrowLeft" if k % 2 == 0 else "ArrowRight")
                    elif kind == "metric":
                        option = "Adaptation" if k % 2 == 0 else "Mitigation"
                        box = page.locator('[data-testid="stSelectbox"]').filter(has_text="Metric").first
                        box.click()
                        page.keyboard.type(option)
                        opt = page.get_by_role("option", name=option, exact=True).first
                        page.evaluate(ARM, PATHS)
                        opt.click()
                    else:
                        page.evaluate(ARM, PATHS)
                        page.locator('[data-testid="stCheckbox"]').filter(has_text="LDC only").first.click()
                    rows[kind].append(_result(page))
                    B.settle(page)
                script[kind] = _script_times(log, since)
            first_script = _script_times(log, 0)[:1]
            page.goto(f"{url}/framework")
            page.locator("h1").first.wait_for(timeout=300_000)
            B.settle(page, timeout=300)
            since = len(log.read_text(errors="replace"))
            for k in range(args.rounds):
                B.slider(page, 1).focus()
                page.evaluate(ARM_TEXT, "countries change rank")
                page.keyboard.press("ArrowRight" if k % 2 == 0 else "ArrowLeft")
                if k == 0:  # the first edit also shows the preview for the first time
                    B.settle(page)
                    page.evaluate(ARM_TEXT, "countries change rank")
                    B.slider(page, 1).focus()
                    page.keyboard.press("ArrowRight")
                rows["weight"].append(_result(page))
                B.settle(page)
            script["weight"] = _script_times(log, since)[1:]  # (the first preview is shown before the timed edits)
            browser.close()
    finally:
        B.stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)
    with sync_playwright() as p:
        rows["floor"] = floor(p, args.rounds)

    def med(xs: list[float]) -> str:
        return f"{statistics.median(xs):.0f}" if xs else "–"

    load = os.getloadavg()
    print(f"load average (1, 5, 15 min) at the start: {load_start[0]:.2f} {load_start[1]:.2f} {load_start[2]:.2f}; "
          f"at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"server start to health answer:   {t_health - t_server:.1f} s")
    print(f"first map after the server answers (page load to painted map): {first:.2f} s "
          f"(of which the map script's first run: {first_script[0] / 1000 if first_script else float('nan'):.2f} s)")
    print("interaction                  total ms median (min–max)   server ms  render ms   msgs KB  script ms")
    for kind, label in (("edition", "edition slider"), ("metric", "metric picker"), ("filter", "filter checkbox"),
                        ("weight", "weight slider -> preview"), ("floor", "floor: minimal page")):
        r = rows[kind]
        tot = [x["total"] for x in r]
        print(f"{label:28s} {med(tot):>5s} ({min(tot):.0f}–{max(tot):.0f})        {med([x['server'] for x in r]):>6s}"
              f"  {med([x['render'] for x in r]):>8s}  {statistics.median([x['bytes'] for x in r]) / 1024:>8.1f}"
              f"  {med(script.get(kind, [])):>8s}")


if __name__ == "__main__":
    main()
