"""``marc hazards build | validate | schema``: the geospatial hazard layers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from marc.cli import app
from marc.core.errors import MarcError
from marc.reporting.outputs import check_out

console = Console(highlight=False)
hazards_app = typer.Typer(help="Geospatial hazard layers: build per-unit values, validate hazards.yaml.",
                          no_args_is_help=True)
app.add_typer(hazards_app, name="hazards")

DEFAULT_CONFIG = Path("indicators/hazards.yaml")


def _data_root(data: Path | None, datasets: list[str]) -> Path:
    from marc.data import sources

    if data is not None:
        return data
    cache = sources.cache_root()
    if all((cache / d).is_dir() for d in datasets):
        return cache
    mirror = sources.default_mirror()
    if mirror is not None and all((mirror / d).is_dir() for d in datasets):
        return mirror
    missing = [d for d in datasets if not (cache / d).is_dir()]
    raise MarcError.single("data", "missing-source", f"sources {missing} are not in the cache ({cache}); "
                           f"run `marc pull {' '.join(missing)}` or pass --data DIR")


@hazards_app.command("build")
def build(units: Optional[Path] = typer.Option(None, help="admin1 (Natural Earth admin-1, every country) or a polygon "
                                                         "layer of units (default: Natural Earth 1:50m countries)."),
          id_field: Optional[str] = typer.Option(None, help="Unit id field in --units."),
          name_field: Optional[str] = typer.Option(None, help="Unit name field in --units."),
          engine: str = typer.Option("local", help="local | dask"),
          scheduler: Optional[str] = typer.Option(None, envvar="DASK_SCHEDULER_ADDRESS",
                                                  help="--engine dask: an existing cluster, tcp://HOST:PORT (default: "
                                                       "$DASK_SCHEDULER_ADDRESS, else a local cluster)."),
          out: Optional[Path] = typer.Option(None, help="Write the panel rows here (.parquet or .csv)."),
          config: Path = typer.Option(DEFAULT_CONFIG, help="The hazards YAML."),
          data: Optional[Path] = typer.Option(None, help="Folder laid out like the mirror (one folder per source id)."),
          no_cache: bool = typer.Option(False, help="Ignore and do not write the input-hash cache.")) -> None:
    """Build the geospatial hazard layers per unit (tidy panel rows hazard/<layer>), cached by input hash."""
    from marc.core.atomic import write_bytes
    from marc.data.boundaries import countries, load_units
    from marc.hazards import build_hazards, load_hazards

    if out:
        check_out(out, ("parquet", "csv"))
    from marc.hazards import subnational

    cfg = load_hazards(config)
    admin1 = units is not None and str(units) == subnational.LEVEL and not units.exists()
    if admin1:
        cfg, disabled = subnational.level_config(cfg, data or _data_root(None, [subnational.POPULATION_SOURCE]))
        for note in disabled:
            console.print(f"Layer {note}", markup=False)
    datasets = sorted({lyr.source.dataset for lyr in cfg.geospatial}
                      | ({cfg.population.dataset} if cfg.population else set()) | ({"natural_earth"} if not units else set()))
    root = _data_root(data, datasets)
    if admin1:
        loaded = subnational.load_admin1(root / subnational.SOURCE, root / "natural_earth")
        console.print("Units: " + loaded.report(), markup=False)
        gdf = loaded.units
    elif units:
        if not id_field:
            raise MarcError.single(str(units), "missing-option", "--units needs --id-field (the unit id attribute)")
        gdf = load_units(units, id_field, name_field)
    else:
        gdf = countries(root / "natural_earth")
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, transient=False) as bar:
        task = bar.add_task("hazards", total=1)

        def tick(step: str, done: int, total: int) -> None:
            bar.update(task, description=step, completed=done, total=total)

        df = build_hazards(cfg, gdf, root, engine=engine, progress=tick, use_cache=not no_cache, scheduler=scheduler)
    table = Table("variable", "units", "years", "max", title=f"{len(gdf)} units from {units or 'Natural Earth 1:50m'}")
    for var, g in df.groupby("variable"):
        table.add_row(var, str(g["unit"].nunique()), f"{g['year'].min()}-{g['year'].max()}", f"{g['value'].max():.4g}")
    console.print(table)
    if out:
        if out.suffix.lower() == ".csv":
            from marc.reporting import spreadsheet

            write_bytes(out, spreadsheet.csv_bytes(df))  # text cells escaped (no formulas)
        else:
            import io

            buf = io.BytesIO()
            df.to_parquet(buf, index=False)
            write_bytes(out, buf.getvalue())
        console.print(f"wrote {len(df)} rows to {out}", markup=False)


@hazards_app.command("validate")
def validate(path: Path = typer.Argument(DEFAULT_CONFIG, help="The hazards YAML.")) -> None:
    """Validate hazards.yaml: every problem as file:line:column; exit 2 on error."""
    from marc.hazards import load_hazards

    cfg = load_hazards(path)
    on = [lyr.id for lyr in cfg.enabled]
    console.print(f"OK {path}: {len(cfg.layers)} layers ({len(on)} enabled), exposure by {cfg.exposure.combine} over "
                  f"{list(cfg.exposure.components)}, priority by {cfg.priority.method}.", markup=False)


@hazards_app.command("schema")
def schema(out: Path = typer.Option(Path("docs"), help="Folder for hazards.schema.json.")) -> None:
    """Write the JSON Schema of hazards.yaml, generated from the validating models."""
    from marc.core.atomic import write_text
    from marc.hazards import json_schema

    sch = json_schema()
    sch["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    sch["title"] = "MARC hazards file"
    write_text(out / "hazards.schema.json", json.dumps(sch, indent=2, ensure_ascii=False) + "\n", keep_backup=False)
    console.print(f"wrote {out / 'hazards.schema.json'}", markup=False)
