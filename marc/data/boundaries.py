"""Unit boundaries: Natural Earth 1:50m countries by default, or any polygon layer (subnational).

Countries come from Natural Earth v5.1.1 Admin-0 at 1:50m (``ne_50m_admin_0_countries.zip``); the
1:110m file lacks most small island states (TUV, KIR, MHL, TON, MDV, MUS, BRB, DMA, ...).  Features
are joined on ``ISO_A3_EH`` because ``ISO_A3`` is ``-99`` for France, Norway and others; the few
features that still break are handled by :data:`OVERRIDES`, keyed on Natural Earth's ``ADM0_A3``:

========  ===================  ======  ==========================================================
ADM0_A3   Natural Earth name   unit    why
========  ===================  ======  ==========================================================
KOS       Kosovo               XKX     ISO_A3_EH is -99; XKX is the user-assigned code used by the
                                       World Bank (KSV) readers after harmonisation and by the EU
SDS       South Sudan          SSD     ADM0_A3 differs from ISO (SDS); pinned so a future NE
                                       edition with -99 still joins
PSX       Palestine            PSE     ADM0_A3 differs from ISO (PSX); WB_A3 is WBG
SAH       Western Sahara       ESH     ADM0_A3 differs from ISO (SAH); no WB code
SOL       Somaliland           SOM     not a UN member state: dissolved into Somalia
CYN       Northern Cyprus      CYP     not a UN member state: dissolved into Cyprus
KAS       Siachen Glacier      (drop)  disputed India/Pakistan, uninhabited: dropped
========  ===================  ======  ==========================================================

Features sharing an ISO code (Australia with Ashmore and Cartier Islands and the Indian Ocean
Territories) are dissolved into one unit.

Disputed-area caveats.  Natural Earth draws *de facto* boundaries: Crimea is drawn with Russia in
the 1:50m Admin-0 file, Western Sahara as a separate unit, Kashmir split along the lines of
control, Taiwan as its own unit, and Somaliland and Northern Cyprus as separate features (dissolved
here, see above).  Population and hazard exposure computed on these polygons inherit those lines;
MARC takes no position on any boundary, and the app says so on every map.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from marc.core.atomic import write_bytes
from marc.core.errors import MarcError

COUNTRIES_FILE = "ne_50m_admin_0_countries.zip"
EQUAL_AREA = "EPSG:6933"  # WGS 84 / NSIDC EASE-Grid 2.0 Global (cylindrical equal-area)

#: ADM0_A3 -> unit id (None = drop).  Documented in the module docstring.
OVERRIDES: dict[str, str | None] = {
    "KOS": "XKX",
    "SDS": "SSD",
    "PSX": "PSE",
    "SAH": "ESH",
    "SOL": "SOM",
    "CYN": "CYP",
    "KAS": None,
}


def _read_vector(path: Path | str, source: str) -> gpd.GeoDataFrame:
    try:
        return gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # pyogrio raises DataSourceError, OSError, ...
        raise MarcError.single(source, "unreadable-vector",
                               f"cannot read {path}: {str(exc).splitlines()[0]}; check the file and its format") from None


def _valid(geoms: Any) -> np.ndarray:
    """make_valid, then keep only the polygonal parts (make_valid can return collections)."""
    arr = shapely.make_valid(np.asarray(geoms, dtype=object))
    out = []
    for g in arr:
        if g is None or g.is_empty:
            out.append(g)
        elif g.geom_type in ("Polygon", "MultiPolygon"):
            out.append(g)
        else:
            parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
            out.append(shapely.union_all(parts) if parts else shapely.Polygon())
    return np.asarray(out, dtype=object)


def countries(folder: Path | str) -> gpd.GeoDataFrame:
    """Country units ``[unit, name, geometry]`` (EPSG:4326) from Natural Earth 1:50m in *folder*.

    *folder* is laid out like the ``natural_earth`` mirror folder (it holds ``ne_50m_admin_0_countries.zip``).
    """
    path = Path(folder) / COUNTRIES_FILE
    if not path.exists():
        raise MarcError.single("natural_earth", "missing-file",
                               f"{path} not found; run `marc pull natural_earth` (or --mirror DIR)")
    raw = _read_vector(f"zip://{path}", "natural_earth")
    need = {"ISO_A3_EH", "ADM0_A3", "NAME"}
    if not need <= set(raw.columns):
        raise MarcError.single("natural_earth", "missing-columns",
                               f"{path} lacks {sorted(need - set(raw.columns))}; is it Natural Earth Admin-0?")
    raw = raw.to_crs(4326) if raw.crs is not None and not raw.crs.equals(CRS.from_epsg(4326)) else raw
    adm = raw["ADM0_A3"].astype(str)
    unit = raw["ISO_A3_EH"].astype(str).where(~adm.isin(list(OVERRIDES)), adm.map(OVERRIDES))
    keep = unit.notna() & (unit != "-99")
    bad = raw.loc[unit.notna() & (unit == "-99"), "NAME"].tolist()
    if bad:
        raise MarcError.single("natural_earth", "unmatched-country",
                               f"features with no ISO code and no override: {bad}; add them to marc.data.boundaries.OVERRIDES")
    main = ~adm.isin(["SOL", "CYN"])
    if "TYPE" in raw:
        main &= raw["TYPE"].astype(str) != "Dependency"
    df = gpd.GeoDataFrame({"unit": unit[keep].values, "name": raw.loc[keep, "NAME"].values, "main": main[keep].values},
                          geometry=_valid(raw.geometry[keep].values), crs=4326)
    names = df.sort_values("main", ascending=False).drop_duplicates("unit").set_index("unit")["name"]
    out = df.dissolve(by="unit", as_index=False)[["unit", "geometry"]]
    out.insert(1, "name", out["unit"].map(names))
    out["geometry"] = _valid(out.geometry.values)
    return out.sort_values("unit").reset_index(drop=True)


def load_units(path: Path | str, id_field: str, name_field: str | None = None,
               parent_field: str | None = None) -> gpd.GeoDataFrame:
    """Any polygon layer as units ``[unit, name, parent?, geometry]`` in EPSG:4326.

    The layer is reprojected to EPSG:4326; a layer without a CRS is an error (we cannot guess
    whether its coordinates are degrees or metres).  Geometries are made valid, and rings that
    cross the antimeridian written as one continuous ring are split at ±180.
    """
    from marc.data.geometry import fix_antimeridian  # local: marc.hazards imports this module

    src = str(path)
    gdf = _read_vector(path, src)
    if gdf.crs is None:
        raise MarcError.single(src, "undefined-crs",
                               "the layer has no coordinate reference system; add a .prj (or set one with "
                               "`ogr2ogr -a_srs EPSG:4326`) so MARC knows how to read its coordinates")
    problems = [f for f in (id_field, name_field, parent_field) if f and f not in gdf.columns]
    if problems:
        raise MarcError.single(src, "missing-field",
                               f"field(s) {problems} not in the layer; available: {sorted(map(str, gdf.columns))[:40]}")
    gdf = gdf.to_crs(4326)
    types = set(gdf.geometry.dropna().geom_type)
    if not types <= {"Polygon", "MultiPolygon"}:
        raise MarcError.single(src, "not-polygons", f"units must be polygons, found {sorted(types)}")
    ids = gdf[id_field].astype(str)
    if ids.duplicated().any():
        dup = ids[ids.duplicated()].unique()[:5].tolist()
        raise MarcError.single(src, "duplicate-unit", f"{id_field} values repeat, e.g. {dup}; unit ids must be unique")
    out = gpd.GeoDataFrame({"unit": ids.values,
                            "name": gdf[name_field].astype(str).values if name_field else ids.values},
                           geometry=[fix_antimeridian(g) for g in _valid(gdf.geometry.values)], crs=4326)
    if parent_field:
        out.insert(2, "parent", gdf[parent_field].astype(str).values)
    return out.reset_index(drop=True)


def geometry_hash(gdf: gpd.GeoDataFrame) -> str:
    """Stable hash of unit ids and geometries (WKB)."""
    h = hashlib.sha256()
    h.update("|".join(map(str, gdf["unit"])).encode())
    for wkb in shapely.to_wkb(gdf.geometry.values, hex=False, output_dimension=2):
        h.update(wkb or b"")
    return h.hexdigest()


def _cache_dir() -> Path:
    from marc.data.sources import cache_root

    return cache_root() / "_derived" / "display"


def display_geojson(gdf: gpd.GeoDataFrame, tolerance: float = 0.05, *, small_area_km2: float = 5000.0,
                    cache_dir: Path | None = None) -> dict[str, Any]:
    """Simplified, clockwise-oriented GeoJSON for Vega/Altair, cached on disk by input hash.

    Returns ``{"features": [...], "points": [...]}``: ``features`` are GeoJSON polygons (properties
    ``unit``, ``name``) ready for ``alt.Data(values=features)``; ``points`` are representative
    points (``unit``, ``name``, ``lon``, ``lat``, ``area_km2``) for units smaller than
    *small_area_km2*, drawn as clickable symbols.  Simplification is topology-preserving
    (``GeoSeries.simplify(preserve_topology=True)``) and done once per input.
    """
    folder = cache_dir or _cache_dir()
    key = hashlib.sha256(f"{geometry_hash(gdf)}|{tolerance}|{small_area_km2}|v1".encode()).hexdigest()[:24]
    path = folder / f"display-{key}.json"
    if path.exists():
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass  # a damaged cache file is rebuilt below
    simple = gdf.geometry.simplify(tolerance, preserve_topology=True)
    empty = simple.is_empty | simple.isna()
    simple[empty] = gdf.geometry[empty]  # never simplify a small island away
    geoms = shapely.orient_polygons(_valid(simple.values), exterior_cw=True)
    features = [{"type": "Feature", "properties": {"unit": u, "name": n},
                 "geometry": shapely.geometry.mapping(g)}
                for u, n, g in zip(gdf["unit"], gdf["name"], geoms) if g is not None and not g.is_empty]
    area = gdf.to_crs(EQUAL_AREA).area.values / 1e6
    rep = shapely.point_on_surface(gdf.geometry.values)
    points = [{"unit": u, "name": n, "lon": round(float(p.x), 5), "lat": round(float(p.y), 5), "area_km2": float(a)}
              for u, n, p, a in zip(gdf["unit"], gdf["name"], rep, area) if a < small_area_km2]
    text = json.dumps({"features": features, "points": points}, separators=(",", ":"))
    write_bytes(path, text.encode(), keep_backup=False)
    return json.loads(text)  # plain lists, identical to what a cache hit returns


def representative_points(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    """One point inside each unit (``unit, lon, lat``), for labels and border-safe point lookups."""
    rep = shapely.point_on_surface(gdf.geometry.values)
    return pd.DataFrame({"unit": gdf["unit"].values, "lon": shapely.get_x(rep), "lat": shapely.get_y(rep)})
