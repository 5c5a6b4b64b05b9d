"""``marc validate``, ``marc schema`` and ``marc score``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from marc.cli import app, err_console
from marc.method.framework import IndexFile, PillarFile
from marc.method.loader import load_framework
from marc.method.orientation import LABELS, orientation_of
from marc.pipeline import project
from marc.reporting.outputs import check_out

console = Console(highlight=False)


@app.command()
def validate(path: Path = typer.Argument(None, help="Framework folder (default: indicators/)."),
             panel: Optional[Path] = typer.Option(None, help="Also check variables against this panel (Parquet or CSV).")) -> None:
    """Validate the framework YAML: every problem as file:line:column; exit 2 on error, 0 when valid."""
    folder = path or project.default_framework_dir()
    data = project.read_panel_file(panel) if panel else project.cached_panel()
    fw = load_framework(folder, panel=data, require_custom=True)
    project.validate_hazards(folder)
    _warn(fw)
    n_expert = sum(i.kind == "expert" for i in fw.indicators)
    checked = "checked against the data panel" if data is not None else "variables not checked: no data panel cached yet"
    console.print(f"OK {folder}: {len(fw.indicators)} indicators ({n_expert} expert-coded) in {len(fw.components)} "
                  f"components; framework {fw.digest}; {checked}.", markup=False)


def _warn(fw) -> None:
    for text in fw.warnings:
        err_console.print(f"warning: {text}", markup=False)


@app.command()
def migrate(path: Path = typer.Argument(None, help="Framework folder (default: indicators/)."),
            dry_run: bool = typer.Option(False, "--dry-run", help="List what would change; write nothing.")) -> None:
    """Upgrade an older framework folder to the current schema version in place (comments kept, backups made)."""
    from marc.method.migrate import migrate as run_migration

    folder = path or project.default_framework_dir()
    result = run_migration(folder, dry_run=dry_run)
    if not result.changed:
        console.print(f"{folder} is already at schema version {result.to_version}; nothing to do.", markup=False)
        return
    for note in result.notes:
        console.print(("would change " if dry_run else "changed ") + note, markup=False)
    if not dry_run:
        load_framework(folder)  # the upgraded folder must load; a MarcError here says where it does not
        console.print(f"{folder}: schema version {result.from_version} -> {result.to_version}; "
                      f"{len(result.backups)} backup(s) in .backups/ beside the files changed.", markup=False)


def json_schemas() -> dict[str, dict]:
    """The published JSON Schemas (file stem -> schema), generated from the validating models."""
    from marc.data.sources import Registry
    from marc.hazards.schema import HazardConfig

    out = {}
    for name, model in (("framework", PillarFile), ("index", IndexFile), ("hazards", HazardConfig), ("sources", Registry)):
        sch = model.model_json_schema(by_alias=True)
        sch["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        sch["title"] = f"MARC {name} file"
        out[name] = sch
    return out


@app.command()
def schema(out: Path = typer.Option(Path("docs"), help="Folder for the *.schema.json files.")) -> None:
    """Write the JSON Schemas of the framework, hazards and sources YAML, generated from the validating models."""
    from marc.core.atomic import write_text

    check_out(out, folder=True)
    out.mkdir(parents=True, exist_ok=True)
    for name, sch in json_schemas().items():
        write_text(out / f"{name}.schema.json", json.dumps(sch, indent=2, ensure_ascii=False) + "\n", keep_backup=False)
        console.print(f"wrote {out / f'{name}.schema.json'}", markup=False)


@app.command("score")
def score_cmd(out: Path = typer.Option(..., "--out", help="Output file: .csv, .xlsx or .parquet (by extension)."),
              framework: Path = typer.Option(None, help="Framework folder (default: indicators/)."),
              year: Optional[list[int]] = typer.Option(None, help="Edition year(s); default: the last offered edition (every pillar published for most units)."),
              all_years: bool = typer.Option(False, "--all-years", help="Every offered edition (the years in which every pillar is published for most units)."),
              tidy: bool = typer.Option(False, help="Write the tidy indicator table instead of the wide view."),
              panel: Optional[Path] = typer.Option(None, help="Use this tidy panel (Parquet/CSV) instead of the pulled data."),
              mirror: Optional[Path] = typer.Option(None, help="Mirror folder or bundle to pull missing sources from."),
              units: Optional[Path] = typer.Option(None, help="Subnational units: admin1 (Natural Earth admin-1, every "
                                                              "country) or a boundary file (any OGR format); default: countries."),
              id_field: str = typer.Option("unit", help="--units: the field with each unit's id."),
              parent_field: str = typer.Option("parent", help="--units: the field with each unit's ISO3 country."),
              name_field: Optional[str] = typer.Option(None, help="--units: the field with each unit's name."),
              no_hazards: bool = typer.Option(False, "--no-hazards", help="Skip exposure and priority."),
              uncertainty: int = typer.Option(0, "--uncertainty", help="Add 5–95% rank and score intervals from N Monte "
                                                                       "Carlo replications (e.g. 1000); 0 = off."),
              seed: Optional[int] = typer.Option(None, help="--uncertainty: random seed (default: the framework's)."),
              raw_csv: bool = typer.Option(False, "--raw-csv", help="CSV: write text cells unescaped (machine use); by "
                                                                     "default text starting with = + - @ is quoted.")) -> None:
    """Score the framework and write the results (wide view by default, or --tidy).

    With --units, each subunit inherits its country's indicators (flagged inherited) and gets its own
    hazard exposure: national readiness against subnational exposure.
    """
    check_out(out, ("csv", "xlsx", "parquet"))
    units_gdf = None
    if units is not None:
        from marc.hazards.subnational import units_from_option

        units_gdf, loaded = units_from_option(units, id_field, name_field, parent_field)
        console.print(loaded, markup=False)
    outcome = project.compute(framework or project.default_framework_dir(),
                              years="offered" if all_years else (year or "latest"),
                              panel=project.read_panel_file(panel) if panel else None, mirror=mirror,
                              units_gdf=units_gdf, hazards=not no_hazards and panel is None)
    if uncertainty:
        outcome.add_uncertainty(n=uncertainty, seed=seed)
    if units_gdf is not None:
        from marc.hazards.subnational import summary_lines

        for line in summary_lines(outcome):
            console.print(line, markup=False)
    table = outcome.tidy() if tidy else outcome.table()
    from marc.reporting.export import write_table

    write_table(table, out, raw=raw_csv, outcome=outcome)
    latest = outcome.years[-1]
    published = outcome.published_count(latest)
    fw = outcome.framework
    _warn(fw)
    label = f"{fw.index.name} ({LABELS[orientation_of(fw, fw.index.id)]})"
    console.print(f"Scored {outcome.n_units} units, editions {outcome.years[0]}–{latest}: {label} published for "
                  f"{published} units in {latest}. Framework {outcome.results.framework_digest}. Wrote {out}.", markup=False)
