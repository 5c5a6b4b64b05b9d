"""``marc data build`` and ``marc data report``: the processed panel and its quality report."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from marc.cli import app
from marc.reporting.outputs import check_out

data_app = typer.Typer(help="The tidy data panel: build it from the raw cache and report its quality.",
                       no_args_is_help=True)
app.add_typer(data_app, name="data")
console = Console(highlight=False)


@data_app.command("build")
def build(
    cache: Path = typer.Option(None, "--cache", help="Folder holding one folder per source (default: data/cache or $MARC_DATA_DIR)."),
    source: list[str] = typer.Option(None, "--source", "-s", help="Only these source ids."),
    force: bool = typer.Option(False, "--force", help="Rebuild even if the raw files are unchanged."),
) -> None:
    """Build (or refresh) the processed panel cache."""
    from marc.data.panel_build import build_panel

    result = build_panel(cache, source or None, progress=True, force=force)
    state = "up to date (from cache)" if result.from_cache else "built"
    console.print(f"Panel {state}: {len(result.panel):,} rows, {result.panel['variable'].nunique()} variables, "
                  f"{result.panel['unit'].nunique()} units from {len(result.sources)} sources in {result.seconds:.1f} s")
    if result.cache_path:
        console.print(f"  cached at {result.cache_path}")
    if result.missing_sources:
        console.print(f"  not read (folder missing): {', '.join(result.missing_sources)}")
    raws = sorted({(u.source.split('/')[0], u.raw) for u in result.unmatched})
    if raws:
        console.print(f"  {len(raws)} unmatched names/codes (see `marc data report`): "
                      + ", ".join(f"{s}:{r or '(empty)'}" for s, r in raws[:12]))


@data_app.command("report")
def report(
    out: Path = typer.Option(None, "--out", "-o", help="Also write the full report as CSV."),
    cache: Path = typer.Option(None, "--cache", help="Folder holding one folder per source."),
    source: list[str] = typer.Option(None, "--source", "-s", help="Only these source ids."),
) -> None:
    """Coverage, latest year, missing countries, outliers and unmatched names per variable."""
    from marc.core.atomic import write_text
    from marc.data.panel_build import _cache_root, build_panel
    from marc.data.quality import data_report

    if out:
        check_out(out, "csv")
    result = build_panel(cache, source or None, progress=True)
    frame = data_report(result, root=_cache_root(cache))
    table = Table(title=f"MARC data report ({len(frame)} variables)")
    for col in ("source", "variable", "n_units", "first_year", "last_year", "latest_year", "n_missing_countries",
                "outliers", "unmatched"):
        table.add_column(col, overflow="fold", max_width=40 if col in ("outliers", "unmatched") else None)
    for row in frame.itertuples():
        table.add_row(row.source, row.variable, str(row.n_units), str(row.first_year), str(row.last_year),
                      "" if pd_isna(row.latest_year) else str(int(row.latest_year)), str(row.n_missing_countries),
                      row.outliers[:120], row.unmatched[:120])
    console.print(table)
    for note in result.notes:
        console.print(f"note: {note}", markup=False)
    if out:
        from marc.reporting import spreadsheet

        write_text(out, spreadsheet.csv_bytes(frame).decode("utf-8"))  # text cells escaped (no formulas)
        console.print(f"Wrote {out}")


def pd_isna(value: object) -> bool:
    import pandas as pd
    return bool(pd.isna(value))
