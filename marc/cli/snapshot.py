"""``marc snapshot``: score a framework on the pulled data and save what the app's first page needs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from marc.cli import app
from marc.pipeline import project

console = Console(highlight=False)


@app.command("snapshot")
def snapshot_cmd(framework: Optional[Path] = typer.Option(None, help="Framework folder (default: indicators/)."),
                 mirror: Optional[Path] = typer.Option(None, help="Mirror folder or bundle to pull missing sources from.")) -> None:
    """Score every edition (with hazards and the latest rank intervals) and save it for the app, keyed by
    the framework's files and the data version; a no-op when that snapshot already exists."""
    from marc.reporting import snapshot

    folder = (framework or project.default_framework_dir()).resolve()
    t = time.perf_counter()
    panel, countries = project.load_data(mirror, progress=False)
    if snapshot.load(folder) is not None:
        console.print(f"Snapshot {snapshot.key(folder)} is up to date ({time.perf_counter() - t:.1f} s).", markup=False)
        return
    snap = snapshot.build(folder, panel=panel, countries=countries)
    console.print(f"Saved snapshot {snap.key}: {snap.table['unit'].nunique()} units, editions "
                  f"{min(snap.outcome.years)}–{max(snap.outcome.years)} ({time.perf_counter() - t:.1f} s).", markup=False)
