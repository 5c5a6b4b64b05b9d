"""Boundaries with scores for GIS tools: GeoJSON and GeoPackage (QGIS, ArcGIS, GDAL).

GIS-safe field names (no colon, at most 63 characters; the mapping is the ``marc_fields`` table),
real booleans and integer years, and in the GeoPackage the non-spatial tables ``marc_sources``
(licence, citation) and ``marc_metadata`` (framework hash, edition, created, cite-as line).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pandas as pd

from marc.pipeline.project import Outcome
from marc.reporting.export_tables import (
    cite_as,
    edition,
    framework_label,
    marc_version,
    scores_table,
    sources_table,
    used_sources,
)

#: GIS field names: no colon (QGIS, shapefile-era tools), at most 63 characters (PostgreSQL, GeoPackage tools)
GIS_NAME_MAX = 63


def gis_field_names(columns) -> dict[str, str]:
    """Original column -> GIS-safe field name (``ind:forest_area_change`` -> ``ind_forest_area_change``)."""
    out: dict[str, str] = {}
    for col in columns:
        name = re.sub(r"[^A-Za-z0-9_]", "_", str(col))[:GIS_NAME_MAX]
        base, k = name, 2
        while name in out.values():
            name = f"{base[:GIS_NAME_MAX - 3]}_{k}"
            k += 1
        out[str(col)] = name
    return out


BOOLEAN_FIELDS = ("ldc", "sids", "lldc", "non_annex_i", "conflict_affected", "transition", "conflict", "peace_operation")


def geo_frame(outcome: Outcome, year: int | None = None):
    """Natural Earth 1:50m country polygons joined to the scores: GIS-safe field names, real booleans,
    integer years (units without a shape are left out)."""
    from marc.data import boundaries, sources

    gdf = boundaries.countries(sources.source_dir("natural_earth"))
    table = scores_table(outcome, year).drop(columns=["name"], errors="ignore")
    merged = gdf.merge(table, on="unit", how="left")
    for col in merged.columns:
        if col == "geometry":
            continue
        if col in BOOLEAN_FIELDS:
            merged[col] = merged[col].map(lambda v: None if v is None or v is pd.NA or v != v else bool(v)).astype("boolean")
        elif col in ("year", "rank", "n_ranked") or col.endswith("_year"):
            merged[col] = pd.to_numeric(merged[col], errors="coerce").round().astype("Int64")
        elif merged[col].dtype == object:  # mixed objects -> text that every driver accepts
            merged[col] = merged[col].map(lambda v: None if v is None or v is pd.NA or v != v else str(v))
    merged["framework"] = framework_label(outcome)
    return merged.rename(columns=gis_field_names(merged.columns.drop("geometry")))


def _vector_bytes(gdf, driver: str, suffix: str, layer: str | None = None, tables: dict[str, pd.DataFrame] | None = None) -> bytes:
    import pyogrio

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"export{suffix}"
        kwargs = {"layer": layer} if layer else {}
        gdf.to_file(path, driver=driver, engine="pyogrio", **kwargs)
        for name, frame in (tables or {}).items():  # non-spatial tables (GeoPackage attribute tables)
            pyogrio.write_dataframe(frame, path, layer=name, driver=driver)
        return path.read_bytes()


def gpkg_tables(outcome: Outcome, gdf, year: int | None = None) -> dict[str, pd.DataFrame]:
    """The GeoPackage's non-spatial tables: sources (licence, citation), metadata, field-name mapping."""
    import datetime as dt

    y = edition(outcome, year)
    src = sources_table(used_sources(outcome, ("natural_earth",)))
    meta = pd.DataFrame({"key": ["framework_hash", "framework", "edition", "created", "marc_version", "cite_as", "licence"],
                         "value": [outcome.framework.digest, framework_label(outcome), str(y),
                                   dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), marc_version(),
                                   cite_as(outcome, y), "MARC software MIT; the data keep their sources' licences (marc_sources)"]})
    table = scores_table(outcome, year).drop(columns=["name"], errors="ignore")
    mapping = gis_field_names([c for c in table.columns] + ["framework"])
    fields = pd.DataFrame({"field": list(mapping.values()), "original_column": list(mapping.keys())})
    return {"marc_sources": src.astype({"open_licence": bool, "redistribution": bool, "commercial_use": bool}),
            "marc_metadata": meta, "marc_fields": fields}


def geojson_bytes(outcome: Outcome, year: int | None = None) -> bytes:
    return _vector_bytes(geo_frame(outcome, year), "GeoJSON", ".geojson")


def gpkg_bytes(outcome: Outcome, year: int | None = None) -> bytes:
    gdf = geo_frame(outcome, year)
    return _vector_bytes(gdf, "GPKG", ".gpkg", layer="marc_scores", tables=gpkg_tables(outcome, gdf, year))
