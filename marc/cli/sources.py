"""``marc pull``, ``marc pack`` and ``marc sources``: filling, bundling and listing the raw-data cache."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from marc.cli import app
from marc.core.errors import MarcError
from marc.data import pull as puller
from marc.data import sources as src
from marc.reporting.outputs import check_out

console = Console(highlight=False)
if not console.is_terminal:  # piped or captured: do not squeeze tables into 80 columns
    console = Console(highlight=False, width=160)


def _mb(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


@app.command()
def pull(
    source_ids: Optional[list[str]] = typer.Argument(None, metavar="[SOURCE]...", help="Source ids (default: all)."),
    mirror: Optional[Path] = typer.Option(None, "--mirror", help="Mirror folder laid out like ../shared/data, or a "
                                          "`marc pack` zip. Default: $MARC_DATA_MIRROR, else ../shared/data if present."),
    force: bool = typer.Option(False, "--force", help="Fetch again even when the cache matches the lock."),
    no_progress: bool = typer.Option(False, "--no-progress", help="Hide progress bars."),
) -> None:
    """Fill the data cache from a mirror or the official URLs, recording checksums in the lock file."""
    start = time.perf_counter()
    try:
        outcomes = puller.ensure_report(source_ids or None, mirror=mirror, progress=not no_progress, force=force)
    except MarcError as error:
        if getattr(error, "outcomes", None):
            _summary(error.outcomes, start)
        raise
    _summary(outcomes, start)


def _summary(outcomes: list[puller.Outcome], start: float) -> None:
    table = Table("source", "action", "files", "size", title=f"cache: {src.cache_root()}")
    for o in outcomes:
        table.add_row(o.source_id, o.action, str(o.files) if o.files else "", _mb(o.size) if o.size else "")
    console.print(table)
    total = sum(o.size for o in outcomes)
    console.print(f"{len(outcomes)} sources, {_mb(total)} in {time.perf_counter() - start:.1f} s; lock: {src.lock_path()}")


@app.command()
def pack(
    out: Path = typer.Argument(..., metavar="OUT.zip", help="The bundle to write."),
    source_ids: Optional[list[str]] = typer.Argument(None, metavar="[SOURCE]...", help="Source ids (default: all)."),
    include_restricted: bool = typer.Option(False, "--include-restricted",
                                            help="Also pack sources whose licence forbids redistribution."),
    no_progress: bool = typer.Option(False, "--no-progress", help="Hide progress bars."),
) -> None:
    """Write the cache to a zip that `marc pull --mirror OUT.zip` accepts (for offline offices)."""
    from marc.data.bundle import pack as do_pack
    from marc.data.download import progress_bar

    check_out(out, "zip")
    with progress_bar(not no_progress) as bar:
        result = do_pack(out, include_restricted=include_restricted, source_ids=source_ids or None, bar=bar)
    console.print(f"wrote {result.path} ({_mb(result.size)}): {len(result.packed)} sources")
    if result.restricted:
        console.print("left out (licence forbids redistribution; pass --include-restricted to add them): "
                      + ", ".join(result.restricted))
    if result.missing:
        console.print("left out (not in the cache; run `marc pull` first): " + ", ".join(result.missing))


@app.command("sources")
def list_sources() -> None:
    """List the registered sources with licence, redistribution, commercial use, manual and cache status."""
    registry = src.load_registry()
    lock = src.read_lock()["sources"]
    table = Table("id", "licence", "open", "redistribute", "commercial", "manual", "status")
    table.columns[0].no_wrap = True
    yes = {True: "yes", False: "no"}
    for sid, s in registry.sources.items():
        if s.on_demand:
            status = "on demand"
        elif src.is_available(sid, registry):
            status = "cached" if sid in lock else "cached, not locked"
        else:
            status = "missing"
        licence = s.licence.split(" (")[0].split(";")[0]
        licence = licence if len(licence) <= 28 else licence[:27] + "…"
        table.add_row(sid, licence, yes[s.open_licence], yes[s.redistribution], yes[s.commercial_use], yes[s.manual], status)
    console.print(table)
