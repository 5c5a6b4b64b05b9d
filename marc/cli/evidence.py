"""``marc evidence``: submit, review and list expert-coded indicator values (the app's Evidence page)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from marc.cli import app
from marc.core.errors import MarcError
from marc.method import review as reviews
from marc.method.loader import load_framework
from marc.pipeline import project

evidence_app = typer.Typer(help="Expert-coded evidence: submit a value with its source, review the queue, list or log.",
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
        url: str = typer.Option(..., help="Link to the evidence (http or https)."),
        coder: str = typer.Option(..., help="Who coded it."),
        year: int = typer.Option(date.today().year, help="Year the value describes (the document's year)."),
        coded_on: str = typer.Option(date.today().isoformat(), "--date", help="Date of coding (YYYY-MM-DD)."),
        confidence: str = typer.Option("medium", help="low | medium | high"),
        note: str = typer.Option("", help="One line: what the source says."),
        framework: Optional[Path] = typer.Option(None, help="Framework folder (default: indicators/).")) -> None:
    """Submit one value for review (saved atomically, under a lock; scored once another person approves it)."""
    fw, ind = _expert(framework, indicator)
    path = reviews.submit(fw.root, ind, {"unit": unit.upper(), "year": year, "value": value, "evidence_url": url,
                                         "coder": coder, "date": coded_on, "confidence": confidence, "note": note})
    label = (ind.scale or {}).get(value, "")
    console.print(f"Submitted {indicator} = {value} ({label}) for {unit.upper()} {year} in {path}; "
                  "it counts once another reviewer approves it (`marc evidence review`).", markup=False)


@evidence_app.command("review")
def review_cmd(indicator: Optional[str] = typer.Argument(None, help="Expert indicator id (omit to list the queue)."),
               unit: Optional[str] = typer.Argument(None, help="ISO3 country code of the row."),
               year: Optional[int] = typer.Option(None, help="Year of the row."),
               coder: Optional[str] = typer.Option(None, help="Coder of the row."),
               approve: bool = typer.Option(False, "--approve", help="Approve the row (it is scored)."),
               reject: bool = typer.Option(False, "--reject", help="Reject the row (kept, never scored)."),
               dispute: bool = typer.Option(False, "--dispute", help="Dispute the row (kept and shown, not scored)."),
               by: str = typer.Option("", "--by", help="Reviewer's name (not the coder)."),
               reason: str = typer.Option("", help="Why (required to reject or dispute)."),
               all_rows: bool = typer.Option(False, "--all", help="List unreviewed baseline rows too."),
               framework: Optional[Path] = typer.Option(None, help="Framework folder (default: indicators/).")) -> None:
    """List the review queue, or approve, reject or dispute one row."""
    actions = [a for a, on in (("approve", approve), ("reject", reject), ("dispute", dispute)) if on]
    if indicator is None:
        fw = load_framework(framework or project.default_framework_dir())
        rows = reviews.queue(fw.expert_rows, include_baseline=all_rows)
        table = Table(*["status", "indicator", "unit", "year", "value", "coder", "confidence", "evidence_url"])
        for r in rows.itertuples(index=False):
            table.add_row(r.status, r.indicator, r.unit, str(r.year), f"{r.value:g}", r.coder, r.confidence, r.evidence_url)
        console.print(table)
        console.print(f"{len(rows)} row(s) waiting for review.", markup=False)
        return
    if len(actions) != 1 or unit is None or year is None or coder is None:
        raise MarcError.single(indicator, "usage", "give UNIT, --year, --coder and exactly one of --approve, --reject, --dispute")
    fw, ind = _expert(framework, indicator)
    row = reviews.review(fw.root, ind, unit.upper(), year, coder, actions[0], by, reason)  # type: ignore[arg-type]
    console.print(f"{indicator} {unit.upper()} {year} by {coder}: {row['status']} by {by}.", markup=False)


@evidence_app.command("log")
def log_cmd(unit: str = typer.Argument(..., help="ISO3 country code."),
            framework: Optional[Path] = typer.Option(None, help="Framework folder (default: indicators/).")) -> None:
    """Every change to a country's evidence, oldest first."""
    fw = load_framework(framework or project.default_framework_dir())
    log = reviews.country_log(fw.root, unit.upper())
    table = Table(*reviews.LOG_COLUMNS)
    for r in log.itertuples(index=False):
        table.add_row(*[str(v) for v in r])
    console.print(table)
    console.print(f"{len(log)} change(s).", markup=False)


@evidence_app.command("list")
def list_(indicator: Optional[str] = typer.Argument(None, help="One expert indicator (default: all)."),
          framework: Optional[Path] = typer.Option(None, help="Framework folder (default: indicators/).")) -> None:
    """List every coder's recorded value with its evidence and review status."""
    fw = load_framework(framework or project.default_framework_dir())
    rows = fw.expert_rows if indicator is None else fw.expert_rows[fw.expert_rows["indicator"] == indicator]
    table = Table(*["indicator", "unit", "year", "value", "status", "coder", "confidence", "evidence_url"])
    for r in rows.itertuples(index=False):
        table.add_row(r.indicator, r.unit, str(r.year), f"{r.value:g}", r.status, r.coder, r.confidence, r.evidence_url)
    console.print(table)
    console.print(f"{len(rows)} value(s).", markup=False)
