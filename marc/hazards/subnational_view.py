"""Admin-1 exposure for the app and the briefs: every unit's exposure, a country's regions, the most exposed.

The world admin-1 build is computed once and cached on disk by input hash (``marc.hazards.build``),
so a country or region view is a slice of it.  Exposure combines the per-polygon layers declared for
the ``admin1`` level in ``hazards.yaml`` (their own goalposts); readiness stays national (inherited):
the view is "national readiness × subnational exposure".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from marc.hazards import subnational
from marc.hazards.subnational import LEVEL, VIEW_LABEL

VINTAGE_NOTE = ("Admin-1 boundaries: {vintage}; units are as of that edition or older, so recent reforms are "
                "missing (e.g. Mali's 2016 and 2023 regions, Bangladesh's Mymensingh division).")


@dataclass
class Admin1Exposure:
    """``table``: one row per admin-1 unit at its latest year: ``unit, name, country, year, exposure``,
    each layer's 0–100 score, ``population`` (scaled to the WDI national total), ``exposure_all_zero``."""

    units: gpd.GeoDataFrame
    table: pd.DataFrame
    labels: dict[str, str]
    vintage: str
    disabled: list[str] = field(default_factory=list)
    view: str = VIEW_LABEL

    @property
    def vintage_note(self) -> str:
        return VINTAGE_NOTE.format(vintage=self.vintage)

    def country(self, iso3: str) -> pd.DataFrame:
        return self.table[self.table["country"] == iso3].reset_index(drop=True)

    def top(self, iso3: str, n: int = 5) -> pd.DataFrame:
        """The *n* most exposed units of a country (ties by name), with their population."""
        t = self.country(iso3).dropna(subset=["exposure"])
        return t.sort_values(["exposure", "name"], ascending=[False, True]).head(n).reset_index(drop=True)

    def geometry(self, countries: list[str]) -> gpd.GeoDataFrame:
        return self.units[self.units["parent"].isin(countries)].reset_index(drop=True)

    @property
    def zero_share(self) -> float:
        return float(self.table["exposure_all_zero"].mean()) if len(self.table) else float("nan")


def admin1_exposure(framework_dir: Path, panel: pd.DataFrame, data_root: Path | None = None,
                    engine: str = "local") -> Admin1Exposure | None:
    """The admin-1 exposure of every unit, or None when hazards.yaml has no ``admin1`` level."""
    from marc.hazards import load_hazards

    path = Path(framework_dir) / "hazards.yaml"
    if not path.exists():
        return None
    config = load_hazards(path)
    if LEVEL not in config.levels:
        return None
    return exposure_from_config(config, panel, data_root, engine)


def exposure_from_config(config, panel: pd.DataFrame, data_root: Path | None = None,
                         engine: str = "local") -> Admin1Exposure:
    """:func:`admin1_exposure` for a loaded HazardConfig that declares the ``admin1`` level."""
    from marc.data import sources
    from marc.hazards import build_hazards, hazard_scores

    root = Path(data_root) if data_root else sources.cache_root()
    cfg, disabled = subnational.level_config(config, root)
    admin1 = subnational.load_admin1(root / subnational.SOURCE, root / "natural_earth")
    rows = build_hazards(cfg, admin1.units, root, engine=engine)
    scores = hazard_scores(cfg, rows)
    ids = [lyr.id for lyr in cfg.geospatial]
    latest = scores.sort_values("year").groupby("unit").last().reset_index()
    units = admin1.units
    table = units[["unit", "name", "parent"]].rename(columns={"parent": "country"}).merge(
        latest[["unit", "year", "exposure", *ids]], on="unit", how="left")
    grid = subnational.unit_population(units, root, cfg.population)
    pop = subnational.scaled_population(units, grid, subnational.national_population(panel))
    table = table.merge(pop[["unit", "population"]], on="unit", how="left")
    raw = rows.assign(layer=rows["variable"].str.removeprefix("hazard/")).sort_values("year")
    raw_latest = raw.groupby(["unit", "layer"])["value"].last().unstack()
    table["exposure_all_zero"] = (raw_latest.reindex(table["unit"]).fillna(0.0) == 0).all(axis=1).to_numpy()
    labels = {lyr.id: lyr.label for lyr in cfg.geospatial}
    return Admin1Exposure(units=units, table=table, labels=labels, vintage=admin1.vintage, disabled=disabled)


def countries_in_region(country_table: pd.DataFrame, region: str) -> list[str]:
    """ISO3 codes of a region of the country table (``region`` column)."""
    return sorted(country_table.loc[country_table["region"] == region, "unit"].astype(str))
