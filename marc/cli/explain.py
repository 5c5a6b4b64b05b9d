"""``marc explain ISO3``: why a country scores as it does (contributions against a reference profile)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from marc.cli import app
from marc.core.errors import MarcError
from marc.pipeline import project
from marc.reporting.export import write_table

console = Console(highlight=False)


@app.command("explain")
def explain_cmd(unit: str = typer.Argument(..., help="ISO3 code, e.g. MLI."),
                year: Optional[int] = typer.Option(None, help="Edition year; default: the latest complete edition."),
                reference: str = typer.Option("median", help="median (all countries) | region (the country's region)"),
                out: Optional[Path] = typer.Option(None, "--out", "-o", help="Also write the breakdown (.csv, .xlsx, .parquet)."),
                framework: Optional[Path] = typer.Option(None, help="Framework folder (default: indicators/)."),
                mirror: Optional[Path] = typer.Option(None, help="Mirror folder or bundle to pull missing sources from.")) -> None:
    """Each indicator's and pillar's contribution to the score minus the reference profile's score."""
    from marc.analysis import explain

    if reference not in ("median", "region"):
        raise MarcError.single("--reference", "bad-reference", f"unknown reference {reference!r}; use median or region")
    outcome = project.compute(framework or project.default_framework_dir(), years=[year] if year else "latest",
                              mirror=mirror, progress=False, hazards=False)
    y = outcome.years[-1]
    code = unit.upper()
    if outcome.countries is not None and code not in set(outcome.countries["unit"]):
        raise MarcError.single(unit, "unknown-unit", "not an ISO3 code of a scored country (e.g. MLI, FJI, SWE)")
    e = explain.explain(outcome.framework, outcome.results, code, y, reference=reference, countries=outcome.countries)
    name = outcome.countries.set_index("unit")["name"].get(code, code) if outcome.countries is not None else code
    console.print(f"{name} ({code}), edition {y}: score {e.score:.1f}, reference ({e.reference}) {e.reference_score:.1f}, "
                  f"gap {e.gap:+.1f}.", markup=False)
    console.print(e.sentence(), markup=False)
    pillars = Table("pillar", "score", "reference", "contribution", title="Pillars")
    for r in e.components[e.components["role"] != "sub_pillar"].itertuples():
        pillars.add_row(r.name, f"{r.score:.1f}", f"{r.reference:.1f}", f"{r.contribution:+.2f}")
    console.print(pillars)
    inds = Table("indicator", "pillar", "weight", "score", "reference", "contribution", title="Indicators")
    for r in e.indicators.sort_values("contribution").itertuples():
        inds.add_row(r.name, str(r.pillar), f"{r.effective_weight:.3f}", f"{r.score:.1f}", f"{r.reference:.1f}",
                     f"{r.contribution:+.2f}")
    console.print(inds)
    console.print(f"Contributions add up to {e.indicators['contribution'].sum():+.2f} (score − reference).", markup=False)
    if out is not None:
        table = e.indicators.assign(unit=code, year=y, reference_profile=e.reference)
        write_table(table, out)
        console.print(f"Wrote {out}.", markup=False)
