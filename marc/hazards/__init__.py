"""Geospatial hazards: layer schema, zonal statistics, exposure, priority and context flags.

Public API (called by ``marc score``, the app and ``marc hazards``)::

    load_hazards(path) -> HazardConfig
    build_hazards(config, units_gdf, data_root, engine="local", progress=None, *, cache_dir=None,
                  use_cache=True, partitions=4) -> tidy panel rows (unit, year, variable="hazard/<id>", value, source)
    hazard_scores(config, panel) -> DataFrame[unit, year, <layer ids> 0-100, <layer>_capped, <components>,
                                              exposure, exposure_coverage, exposure_saturated]
    priority(config, readiness_wide, exposure) -> DataFrame[unit, year, exposure, gap, priority, priority_class, quadrant]
    context_flags(config, panel) -> DataFrame[unit, year, conflict_affected, transition]
"""

from marc.hazards.combine import context_flags, hazard_scores, priority
from marc.hazards.schema import HazardConfig, Layer, json_schema, load_hazards


def __getattr__(name: str):
    """``build_hazards`` and ``input_hash`` are imported on first use: the build needs geopandas, shapely
    and pyproj, which reading a framework's ``hazards.yaml`` (the app's first page) does not."""
    if name in ("build_hazards", "input_hash"):
        from marc.hazards import build

        return getattr(build, name)
    raise AttributeError(f"module 'marc.hazards' has no attribute {name!r}")

__all__ = ["HazardConfig", "Layer", "build_hazards", "context_flags", "hazard_scores", "input_hash",
           "json_schema", "load_hazards", "priority"]
