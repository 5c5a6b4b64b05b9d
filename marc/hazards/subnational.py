"""Admin-1 units for every country, their population, and the admin-1 exposure summary.

The default admin-1 layer is Natural Earth 1:10m Admin-1 (source ``ne_10m_admin1_orange3geo_MODIFIED``).
Two layouts are read:

* the mirror's ``admin1_per_country_geojson.zip``: 251 per-country GeoJSON files, Natural Earth
  **4.0 (2017)**, simplified (fields ``_id``, ``name``, ``type``, ``adm0_a3``);
* the official ``ne_10m_admin_1_states_provinces.zip`` shapefile (v5.1.x; ``adm1_code``, ``name``,
  ``type_en``, ``adm0_a3``).

Caveats handled here (``../shared/data/SOURCES.md`` 10a):

* invalid polygons are made valid (``shapely.make_valid``; polygonal parts kept);
* null names are filled with the unit id (exactextract's reader rejects null attributes);
* ``adm0_a3`` is Natural Earth's code, not ISO3: it is mapped through the Admin-0 layer's
  ``ADM0_A3 → ISO_A3_EH`` with :data:`marc.data.boundaries.OVERRIDES` (SDS→SSD, PSX→PSE, SAH→ESH,
  KOS→XKX; Somaliland ``SOL`` and Northern Cyprus ``CYN`` go to their parents Somalia and Cyprus);
* units whose code is absent from Admin-0 (CLP, CSI, ESB, GIB, KAB, PGA, UMI, USG, WSB) or dropped
  (Siachen) are **excluded and reported** in :attr:`Admin1.excluded`, never silently.

The unit table is shaped as a unit list (``unit``, ``name``, ``parent``, ``group``) so that a
framework-declared unit list can later express it.  Population: the GPWv4 grid gives each unit's
share of its country's population, scaled to the country's national total (WDI SP.POP.TOTL), because
exactextract under-counts coastal units (partial cells) on a coarse grid.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from marc.core.atomic import write_bytes
from marc.core.errors import MarcError
from marc.data.boundaries import COUNTRIES_FILE, OVERRIDES, _valid

SOURCE = "ne_10m_admin1_orange3geo_MODIFIED"
POPULATION_SOURCE = "gpw_v4_popcount_2020_30min"
POPULATION_FILE = "gpw_v4_population_count_rev11_2020_30_min.tif"
MIRROR_FILE = "admin1_per_country_geojson.zip"
OFFICIAL_FILE = "ne_10m_admin_1_states_provinces.zip"
LEVEL = "admin1"
VIEW_LABEL = "national readiness × subnational exposure"
CODE_VERSION = "admin1-1"


@dataclass
class Admin1:
    """Admin-1 units ``[unit, name, parent, group, type, geometry]`` (EPSG:4326) and what was excluded."""

    units: gpd.GeoDataFrame
    vintage: str
    excluded: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["adm0_a3", "n_units", "why"]))

    @property
    def countries(self) -> int:
        return int(self.units["parent"].nunique())

    def report(self) -> str:
        """One line on coverage and on every excluded unit group."""
        line = f"{len(self.units)} admin-1 units in {self.countries} countries ({self.vintage})"
        if len(self.excluded):
            parts = [f"{r.adm0_a3} ({r.n_units}, {r.why})" for r in self.excluded.itertuples()]
            line += f"; excluded {int(self.excluded['n_units'].sum())} units: " + ", ".join(parts)
        return line


def vintage_of(path: Path) -> str:
    return "Natural Earth 4.0 (2017)" if path.name == MIRROR_FILE else "Natural Earth 1:10m (official download)"


def _read_mirror_zip(path: Path) -> pd.DataFrame:
    import pyogrio

    with zipfile.ZipFile(path) as zf:
        names = sorted(n for n in zf.namelist() if n.endswith(".json"))
    if not names:
        raise MarcError.single(SOURCE, "empty-archive", f"{path} holds no admin1-*.json files")
    frames = []
    for name in names:
        try:
            frames.append(pyogrio.read_dataframe(f"/vsizip/{path}/{name}"))
        except Exception as exc:  # pyogrio raises DataSourceError and others
            raise MarcError.single(SOURCE, "unreadable-vector",
                                   f"{path}:{name}: {str(exc).splitlines()[0]}; re-run `marc pull {SOURCE}`") from None
    raw = pd.concat(frames, ignore_index=True)
    need = {"_id", "name", "adm0_a3", "geometry"}
    if not need <= set(raw.columns):
        raise MarcError.single(SOURCE, "missing-columns", f"{path} lacks {sorted(need - set(raw.columns))}")
    return pd.DataFrame({"unit": raw["_id"], "name": raw["name"], "adm0_a3": raw["adm0_a3"],
                         "type": raw.get("type"), "geometry": raw["geometry"].values})


def _read_official_zip(path: Path) -> pd.DataFrame:
    import pyogrio

    try:
        raw = pyogrio.read_dataframe(f"zip://{path}")
    except Exception as exc:
        raise MarcError.single(SOURCE, "unreadable-vector", f"{path}: {str(exc).splitlines()[0]}") from None
    cols = {c.lower(): c for c in raw.columns}
    need = ["adm1_code", "name", "adm0_a3"]
    if not all(c in cols for c in need):
        raise MarcError.single(SOURCE, "missing-columns", f"{path} lacks {[c for c in need if c not in cols]}; "
                               "is it Natural Earth Admin-1?")
    return pd.DataFrame({"unit": raw[cols["adm1_code"]], "name": raw[cols["name"]], "adm0_a3": raw[cols["adm0_a3"]],
                         "type": raw[cols["type_en"]] if "type_en" in cols else None,
                         "geometry": raw.geometry.values})


def admin0_codes(natural_earth: Path) -> pd.Series:
    """Natural Earth ``ADM0_A3`` → unit code (ISO_A3_EH with :data:`OVERRIDES`; None = dropped)."""
    import pyogrio

    path = Path(natural_earth) / COUNTRIES_FILE
    if not path.exists():
        raise MarcError.single("natural_earth", "missing-file", f"{path} not found; run `marc pull natural_earth`")
    attrs = pyogrio.read_dataframe(f"zip://{path}", columns=["ADM0_A3", "ISO_A3_EH"], read_geometry=False)
    adm = attrs["ADM0_A3"].astype(str)
    code = attrs["ISO_A3_EH"].astype(str).where(~adm.isin(list(OVERRIDES)), adm.map(OVERRIDES))
    return pd.Series(code.values, index=adm.values).groupby(level=0).first()


def _find_file(folder: Path) -> Path:
    for name in (MIRROR_FILE, OFFICIAL_FILE):
        if (folder / name).exists():
            return folder / name
    raise MarcError.single(SOURCE, "missing-file", f"no {MIRROR_FILE} or {OFFICIAL_FILE} in {folder}; "
                           f"run `marc pull {SOURCE}` (or --mirror DIR)")


def _cache_dir() -> Path:
    from marc.data.sources import cache_root

    return cache_root() / "_derived" / "units"


def load_admin1(folder: Path, natural_earth: Path, *, cache_dir: Path | None = None) -> Admin1:
    """The admin-1 units of *folder* (the source folder), parents mapped to ISO3 via *natural_earth*.

    The prepared layer is cached as GeoParquet keyed by both input files' hashes, so a warm load is a
    Parquet read."""
    path = _find_file(Path(folder))
    admin0 = Path(natural_earth) / COUNTRIES_FILE
    from marc.hazards.build import file_digest

    key = hashlib.sha256(f"{CODE_VERSION}|{file_digest(path)}|{file_digest(admin0) if admin0.exists() else ''}".encode())
    cache = (cache_dir or _cache_dir()) / f"admin1-{key.hexdigest()[:24]}"
    try:
        units = gpd.read_parquet(cache.with_suffix(".parquet"))
        excluded = pd.read_parquet(cache.with_suffix(".excluded.parquet"))
        return Admin1(units, vintage_of(path), excluded)
    except (OSError, ValueError):
        pass
    admin1 = _prepare(path, admin0_codes(natural_earth))
    buf = io.BytesIO()
    admin1.units.to_parquet(buf, index=False)
    write_bytes(cache.with_suffix(".parquet"), buf.getvalue(), keep_backup=False)
    buf = io.BytesIO()
    admin1.excluded.to_parquet(buf, index=False)
    write_bytes(cache.with_suffix(".excluded.parquet"), buf.getvalue(), keep_backup=False)
    return admin1


def _prepare(path: Path, codes: pd.Series) -> Admin1:
    from marc.data.geometry import fix_antimeridian

    raw = _read_mirror_zip(path) if path.name == MIRROR_FILE else _read_official_zip(path)
    raw["unit"] = raw["unit"].astype(str)
    if raw["unit"].duplicated().any():
        dup = raw.loc[raw["unit"].duplicated(), "unit"].unique()[:5].tolist()
        raise MarcError.single(SOURCE, "duplicate-unit", f"{path}: unit ids repeat, e.g. {dup}")
    raw["name"] = raw["name"].where(raw["name"].notna() & (raw["name"].astype(str).str.strip() != ""), raw["unit"])
    adm = raw["adm0_a3"].astype(str)
    parent = adm.map(codes)
    known = adm.isin(codes.index)
    dropped = known & parent.isna()
    absent = ~known
    excluded = pd.concat([
        pd.DataFrame({"adm0_a3": adm[absent], "why": "absent from Natural Earth Admin-0"}),
        pd.DataFrame({"adm0_a3": adm[dropped], "why": "dropped with its Admin-0 feature (boundaries.OVERRIDES)"}),
    ]).groupby(["adm0_a3", "why"]).size().rename("n_units").reset_index()[["adm0_a3", "n_units", "why"]]
    keep = (known & parent.notna()).to_numpy()
    geoms = np.array([fix_antimeridian(g) for g in _valid(raw.loc[keep, "geometry"].values)], dtype=object)
    units = gpd.GeoDataFrame({"unit": raw.loc[keep, "unit"].values, "name": raw.loc[keep, "name"].astype(str).values,
                              "parent": parent[keep].astype(str).values, "group": adm[keep].values,
                              "type": raw.loc[keep, "type"].astype(str).where(raw.loc[keep, "type"].notna(), "").values},
                             geometry=geoms, crs=4326)
    empty = units.geometry.is_empty | units.geometry.isna()
    if empty.any():
        excluded = pd.concat([excluded, pd.DataFrame({"adm0_a3": units.loc[empty, "group"].unique(),
                                                      "n_units": units.loc[empty].groupby("group").size().values,
                                                      "why": "empty geometry"})], ignore_index=True)
        units = units[~empty]
    units = units.sort_values(["parent", "unit"]).reset_index(drop=True)
    return Admin1(units, vintage_of(path), excluded.reset_index(drop=True))


def default_admin1() -> Admin1:
    """The admin-1 units from the data cache (pulled with ``marc pull``)."""
    from marc.data import sources

    return load_admin1(sources.source_dir(SOURCE), sources.source_dir("natural_earth"))


# ---------------------------------------------------------------------------------------------- population

def scaled_population(units: gpd.GeoDataFrame, grid_population: pd.Series, national: pd.Series) -> pd.DataFrame:
    """Each unit's population = its country's national total × the unit's share of the grid population
    summed over the country's units (``unit, parent, grid_population, share, population``).

    On a 30′ grid, exactextract's partial-cell weights lose coastal population (the whole of a coastal
    cell lives on its land part), so raw unit sums miss 7 % of the world and 30 % of the Philippines.
    Within-country shares are far less affected; scaling them to the national total (WDI SP.POP.TOTL)
    restores each country's total.  A country whose units get no grid population at all is split by
    area.  Without a national total, ``population`` is NaN (the grid sum is still given)."""
    df = pd.DataFrame({"unit": units["unit"].astype(str).values, "parent": units["parent"].astype(str).values})
    df["grid_population"] = grid_population.reindex(df["unit"]).fillna(0.0).to_numpy()
    tot = df.groupby("parent")["grid_population"].transform("sum")
    from marc.hazards.zonal import equal_area

    area = equal_area(units.geometry.values)
    area_tot = pd.Series(area).groupby(df["parent"]).transform("sum").to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(tot > 0, df["grid_population"] / tot, area / np.where(area_tot > 0, area_tot, np.nan))
    df["share"] = share
    df["population"] = df["share"] * df["parent"].map(national).to_numpy(dtype=float)
    return df


def national_population(panel: pd.DataFrame, year: int = 2020, variable: str = "wdi/SP.POP.TOTL") -> pd.Series:
    """ISO3 → population in *year* (or the nearest earlier year) from the tidy panel."""
    rows = panel[(panel["variable"] == variable) & (panel["year"] <= year)].dropna(subset=["value"])
    if rows.empty:
        return pd.Series(dtype=float)
    return rows.sort_values("year").groupby("unit")["value"].last()


# ---------------------------------------------------------------------------------------------- exposure

def level_config(config, data_root: Path, level: str = LEVEL):
    """*config* (a HazardConfig) as seen at *level*, with optional layers whose file is absent left out.

    Returns ``(config, disabled)``; *disabled* lists ``"layer (dataset/file missing)"`` notes.  A config
    without that level is an error: subnational exposure takes per-polygon layers declared per level."""
    from marc.hazards.vector import source_path

    if level not in config.levels:
        raise MarcError.single("hazards.yaml", "missing-level",
                               f"no `levels: {level}:` block in hazards.yaml; declare the per-polygon layers and their "
                               f"goalposts for {level} units")
    cfg, off = config.for_level(level, lambda lyr: source_path(data_root, lyr.source.dataset, lyr.source.file).exists())
    by_id = {lyr.id: lyr for lyr in config.layers}
    notes = [f"{i} (disabled: {by_id[i].source.dataset}/{by_id[i].source.file} not in the data folder; "
             f"`marc pull {by_id[i].source.dataset}` online)" for i in off]
    return cfg, notes


def unit_population(units: gpd.GeoDataFrame, data_root: Path, population=None, *, cache_dir: Path | None = None) -> pd.Series:
    """Grid population per unit (exactextract sum over the admin-1 population grid), cached by geometry and grid."""
    from marc.data.boundaries import geometry_hash
    from marc.hazards import zonal
    from marc.hazards.raster import read_raster

    path = Path(data_root) / (population.dataset if population else POPULATION_SOURCE) / (
        population.file if population else POPULATION_FILE)
    if not path.exists():
        raise MarcError.single(POPULATION_SOURCE, "missing-file", f"{path} not found; run `marc pull {POPULATION_SOURCE}`")
    from marc.hazards.build import file_digest

    key = hashlib.sha256(f"{CODE_VERSION}|{geometry_hash(units)}|{file_digest(path)}".encode()).hexdigest()[:24]
    cache = (cache_dir or _cache_dir()) / f"population-{key}.parquet"
    try:
        return pd.read_parquet(cache)["population"]
    except (OSError, ValueError, KeyError):
        pass
    grid = read_raster(path, crs="EPSG:4326")
    s = zonal.unit_population(units.reset_index(drop=True), grid).rename("population")
    buf = io.BytesIO()
    s.to_frame().to_parquet(buf)
    write_bytes(cache, buf.getvalue(), keep_backup=False)
    return s


def zero_share(hazard_table: pd.DataFrame, layer_ids: list[str]) -> tuple[float, int]:
    """Share (and count) of units whose every geospatial layer is exactly 0 in their latest year."""
    cols = [c for c in layer_ids if c in hazard_table.columns]
    if hazard_table is None or hazard_table.empty or not cols:
        return float("nan"), 0
    latest = hazard_table.sort_values("year").groupby("unit").last()
    zero = (latest[cols].fillna(0.0) == 0).all(axis=1)
    return float(zero.mean()), int(zero.sum())


def attach(outcome, units: gpd.GeoDataFrame, data_root: Path | None = None) -> pd.DataFrame:
    """Add the subnational columns to *outcome* (``outcome.extra["subnational"]``, one row per unit and
    chosen year): ``country``, ``population`` (scaled to the WDI national total), ``readiness_inherited``,
    ``exposure_all_zero`` and ``view`` = "national readiness × subnational exposure"."""
    from marc.data import sources

    root = Path(data_root) if data_root else sources.cache_root()
    pop_ref = outcome.hazards.population if outcome.hazards is not None else None
    link = units[["unit", "parent"]].astype(str)
    inherited = outcome.panel[outcome.panel["variable"] == "wdi/SP.POP.TOTL"].merge(link, on="unit")
    national = national_population(inherited.assign(unit=inherited["parent"]))
    try:
        grid = unit_population(units, root, pop_ref)
        pop = scaled_population(units, grid, national)
    except MarcError:
        pop = pd.DataFrame({"unit": link["unit"], "grid_population": np.nan, "share": np.nan, "population": np.nan})
    frame = link.rename(columns={"parent": "country"}).merge(pop[["unit", "population"]], on="unit", how="left")
    frame["readiness_inherited"] = True
    frame["view"] = VIEW_LABEL
    zero = pd.Series(False, index=frame["unit"])
    ht = outcome.hazard_table
    if ht is not None and len(ht) and outcome.hazards is not None:
        ids = [lyr.id for lyr in outcome.hazards.geospatial]
        latest = ht.sort_values("year").groupby("unit").last()
        cols = [c for c in ids if c in latest.columns]
        zero = (latest[cols].fillna(0.0) == 0).all(axis=1).reindex(frame["unit"]).fillna(False)
    frame["exposure_all_zero"] = zero.to_numpy()
    out = pd.concat([frame.assign(year=y) for y in outcome.years], ignore_index=True)
    outcome.extra["subnational"] = out
    return out


def units_from_option(units: Path, id_field: str, name_field: str | None, parent_field: str) -> tuple[gpd.GeoDataFrame, str]:
    """``--units``: the word ``admin1`` (no such file) means the default admin-1 layer; else a boundary file.
    Returns the units (``attrs["level"]`` set) and a line saying what was loaded."""
    from marc.data.boundaries import load_units

    if str(units) == LEVEL and not Path(units).exists():
        admin1 = default_admin1()
        gdf = admin1.units.copy()
        gdf.attrs["level"] = LEVEL
        gdf.attrs["vintage"] = admin1.vintage
        return gdf, "Units: " + admin1.report()
    gdf = load_units(units, id_field, name_field=name_field, parent_field=parent_field)
    gdf.attrs["level"] = LEVEL
    return gdf, f"Units: {len(gdf)} from {units}"


def summary_lines(outcome) -> list[str]:
    """What `marc score --units` reports: units and countries with exposure, the all-zero share, the view."""
    sub = outcome.extra.get("subnational")
    ht = outcome.hazard_table
    lines = [f"Subnational view: {VIEW_LABEL} (national readiness inherited from each unit's country, flagged)."]
    if sub is None or ht is None or ht.empty:
        return lines + ["No subnational exposure (hazards.yaml absent or --no-hazards)."]
    latest = ht.sort_values("year").groupby("unit").last()
    with_exp = latest.index[latest["exposure"].notna()]
    link = sub.drop_duplicates("unit").set_index("unit")["country"]
    n_c = link.reindex(with_exp).nunique()
    zero = sub.drop_duplicates("unit")["exposure_all_zero"]
    lines.append(f"Exposure for {len(with_exp)} units in {n_c} countries; {zero.mean():.1%} of units ({int(zero.sum())}) "
                 "have every exposure layer at zero.")
    return lines
