"""``marc export`` (tables, boundaries and maps) and ``marc brief`` (country briefs, PDF or DOCX)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from marc.cli import app
from marc.core.errors import MarcError
from marc.pipeline import project
from marc.reporting.outputs import check_out

console = Console(highlight=False)


def _outcome(framework: Optional[Path], year: Optional[int], mirror: Optional[Path]):
    return project.compute(framework or project.default_framework_dir(), years=[year] if year else "latest",
                           mirror=mirror)


@app.command("export")
def export_cmd(fmt: str = typer.Option(..., "--format", "-f", help="csv | xlsx | geojson | gpkg | png | svg | html"),
               out: Path = typer.Option(..., "--out", "-o", help="Output file."),
               year: Optional[int] = typer.Option(None, help="Edition year; default: the latest complete edition."),
               metric: str = typer.Option("readiness", help="Maps: readiness, a pillar, governance, exposure, priority "
                                                            "or a hazard layer id."),
               tidy: bool = typer.Option(False, help="CSV: the tidy indicator table (with provenance) instead of scores."),
               raw_csv: bool = typer.Option(False, "--raw-csv", help="CSV: write text cells unescaped (machine use); by "
                                                                      "default text starting with = + - @ is quoted."),
               lang: str = typer.Option("en", "--lang", help="Maps: en | fr (titles, legend, number format)."),
               uncertainty: int = typer.Option(0, "--uncertainty", help="Tables: add 5–95% rank intervals from N Monte Carlo "
                                                                        "replications (e.g. 1000); 0 = off."),
               framework: Optional[Path] = typer.Option(None, help="Framework folder (default: indicators/)."),
               mirror: Optional[Path] = typer.Option(None, help="Mirror folder or bundle to pull missing sources from.")) -> None:
    """Export scores as CSV/XLSX, boundaries with scores as GeoJSON/GPKG, or a map as PNG/SVG/HTML."""
    from marc.reporting import export

    fmt = fmt.lower()
    if fmt not in export.FORMATS:
        raise MarcError.single("--format", "bad-format", f"unknown format {fmt!r}; use one of {', '.join(export.FORMATS)}")
    check_out(out, fmt)
    from marc.core.i18n import check_lang

    check_lang(lang.lower())
    lang = lang.lower()
    outcome = _outcome(framework, year, mirror)
    if uncertainty:
        outcome.add_uncertainty(n=uncertainty)
    path = export.export(outcome, fmt, out, year=year, metric=metric, tidy=tidy, raw=raw_csv, lang=lang)
    console.print(f"Wrote {path} ({path.stat().st_size:,} bytes; edition {export.edition(outcome, year)}; "
                  f"{export.framework_label(outcome)}).", markup=False)


@app.command("brief")
def brief_cmd(units: list[str] = typer.Argument(None, help="ISO3 codes, e.g. CIV HTI."),
              region: Optional[str] = typer.Option(None, "--region", help="Every scored country of this World Bank region."),
              fmt: str = typer.Option("pdf", "--format", "-f", help="pdf | docx | json (the facts)"),
              lang: str = typer.Option("en", "--lang", help="en | fr"),
              out: Path = typer.Option(Path("briefs"), "--out", "-o", help="Output folder."),
              year: Optional[int] = typer.Option(None, help="Edition year; default: the latest complete edition."),
              intervals: Optional[Path] = typer.Option(None, help="Rank intervals from `marc uncertainty --out FILE`; default: "
                                                                   "computed now with the framework's uncertainty settings."),
              no_intervals: bool = typer.Option(False, "--no-intervals", help="Do not compute rank intervals."),
              framework: Optional[Path] = typer.Option(None, help="Framework folder (default: indicators/)."),
              mirror: Optional[Path] = typer.Option(None, help="Mirror folder or bundle to pull missing sources from.")) -> None:
    """Write a country brief (2–4 pages) per country, from one facts document, with a progress bar."""
    from marc.reporting import brief
    from marc.reporting.export import edition

    fmt, lang = fmt.lower(), lang.lower()
    if fmt not in brief.BRIEF_FORMATS:
        raise MarcError.single("--format", "bad-format", f"unknown brief format {fmt!r}; use pdf, docx or json")
    brief.i18n.check_lang(lang)  # an unknown language fails before the long work
    check_out(out, folder=True)
    if not units and not region:
        raise MarcError.single("brief", "no-units", "name ISO3 codes (marc brief CIV HTI) or --region NAME")
    ranks = brief.intervals_from(brief.read_table(intervals)) if intervals else None
    outcome = _outcome(framework, year, mirror)
    chosen = brief.select_units(outcome, units or [], region)
    meta = None
    if ranks is None and not no_intervals:  # seeded, so every brief of an edition shows the same interval
        from marc.analysis.uncertainty import from_outcome

        result = from_outcome(outcome, year=edition(outcome, year))
        ranks, meta = brief.rank_intervals(result), brief.uncertainty_meta(result)
    out.mkdir(parents=True, exist_ok=True)
    table = outcome.table(edition(outcome, year))
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as bar:
        task = bar.add_task("briefs", total=len(chosen))
        for unit in chosen:
            bar.update(task, description=f"brief {unit}")
            brief.write_brief(outcome, unit, fmt, out, lang=lang, year=year, intervals=ranks, table=table, uncertainty=meta)
            bar.advance(task)
    console.print(f"Wrote {len(chosen)} {fmt.upper()} brief(s) ({lang}) to {out}/.", markup=False)
