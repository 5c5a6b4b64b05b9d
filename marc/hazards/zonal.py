"""Zonal statistics per unit with exactextract (partial-pixel weights) and equal-area geometry.

* Raster statistics (mean, max, sum, area_share_above) weight each cell by the share of it that the
  unit covers; ``mean`` and ``area_share_above`` also weight by the cell's spherical area, so
  high-latitude cells do not count as much as equatorial ones.
* A unit smaller than a pixel (a small island) gets the value of the cell that covers it; when that
  cell is no data (ocean), the nearest valid cell within one cell is used, never NaN.
* Population in a footprint (buffer, swath, polygon) is the exactextract sum of the population grid
  over ``unit ∩ footprint``: the grid's density is spread evenly across each cell (on a 1° grid a
  10 km band is a smear; the layer says so).  Shares fall back to the area share where the grid
  gives a unit no population at all.
* Areas are measured in EPSG:6933 (equal-area).
* Points are assigned to the unit that covers them; a point on a shared border goes to the unit that
  sorts first by id, so the result never depends on input order or on partitioning.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from marc.data.boundaries import EQUAL_AREA
from marc.hazards.raster import Grid
from marc.hazards.schema import Layer


def _extract(grid: Grid, geoms: np.ndarray, ops: list[str], weights: Grid | None = None) -> pd.DataFrame:
    from exactextract import exact_extract

    geoms = np.asarray(geoms, dtype=object)
    ok = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
    out = pd.DataFrame(np.nan, index=range(len(geoms)), columns=[o.split("(")[0] for o in ops])
    if not ok.any():
        return out
    idx = np.flatnonzero(ok)
    gdf = gpd.GeoDataFrame({"_i": idx}, geometry=list(geoms[ok]), crs=4326)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = exact_extract(grid.exactextract_source(), gdf, ops, include_cols=["_i"], output="pandas",
                            weights=weights.exactextract_source() if weights is not None else None)
    res = res.set_index("_i")
    for col in out.columns:
        out.loc[res.index, col] = res[col].astype(float).values
    return out


def raster_stat(units: gpd.GeoDataFrame, grid: Grid, kind: str, threshold: float | None = None,
                pop: Grid | None = None) -> pd.Series:
    """One value per unit for a raster statistic; sub-pixel units fall back to the covering cell.

    ``population_weighted_mean`` weights each cell by the population living in the covered part of it
    (exactextract ``weighted_mean`` with the population grid as weights, any resolution): the hazard
    that the average inhabitant faces, rather than the average over land."""
    geoms = units.geometry.values
    if kind == "population_weighted_mean":
        if pop is None:
            from marc.core.errors import MarcError

            raise MarcError.single(grid.source, "missing-population", "population_weighted_mean needs the population grid")
        vals = _extract(grid, geoms, ["weighted_mean"], weights=pop)["weighted_mean"].to_numpy()
        base = grid
    elif kind == "population_share_below":  # share of the population living where the raster is below threshold
        if pop is None:
            from marc.core.errors import MarcError

            raise MarcError.single(grid.source, "missing-population", "population_share_below needs the population grid")
        below = Grid(np.where(np.isnan(grid.values), np.nan, (grid.values < threshold).astype(float)),
                     grid.xmin, grid.ymin, grid.xmax, grid.ymax, grid.source)
        vals = _extract(below, geoms, ["weighted_mean"], weights=pop)["weighted_mean"].to_numpy()
        base = below
    elif kind == "area_share_above":
        above = Grid(np.where(np.isnan(grid.values), np.nan, (grid.values > threshold).astype(float)),
                     grid.xmin, grid.ymin, grid.xmax, grid.ymax, grid.source)
        vals = _extract(above, geoms, ["mean(coverage_weight=area_spherical_m2)"])["mean"].to_numpy()
        base = above
    else:
        op = {"mean": "mean(coverage_weight=area_spherical_m2)", "max": "max", "sum": "sum"}[kind]
        vals = _extract(grid, geoms, [op])[op.split("(")[0]].to_numpy()
        base = grid
    vals = vals.copy()
    if kind in ("mean", "max", "area_share_above", "population_weighted_mean", "population_share_below"):
        rep = shapely.point_on_surface(geoms)
        for i in np.flatnonzero(np.isnan(vals)):
            if rep[i] is not None and not rep[i].is_empty:
                vals[i] = base.nearest_valid(rep[i].x, rep[i].y)
    return pd.Series(vals, index=units["unit"].values, dtype=float)


def unit_population(units: gpd.GeoDataFrame, pop: Grid) -> pd.Series:
    """Total population per unit (exactextract sum, partial cells weighted)."""
    vals = _extract(pop, units.geometry.values, ["sum"])["sum"].to_numpy()
    return pd.Series(np.nan_to_num(vals, nan=0.0), index=units["unit"].values, dtype=float)


def equal_area(geoms: np.ndarray) -> np.ndarray:
    """Areas in m² (EPSG:6933)."""
    return gpd.GeoSeries(list(geoms), crs=4326).to_crs(EQUAL_AREA).area.to_numpy()


def _clip(geoms: np.ndarray, footprint: shapely.Geometry) -> tuple[np.ndarray, np.ndarray]:
    """``unit ∩ footprint`` per unit, and which units it touches.

    A world footprint (a coastal band, a year of swaths) is a multipolygon of hundreds of disjoint
    parts with up to 10⁵ vertices each; overlaying every unit with all of it is quadratic.  Each part
    is prepared once and tested against the units its envelope meets (an STRtree of the units); a
    unit is then overlaid only with the parts that meet it, first cut to the unit's bounding box
    (``clip_by_rect``, repaired with ``make_valid``).  The parts are disjoint and the cut keeps all
    of them inside the box, so the result is the same set as ``unit ∩ footprint``."""
    parts = shapely.get_parts(footprint)  # new objects: preparing them never touches the shared footprint
    parts = parts[~shapely.is_empty(parts)]
    inter = np.full(len(geoms), None, dtype=object)
    hit = np.zeros(len(geoms), dtype=bool)
    if not len(parts):
        return inter, hit
    shapely.prepare(parts)
    pi, ui = shapely.STRtree(geoms).query(parts, predicate="intersects")
    if not len(ui):
        return inter, hit
    order = np.lexsort((pi, ui))
    ui, pi = ui[order], pi[order]
    starts = np.flatnonzero(np.r_[True, ui[1:] != ui[:-1]])
    for s, e in zip(starts, np.r_[starts[1:], len(ui)]):
        i = ui[s]
        box = shapely.bounds(geoms[i])
        local = shapely.make_valid(shapely.clip_by_rect(parts[pi[s:e]], *box))
        local = local[~shapely.is_empty(local)]
        if not len(local):
            continue
        near = local[0] if len(local) == 1 else shapely.union_all(local)
        out = shapely.make_valid(shapely.intersection(geoms[i], near))
        if not out.is_empty:
            inter[i] = out
            hit[i] = True
    return inter, hit


def footprint_stat(units: gpd.GeoDataFrame, footprint: shapely.Geometry, kind: str,
                   pop: Grid | None = None, unit_pop: pd.Series | None = None) -> pd.Series:
    """population_exposed / population_share / area_share of *footprint* within each unit."""
    geoms = units.geometry.values
    index = units["unit"].values
    if footprint is None or footprint.is_empty:
        return pd.Series(0.0, index=index)
    # never prepare a shared footprint here: preparing mutates it, and Dask threads share it
    inter, hit = _clip(geoms, footprint)
    area_share = np.zeros(len(geoms))
    if hit.any():
        area_share[hit] = equal_area(inter[hit]) / np.maximum(equal_area(geoms[hit]), 1e-9)
    area_share = np.clip(area_share, 0.0, 1.0)
    if kind == "area_share":
        return pd.Series(area_share, index=index)
    exposed = np.zeros(len(geoms))
    if hit.any():
        exposed[hit] = np.nan_to_num(_extract(pop, inter[hit], ["sum"])["sum"].to_numpy(), nan=0.0)
    if kind == "population_exposed":
        return pd.Series(exposed, index=index)
    total = unit_pop.reindex(index).to_numpy() if unit_pop is not None else unit_population(units, pop).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total > 0, exposed / total, area_share)
    return pd.Series(np.clip(share, 0.0, 1.0), index=index)


def assign_points(units: gpd.GeoDataFrame, lon: np.ndarray, lat: np.ndarray, snap_km: float = 0.0) -> np.ndarray:
    """The unit id covering each point (object array, None when outside every unit).

    Border ties go to the unit whose id sorts first.  With *snap_km* > 0, points outside every unit
    go to the nearest unit within that distance (measured in EPSG:6933 metres near the point).
    """
    pts = shapely.points(lon, lat)
    tree = shapely.STRtree(units.geometry.values)
    pi, ui = tree.query(pts, predicate="intersects")
    ids = units["unit"].to_numpy().astype(str)
    out = np.full(len(pts), None, dtype=object)
    if len(pi):
        df = pd.DataFrame({"p": pi, "u": ids[ui]}).sort_values(["p", "u"]).drop_duplicates("p")
        out[df["p"].to_numpy()] = df["u"].to_numpy()
    missing = np.flatnonzero(pd.isna(out))
    if snap_km > 0 and len(missing):
        ea_units = units.to_crs(EQUAL_AREA)
        ea_pts = gpd.GeoSeries(pts[missing], crs=4326).to_crs(EQUAL_AREA).values
        tree2 = shapely.STRtree(ea_units.geometry.values)
        (pidx, uidx), dist = tree2.query_nearest(ea_pts, max_distance=snap_km * 1000, return_distance=True, all_matches=True)
        if len(pidx):
            df = pd.DataFrame({"p": pidx, "u": ids[uidx], "d": dist}).sort_values(["p", "d", "u"]).drop_duplicates("p")
            out[missing[df["p"].to_numpy()]] = df["u"].to_numpy()
    return out


def per_units(units: gpd.GeoDataFrame, layers: list[Layer], prepared: dict[str, dict], pop: Grid | None) -> pd.DataFrame:
    """Per-unit values (unit, layer, year, value) for one partition of units."""
    units = units.reset_index(drop=True)
    rows = []
    unit_pop = unit_population(units, pop) if pop is not None and any(
        p["type"] == "footprint" for p in prepared.values()) else None
    for layer in layers:
        p = prepared[layer.id]
        kind = layer.statistic.kind
        if p["type"] == "raster":
            s = raster_stat(units, p["grid"], kind, layer.statistic.threshold, pop=pop)
            rows.append(pd.DataFrame({"unit": s.index, "layer": layer.id, "year": layer.time.window[1], "value": s.values}))
        elif p["type"] == "footprint":
            for year, geom in p["feet"].items():
                s = footprint_stat(units, geom, kind, pop, unit_pop)
                y = layer.time.window[1] if year is None else year
                rows.append(pd.DataFrame({"unit": s.index, "layer": layer.id, "year": y, "value": s.values}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["unit", "layer", "year", "value"])
