"""The brief's admin-1 section: the country's admin-1 exposure map (PNG) and its most exposed regions.

:func:`admin1_facts` adds JSON-serialisable facts (every region's exposure, the top regions with
their population, the boundary vintage); :func:`blocks` lays them out with the message catalogue.
The map is drawn from the facts' values and the cached admin-1 geometry, so every number shown
comes from the facts."""

from __future__ import annotations

import math
from typing import Any

N_TOP = 3


def _r(value: Any, digits: int = 1) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else round(float(value), digits)


def _exposure(outcome):
    """The admin-1 exposure for *outcome*'s hazard config, computed once per outcome (disk-cached build)."""
    cached = getattr(outcome, "_admin1_exposure", None)
    if cached is not None:
        return cached
    from marc.hazards import subnational_view
    from marc.hazards.subnational import LEVEL

    exp = None
    config = outcome.hazards
    if config is not None and LEVEL in getattr(config, "levels", {}) and outcome.panel is not None:
        exp = subnational_view.exposure_from_config(config, outcome.panel)
    object.__setattr__(outcome, "_admin1_exposure", exp)
    return exp


def admin1_facts(outcome, unit: str) -> dict[str, Any] | None:
    """Facts of *unit*'s admin-1 exposure, or None when there is no admin-1 level or no unit."""
    from marc.core.errors import MarcError

    try:
        exp = _exposure(outcome)
    except MarcError:
        return None
    if exp is None:
        return None
    rows = exp.country(unit)
    if rows.empty:
        return None
    top = exp.top(unit, N_TOP)
    return {
        "vintage": exp.vintage, "view": exp.view, "n_units": int(len(rows)),
        "n_zero": int(rows["exposure_all_zero"].sum()),
        "regions": [{"unit": r.unit, "exposure": _r(r.exposure)} for r in rows.itertuples()],
        "top": [{"name": None if r.name == r.unit else r.name, "unit": r.unit, "exposure": _r(r.exposure),
                 "population": _people(r.population)} for r in top.itertuples()],
        "disabled": list(exp.disabled),
    }


def _people(value: Any) -> int | None:
    """A region's population rounded to two significant figures (130,000; 4,300), None when unknown."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    v = float(value)
    if v < 1:
        return 0
    return int(round(v, -max(int(math.floor(math.log10(v))) - 1, 0)))


def map_png(f: dict, lang: str = "en", scale: float = 2.0) -> bytes:
    """The admin-1 exposure map of the brief's country (from the facts and the cached geometry)."""
    import pandas as pd
    import vl_convert as vlc

    from marc.data import boundaries
    from marc.hazards import subnational
    from marc.reporting.brief_words import messages
    from marc.reporting.subnational_charts import admin1_map

    m, a = messages(lang), f["admin1"]
    units = subnational.default_admin1().units
    gdf = units[units["unit"].isin([r["unit"] for r in a["regions"]])].reset_index(drop=True)
    frame = pd.DataFrame(a["regions"]).merge(gdf[["unit", "name"]], on="unit").assign(population=float("nan"))
    features = boundaries.display_geojson(gdf, tolerance=0.01, small_area_km2=0.0)["features"]
    spec = admin1_map(features, frame, title=m["admin1_map_title"].format(name=f["meta"]["name"]),
                      vintage_note=m["admin1_map_vintage"].format(vintage=a["vintage"]), view_note="",
                      legend=m["admin1_legend"], width=640, height=120)
    return vlc.vegalite_to_png(spec, scale=scale)
