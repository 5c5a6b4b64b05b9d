"""Build the geospatial hazard layers into tidy panel rows, in-process or on Dask, cached by input hash.

Global steps (reading sources, filters, swaths and buffers, assigning points to units) run once;
the per-unit geometric work (exactextract zonal statistics, footprint ∩ unit) runs over partitions
of the unit layer, in-process (``engine="local"``) or on Dask (``engine="dask"``: dask-geopandas
partitions computed on the current ``distributed`` client, or on a LocalCluster started for the
call).  Each unit's value depends on that unit only, so both engines give the same numbers.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any, Callable

import geopandas as gpd
import pandas as pd
import shapely
from pyproj import CRS

from marc.core.atomic import file_hash, write_bytes
from marc.core.errors import MarcError
from marc.data.boundaries import geometry_hash
from marc.data.panel import PANEL_COLUMNS, empty_panel
from marc.hazards import vector, zonal
from marc.hazards.raster import read_raster
from marc.hazards.schema import HazardConfig, Layer, RasterSource

CODE_VERSION = "hazards-build-3"
Progress = Callable[[str, int, int], None]


def default_cache_dir() -> Path:
    from marc.data.sources import cache_root

    return cache_root() / "_derived" / "hazards"


def file_digest(path: Path, memo_dir: Path | None = None) -> str:
    """sha256 of a file, remembered by (size, mtime_ns, inode) in ``<hazard cache>/digests.json`` so an
    unchanged input is not re-read on a warm build (as git's index does); a changed stat re-hashes."""
    path = Path(path).resolve()
    st = path.stat()
    stamp = [st.st_size, st.st_mtime_ns, st.st_ino]
    memo_path = (memo_dir or default_cache_dir()) / "digests.json"
    try:
        memo = json.loads(memo_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        memo = {}
    hit = memo.get(str(path))
    if hit and hit[:3] == stamp:
        return hit[3]
    digest = file_hash(path)
    memo[str(path)] = [*stamp, digest]
    try:
        write_bytes(memo_path, json.dumps(memo, sort_keys=True).encode(), keep_backup=False)
    except OSError:
        pass  # a read-only cache only costs speed
    return digest


def _files(config: HazardConfig) -> list[tuple[str, str]]:
    refs = [(layer.source.dataset, layer.source.file) for layer in config.geospatial]
    if config.population is not None:
        refs.append((config.population.dataset, config.population.file))
    return sorted(set(refs))


def input_hash(config: HazardConfig, units: gpd.GeoDataFrame, data_root: Path) -> str:
    """Hash of everything the build reads: layer declarations, unit geometries, source file contents."""
    h = hashlib.sha256(CODE_VERSION.encode())
    spec = {"layers": [layer.model_dump(mode="json", by_alias=True) for layer in config.geospatial],
            "population": config.population.model_dump(mode="json") if config.population else None}
    h.update(json.dumps(spec, sort_keys=True).encode())
    h.update(geometry_hash(units).encode())
    for dataset, file in _files(config):
        path = vector.source_path(data_root, dataset, file)
        h.update(f"{dataset}/{file}:".encode())
        h.update(file_digest(path).encode() if path.exists() else b"missing")
    return h.hexdigest()


def _prepare_units(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if "unit" not in units.columns:
        raise MarcError.single("units", "missing-field", "the unit layer needs a `unit` column (see marc.data.boundaries.load_units)")
    if units.crs is None:
        raise MarcError.single("units", "undefined-crs", "the unit layer has no CRS; set one (e.g. EPSG:4326)")
    if not CRS.from_user_input(units.crs).equals(CRS.from_epsg(4326)):
        units = units.to_crs(4326)
    return units[["unit", "geometry"]].assign(unit=units["unit"].astype(str)).reset_index(drop=True)


def _prepare_layer(layer: Layer, units: gpd.GeoDataFrame, data_root: Path) -> dict[str, Any]:
    """Global, unit-independent work for one layer."""
    src = layer.source
    if isinstance(src, RasterSource):
        if not layer.time.window:
            raise MarcError.single(src.dataset, "undated-layer", f"layer {layer.id}: a raster needs time.window to date it")
        grid = read_raster(vector.source_path(data_root, src.dataset, src.file), variable=src.variable,
                           band=src.band, crs=src.crs, resampling=src.resampling)
        return {"type": "raster", "grid": grid}
    events = vector.load_events(layer, data_root)
    if events["year"].isna().all():  # an undated layer (volcano list, coastline): date it by its window
        if not layer.time.window:
            raise MarcError.single(src.dataset, "undated-layer", f"layer {layer.id}: give time.window: [Y, Y] to date it")
        if layer.statistic.kind in ("count", "count_distinct"):
            events = events.assign(year=layer.time.window[1])
    if layer.statistic.kind in ("count", "count_distinct"):
        unit = zonal.assign_points(units, events["lon"].to_numpy(float), events["lat"].to_numpy(float),
                                   layer.snap_km if layer.unassigned_points == "nearest" else 0.0)
        ev = events.assign(_unit=unit).dropna(subset=["_unit"])
        key = ev[layer.statistic.field] if layer.statistic.kind == "count_distinct" else ev.index.to_series()
        counts = (ev.assign(_key=key.astype(str).values).groupby(["_unit", "year"])["_key"].nunique())
        return {"type": "counts", "counts": counts, "years": _years(layer, events["year"])}
    feet = vector.footprints(layer, events)
    for geom in feet.values():
        shapely.prepare(geom)  # once, before any thread shares it
    if None in feet and not layer.time.window:
        raise MarcError.single(src.dataset, "undated-layer", f"layer {layer.id}: give time.window: [Y, Y] to date it")
    return {"type": "footprint", "feet": feet, "years": _years(layer, events["year"])}


def _years(layer: Layer, years: pd.Series) -> list[int]:
    if layer.time.window:
        return list(range(layer.time.window[0], layer.time.window[1] + 1))
    ys = pd.to_numeric(years, errors="coerce").dropna()
    return list(range(int(ys.min()), int(ys.max()) + 1)) if len(ys) else []


def _aggregate(layer: Layer, values: pd.DataFrame, years: list[int], units: list[str], static: bool) -> pd.DataFrame:
    """Yearly values (0 where no event) -> rows per year / decade / window."""
    if static:
        return values
    wide = values.pivot_table(index="unit", columns="year", values="value", aggfunc="sum")
    wide = wide.reindex(index=units, columns=years).fillna(0.0)
    if layer.time.per == "year":
        groups = {y: [y] for y in years}
    elif layer.time.per == "decade":
        groups = {}
        for y in years:
            groups.setdefault(y // 10 * 10, []).append(y)
        groups = {min(d + 9, years[-1]): ys for d, ys in groups.items()}
    else:
        groups = {years[-1]: years} if years else {}
    out = []
    for label, ys in groups.items():
        v = getattr(wide[ys], layer.time.aggregate)(axis=1)
        out.append(pd.DataFrame({"unit": wide.index, "layer": layer.id, "year": label, "value": v.values}))
    return pd.concat(out, ignore_index=True) if out else values.iloc[0:0]


def dask_tasks(config: HazardConfig, parts: list[gpd.GeoDataFrame], prepared: dict[str, dict], data_root: Path,
               folder: Path) -> list:
    """Stage the partitions and footprints under *folder* and return one delayed task per partition; the
    graph holds file paths and layer declarations, never arrays (see :mod:`marc.hazards.distributed`)."""
    from marc.hazards import distributed

    layers = config.geospatial
    distributed.stage(folder, parts, prepared)
    rasters = {lyr.id: distributed.raster_ref(vector.source_path(data_root, lyr.source.dataset, lyr.source.file), lyr.source)
               for lyr in layers if isinstance(lyr.source, RasterSource)}
    p = config.population
    pop = distributed.raster_ref(vector.source_path(data_root, p.dataset, p.file), p) if p is not None else None
    return distributed.plan(folder, len(parts), layers, prepared, rasters, pop)


def build_hazards(config: HazardConfig, units_gdf: gpd.GeoDataFrame, data_root: Path, engine: str = "local",
                  progress: Progress | None = None, *, cache_dir: Path | None = None, use_cache: bool = True,
                  partitions: int = 4, scheduler: str | None = None) -> pd.DataFrame:
    """Tidy panel rows ``unit, year, variable="hazard/<layer_id>", value, source`` for the enabled
    geospatial layers, cached on disk by :func:`input_hash` (set ``use_cache=False`` to bypass).

    ``engine="dask"`` runs the per-unit work on a ``distributed`` cluster: *scheduler* (``tcp://HOST:PORT``)
    or ``$DASK_SCHEDULER_ADDRESS``, else the current client, else a LocalCluster for the call."""
    if engine not in ("local", "dask"):
        raise MarcError.single("engine", "bad-engine", f"unknown engine {engine!r}; use local or dask")
    data_root = Path(data_root)
    units = _prepare_units(units_gdf)
    layers = config.geospatial
    tick = progress or (lambda step, done, total: None)
    if not layers:
        return empty_panel()
    digest = input_hash(config, units, data_root)[:32]
    cache = (cache_dir or default_cache_dir()) / f"{digest}.parquet"
    if use_cache and cache.exists():
        try:
            df = pd.read_parquet(cache)
            tick("cached", 1, 1)
            return df
        except (OSError, ValueError):
            pass  # damaged cache: rebuild
    total = len(layers) + 2
    pop = None
    if config.population is not None:
        p = config.population
        pop = read_raster(vector.source_path(data_root, p.dataset, p.file), variable=p.variable, band=p.band, crs=p.crs)
    tick("population", 1, total)
    prepared = {}
    for i, layer in enumerate(layers):
        prepared[layer.id] = _prepare_layer(layer, units, data_root)
        tick(f"layer {layer.id}", i + 2, total)
    n = max(1, min(partitions, len(units)))
    parts = [units.iloc[i::n] for i in range(n)]
    if engine == "local":
        results = [zonal.per_units(p, layers, prepared, pop) for p in parts]
    else:
        from marc.hazards import distributed

        tasks = dask_tasks(config, parts, prepared, data_root, (cache_dir or default_cache_dir()) / "stage" / digest)
        results = distributed.compute(tasks, scheduler)
    unit_values = pd.concat(results, ignore_index=True)
    tick("zonal statistics", total, total)
    ids = units["unit"].tolist()
    out = []
    for layer in layers:
        p = prepared[layer.id]
        if p["type"] == "counts":
            c = p["counts"].rename("value").reset_index().rename(columns={"_unit": "unit"})
            vals = _aggregate(layer, c.assign(layer=layer.id), p["years"], ids, static=False)
        else:
            vals = unit_values[unit_values["layer"] == layer.id]
            static = p["type"] == "raster" or None in p.get("feet", {})
            vals = _aggregate(layer, vals, p["years"], ids, static)
        out.append(vals.assign(variable=f"hazard/{layer.id}", source=layer.source.dataset))
    df = pd.concat(out, ignore_index=True)[PANEL_COLUMNS]
    df = df.astype({"unit": str, "year": "int64", "value": "float64", "variable": str, "source": str})
    df = df.sort_values(["variable", "unit", "year"]).reset_index(drop=True)
    if use_cache:
        buf = io.BytesIO()
        df.to_parquet(buf, index=False)
        write_bytes(cache, buf.getvalue(), keep_backup=False)
    return df
