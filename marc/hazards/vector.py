"""Vector sources: CSV points, NetCDF tracks (IBTrACS) and OGR layers; filters; footprints per year."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from marc.core.errors import MarcError
from marc.data import geometry
from marc.hazards.schema import CsvSource, Filter, Layer, OgrSource, TracksSource


def source_path(data_root: Path, dataset: str, file: str) -> Path:
    return Path(data_root) / dataset / file


def _year(values: pd.Series) -> pd.Series:
    num = pd.to_numeric(values, errors="coerce")
    if num.notna().mean() > 0.9:
        return num
    return pd.to_datetime(values, errors="coerce", utc=True, format="mixed").dt.year


def _apply_filters(df: pd.DataFrame, filters: list[Filter], where: str) -> pd.DataFrame:
    keep = pd.Series(True, index=df.index)
    for f in filters:
        if f.field not in df.columns:
            raise MarcError.single(where, "unknown-field", f"filter field {f.field!r} not in the source; "
                                   f"has {sorted(map(str, df.columns))[:30]}")
        col = df[f.field]
        num = pd.to_numeric(col, errors="coerce")
        for op in ("lt", "le", "gt", "ge"):
            v = getattr(f, op)
            if v is not None:
                keep &= getattr(num, op)(v).fillna(False)
        for op, fn in (("eq", lambda c, v: c == v), ("ne", lambda c, v: c != v)):
            v = getattr(f, op)
            if v is not None:
                keep &= fn(num if isinstance(v, float) else col.astype(str), v)
        if f.in_ is not None:
            keep &= col.astype(str).isin([str(v) for v in f.in_]) | num.isin([v for v in f.in_ if isinstance(v, float)])
    return df[keep]


def _read_csv(src: CsvSource, path: Path) -> pd.DataFrame:
    try:
        if path.suffix.lower() in (".xls", ".xlsx"):
            df = pd.read_excel(path, sheet_name=src.sheet or 0, skiprows=src.skiprows)
        else:
            df = pd.read_csv(path, sep=src.sep, encoding=src.encoding, skiprows=src.skiprows, low_memory=False)
    except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError) as exc:
        raise MarcError.single(src.dataset, "unreadable-csv", f"{path}: {str(exc).splitlines()[0]}") from None
    for col in (src.lat, src.lon) + ((src.year,) if src.year else ()):
        if col not in df.columns:
            raise MarcError.single(src.dataset, "unknown-field", f"{path}: no column {col!r}")
    df["lat"] = pd.to_numeric(df[src.lat], errors="coerce")
    df["lon"] = pd.to_numeric(df[src.lon], errors="coerce")
    bad = df["lat"].isna() | df["lon"].isna() | (df["lat"].abs() > 90) | (df["lon"].abs() > 360)
    df = df[~bad].copy()
    df["lon"] = geometry._wrap(df["lon"].to_numpy(), 0.0)
    df["year"] = _year(df[src.year]) if src.year else np.nan
    return df


def _read_tracks(src: TracksSource, path: Path, layer: Layer) -> pd.DataFrame:
    import xarray as xr

    quad = layer.swath.radius.quadrants if layer.swath else None
    wanted = [src.lat, src.lon, src.time] + list(src.fields)
    try:
        ds = xr.open_dataset(path, engine="h5netcdf", decode_times=False)
    except Exception as exc:
        raise MarcError.single(src.dataset, "unreadable-netcdf", f"{path}: {str(exc).splitlines()[0]}") from None
    with ds:
        missing = [v for v in wanted + [src.storm_id] + ([quad] if quad else []) if v not in ds.variables]
        if missing:
            raise MarcError.single(src.dataset, "unknown-variable", f"{path}: no variable(s) {missing}")
        ns, nt = ds[src.lat].shape
        data = {"storm": np.repeat(np.array([s.decode() if isinstance(s, bytes) else str(s)
                                             for s in ds[src.storm_id].values]), nt),
                "step": np.tile(np.arange(nt), ns)}
        for v in wanted:
            vals = ds[v].values.reshape(-1)
            data[v] = np.char.decode(vals.astype("S")) if vals.dtype.kind == "S" else vals.astype(float)
        if quad:
            r = ds[quad].values.reshape(ns * nt, -1).astype(float)
            if r.shape[1] != 4:
                raise MarcError.single(src.dataset, "quadrant-shape", f"{quad} must have 4 quadrants (NE, SE, SW, NW)")
            for q, name in enumerate(("ne", "se", "sw", "nw")):
                data[f"r_{name}"] = r[:, q]
    df = pd.DataFrame(data).rename(columns={src.lat: "lat", src.lon: "lon"})
    df = df[np.isfinite(df["lat"]) & np.isfinite(df["lon"]) & (df[src.time].astype(str).str.len() >= 4)]
    df["year"] = pd.to_numeric(df[src.time].astype(str).str[:4], errors="coerce")
    return df


def load_events(layer: Layer, data_root: Path) -> pd.DataFrame | gpd.GeoDataFrame:
    """The layer's rows after filters and the time window: points (lon, lat, year, ...) or an OGR GeoDataFrame."""
    src = layer.source
    path = source_path(data_root, src.dataset, src.file)
    if not path.exists():
        raise MarcError.single(src.dataset, "missing-file", f"{path} not found; run `marc pull {src.dataset}`")
    if isinstance(src, CsvSource):
        df = _read_csv(src, path)
    elif isinstance(src, TracksSource):
        df = _read_tracks(src, path, layer)
    elif isinstance(src, OgrSource):
        try:
            df = gpd.read_file(path, layer=src.layer, engine="pyogrio")
        except Exception as exc:
            raise MarcError.single(src.dataset, "unreadable-vector", f"{path}: {str(exc).splitlines()[0]}") from None
        if df.crs is None:
            if not src.crs:
                raise MarcError.single(src.dataset, "undefined-crs", f"{path} has no CRS; declare `crs:` on the source")
            df = df.set_crs(src.crs)
        df = df.to_crs(4326)
        df["year"] = _year(df[src.year]) if src.year else np.nan
    else:  # pragma: no cover - schema forbids
        raise TypeError(src)
    df = _apply_filters(df, layer.filters, f"{src.dataset} ({layer.id})")
    if layer.time.window and df["year"].notna().any():
        lo, hi = layer.time.window
        df = df[(df["year"] >= lo) & (df["year"] <= hi)]
    if layer.time.per != "window" and df["year"].isna().all() and len(df):
        raise MarcError.single(src.dataset, "no-year", f"layer {layer.id}: per {layer.time.per} needs a year column")
    return df


def footprints(layer: Layer, events: pd.DataFrame) -> dict[int | None, shapely.Geometry]:
    """Footprint geometry per year (key None when the source has no years: a static footprint)."""
    out: dict[int | None, shapely.Geometry] = {}
    if isinstance(layer.source, OgrSource):
        geoms = np.asarray(events.geometry.values, dtype=object)
        if layer.buffer:
            b = layer.buffer
            d = (np.full(len(geoms), b.distance) if b.distance
                 else pd.to_numeric(events[b.field], errors="coerce").to_numpy()) * b.factor
            geoms = np.array([geometry.geodesic_buffer(g, di) if np.isfinite(di) and di > 0 else shapely.Polygon()
                              for g, di in zip(geoms, d)], dtype=object)
        else:
            geoms = np.array([geometry.fix_antimeridian(g) for g in shapely.make_valid(geoms)], dtype=object)
        years = events["year"].to_numpy()
        for y in (pd.unique(years) if not np.all(pd.isna(years)) else [None]):
            mask = np.ones(len(geoms), bool) if y is None else (years == y)
            out[None if y is None else int(y)] = shapely.union_all(geoms[mask])
        return out
    if layer.swath:
        rad = layer.swath.radius
        cols = ["r_ne", "r_se", "r_sw", "r_nw"]
        ev = events.copy()
        r = ev[cols].to_numpy(float)
        ev = ev[np.isfinite(r).any(axis=1) & (np.nan_to_num(r) > 0).any(axis=1)]
        parts: dict[int, list] = {}
        for (storm, year), g in ev.sort_values(["storm", "step"]).groupby(["storm", "year"], sort=True):
            radii = np.nan_to_num(g[cols].to_numpy(float)) * rad.factor
            sw = geometry.storm_swath(g["lon"].to_numpy(float), g["lat"].to_numpy(float), radii,
                                      join_track=layer.swath.join_track, step=g["step"].to_numpy())
            parts.setdefault(int(year), []).append(sw)
        return {y: shapely.make_valid(shapely.union_all(p)) for y, p in parts.items()}
    # points with a buffer: geodesic circles (four equal quadrants)
    b = layer.buffer
    dist = (np.full(len(events), b.distance) if b.distance else pd.to_numeric(events[b.field], errors="coerce").to_numpy()) * b.factor
    ok = np.isfinite(dist) & (dist > 0)
    ev = events[ok]
    feet = geometry.quadrant_footprints(ev["lon"].to_numpy(float), ev["lat"].to_numpy(float),
                                        np.repeat(dist[ok][:, None], 4, axis=1))
    feet = np.array([geometry.split_antimeridian(f) for f in feet], dtype=object)
    years = ev["year"].to_numpy()
    for y in (pd.unique(years) if len(years) and not np.all(pd.isna(years)) else [None]):
        mask = np.ones(len(feet), bool) if y is None else (years == y)
        out[None if y is None else int(y)] = shapely.union_all(feet[mask])
    return out
