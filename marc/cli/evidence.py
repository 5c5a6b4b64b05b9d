"""``marc evidence``: record and list expert-coded indicator values (the app's Evidence page)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from marc import project
from marc.cli import app
from marc.errors import MarcError
from marc.evidence import append_expert
from marc.loader import load_framework

evidence_app = typer.Typer(help="Expert-coded evidence: record a value with its source, or list what is recorded.",
                           no_args_is_help=True)
app.add_typer(evidence_app, name="evidence")
console = Console(highlight=False)


def _expert(framework: Path | None, indicator: str):
    fw = load_framework(framework or project.default_framework_dir())
    experts = {i.id: i for i in fw.indicators if i.kind == "expert"}
    if indicator not in experts:
        raise MarcError.single(indicator, "unknown-indicator",
                               f"not an expert-coded indicator; choose one of {', '.join(sorted(experts))}")
    return fw, experts[indicator]


@evidence_app.command("add")
def add(indicator: str = typer.Argument(..., help="Expert indicator id, e.g. defence_climate_strategy."),
        unit: str = typer.Argument(..., help="ISO3 country code."),
        value: int = typer.Option(..., help="Level on the indicator's scale."),
        url: str = typer.Option(..., help="Link to the evidence."),
        coder: str = typer.Option(..., help="Who coded it."),
        year: int = typer.Option(date.today().year, help="Year the value describes."),
        coded_on: str = typer.Option(date.today().isoformat(), "--date", help="Date of coding (YYYY-MM-DD)."),
        confidence: str = typer.Option("medium", help="low | medium | high"),
        framework: Optional[Path] = typer.Option(None, help="Framework folder (default: indicators/).")) -> None:
    """Record one value (replacing the same country and year), saved atomically with a backup."""
    fw, ind = _expert(framework, indicator)
    path = append_expert(fw.root, ind, {"unit": unit.upper(), "year": year, "value": value, "evidence_url": url,
                                        "coder": coder, "date": coded_on, "confidence": confidence})
    label = (ind.scale or {}).get(value, "")
    console.print(f"Recorded {indicator} = {value} ({label}) for {unit.upper()} {year} in {path}.", markup=False)


@evidence_app.command("list")
def list_(indicator: Optional[str] = typer.Argument(None, help="One expert indicator (default: all)."),
          framework: Optional[Path] = typer.Option(None, help="Framework folder (default: indicators/).")) -> None:
    """List the recorded expert values with their evidence."""
    fw = load_framework(framework or project.default_framework_dir())
    rows = fw.expert if indicator is None else fw.expert[fw.expert["indicator"] == indicator]
    table = Table(*["indicator", "unit", "year", "value", "evidence_url", "coder", "date", "confidence"])
    for r in rows.itertuples(index=False):
        table.add_row(r.indicator, r.unit, str(r.year), f"{r.value:g}", r.evidence_url, r.coder, r.date, r.confidence)
    console.print(table)
    console.print(f"{len(rows)} value(s).", markup=False)
