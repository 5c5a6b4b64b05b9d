"""Drive the app in Debian's Chromium with Playwright: start a server, read the drawn map.

Shared by ``tests/test_browser*.py`` and ``bench/bench_app.py``.  Nothing here imports Streamlit.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--force-color-profile=srgb"]

#: JS: fills of the value-layer paths of the first map (geoshape paths not in the grey base layer)
_FILLS = """() => {
  const svg = document.querySelector('[data-testid="stVegaLiteChart"] svg');
  if (!svg) return null;
  const groups = [...svg.querySelectorAll('g.mark-shape')];
  return groups.map(g => [...g.querySelectorAll('path')].map(p => p.getAttribute('fill')));
}"""

#: JS: a screen point inside the path whose aria-label names the country, not covered by anything else
_INSIDE = """([name, layer]) => {
  const svg = document.querySelector('[data-testid="stVegaLiteChart"] svg');
  const groups = [...svg.querySelectorAll('g.mark-shape')];
  const g = groups[layer];
  const el = [...g.querySelectorAll('path')].find(p => (p.getAttribute('aria-label') || '').includes(name));
  if (!el) return null;
  const b = el.getBBox(), m = el.getScreenCTM();
  const hits = (sx, sy) => document.elementFromPoint(sx, sy) === el;
  for (let i = 1; i < 24; i++) for (let j = 1; j < 24; j++) {
    const x = b.x + b.width * i / 24, y = b.y + b.height * j / 24;
    if (!el.isPointInFill(new DOMPoint(x, y))) continue;
    const sx = m.a * x + m.c * y + m.e, sy = m.b * x + m.d * y + m.f;
    const around = [[0, 0], [-3, 0], [3, 0], [0, -3], [0, 3]];
    if (around.every(([dx, dy]) => hits(sx + dx, sy + dy))) return [sx, sy, el.getAttribute('fill')];
  }
  return null;
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(framework_dir: Path | None = None, port: int | None = None, log: Path | None = None,
                 timeout: float = 60.0) -> tuple[subprocess.Popen, str]:
    """The app's server (``python -m marc_app.serve``, as ``make app`` starts it) on a free local port;
    returns the process and its URL once healthy."""
    port = port or free_port()
    env = dict(os.environ)
    if framework_dir is not None:
        env["MARC_FRAMEWORK_DIR"] = str(framework_dir)
    out = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 (the server writes to it until stopped)
    proc = subprocess.Popen([sys.executable, "-m", "marc_app.serve", "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true",
                             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
                             "--server.enableStaticServing", "true"],
                            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    stop(proc)
    raise RuntimeError(f"streamlit did not answer on {url} within {timeout:.0f} s")


def unavailable() -> str | None:
    """Why the browser cannot be driven here (None when it can): Debian's chromium or Playwright missing."""
    if not Path(CHROMIUM).exists():
        return "Debian's chromium is not installed (make browser)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    return None


def copy_framework(parent: Path, source: Path | None = None) -> Path:
    """A private copy of the framework folder (default: the project's ``indicators/``) as ``parent/indicators``,
    so that saves made through the app never touch the real one."""
    folder = Path(parent) / "indicators"
    shutil.copytree(source or REPO / "indicators", folder, ignore=shutil.ignore_patterns(".backups"))
    return folder


@contextmanager
def served(parent: Path, log: Path | None = None, source: Path | None = None,
           timeout: float = 60.0) -> Iterator[tuple[str, Path]]:
    """A server on a private copy of the framework (see :func:`copy_framework`): yields its URL and the
    copy's folder, and stops the server on exit."""
    folder = copy_framework(parent, source)
    if log is not None:
        Path(log).parent.mkdir(parents=True, exist_ok=True)
    proc, url = start_server(folder, log=log, timeout=timeout)
    try:
        yield url, folder
    finally:
        stop(proc)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)


@contextmanager
def browser_page(width: int = 1400, height: int = 1000) -> Iterator:
    """A page in Debian's Chromium (Playwright), closed with its browser on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        try:
            yield b.new_page(viewport={"width": width, "height": height})
        finally:
            b.close()


def map_fills(page) -> list[list[str]] | None:
    """Fills of every geoshape path per layer (layer 0 is the grey base)."""
    return page.evaluate(_FILLS)


def wait_map(page, timeout: float = 180.0, min_paths: int = 150) -> list[list[str]]:
    """Wait until the map has drawn its value layer; returns its fills."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fills = map_fills(page)
        if fills and len(fills) >= 2 and len(fills[1]) >= min_paths:
            return fills
        page.wait_for_timeout(250)
    raise AssertionError(f"the map did not draw {min_paths} country paths within {timeout:.0f} s: {fills and [len(f) for f in fills]}")


def wait_change(page, before: list[list[str]], timeout: float = 60.0) -> tuple[list[list[str]], float]:
    """Wait until the map's fills differ from *before*; returns them and the seconds it took."""
    t0 = time.perf_counter()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fills = map_fills(page)
        if fills and len(fills) >= 2 and fills != before:
            return fills, time.perf_counter() - t0
        page.wait_for_timeout(10)
    raise AssertionError("the map did not change")


def open_page(page, url: str, path: str = "") -> None:
    """Open a page of the app (``path``: a page and its query) and wait until its script has run."""
    page.goto(f"{url}/{path}")
    page.locator("h1").first.wait_for(timeout=300_000)
    settle(page, timeout=300)


def settle(page, timeout: float = 120.0) -> None:
    """Wait until Streamlit has finished running the script (elements are faded while it runs)."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=timeout * 1000)
    page.wait_for_timeout(300)


def inside(page, name: str, layer: int) -> tuple[float, float, str] | None:
    """A screen point inside *name*'s path on *layer* (0 = grey base, 1 = values) and its fill."""
    hit = page.evaluate(_INSIDE, [name, layer])
    return tuple(hit) if hit else None


def pixel(page, x: float, y: float) -> str:
    """The colour (#rrggbb) drawn at a screen point."""
    import io

    from PIL import Image

    png = page.screenshot(clip={"x": int(x) - 1, "y": int(y) - 1, "width": 3, "height": 3})
    r, g, b = Image.open(io.BytesIO(png)).convert("RGB").getpixel((1, 1))
    return f"#{r:02x}{g:02x}{b:02x}"


def slider(page, index: int = 0):
    """The *index*-th Streamlit slider's range input (focus it and press arrow keys)."""
    return page.locator('[data-testid="stSlider"] input[type="range"]').nth(index)


def pick_option(page, label: str, option: str) -> None:
    """Choose *option* in the Streamlit selectbox labelled *label*."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first
    box.click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).first.click()
