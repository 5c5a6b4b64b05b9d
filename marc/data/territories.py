"""Territories: units with data that are not sovereign states (Puerto Rico, Greenland, Hong Kong ...).

The reference set of countries is :func:`marc.data.countries.base_units` (the 193 UN member states, Palestine
and Kosovo).  Sources also publish values for territories: ISO 3166-1 codes outside that set (PRI,
GRL, HKG, ABW, ...).  A framework scores them only when ``index.yaml`` says ``territories: include``;
they are then **ranked apart** from sovereign states (ranks, percentiles and ``n_ranked`` are computed
within each group) and each carries its **sovereign**, ISO3 and name.  By default (``exclude``) their
rows are dropped and every dropped row is reported, by source and unit, never silently.

Sovereign.  Neither pycountry (ISO 3166-1) nor country_converter records sovereignty, so it is read
from Natural Earth v5.1.1 Admin-0 (1:50m, in the data cache beside the boundaries): the feature
whose ``ISO_A3_EH`` is the territory gives ``SOV_A3``; the sovereign is the feature of that
``SOV_A3`` whose ``ADMIN`` equals its ``SOVEREIGNT`` (Puerto Rico -> United States of America (USA),
Greenland -> Denmark (DNK), Hong Kong S.A.R. -> China (CHN)).  Where Natural Earth names the unit
its own sovereign (Taiwan; Western Sahara, "Indeterminate") or the file is absent, the sovereign is
left empty: an empty cell rather than an invented one.  Natural Earth draws de facto situations and
MARC takes no position on any of them (see :mod:`marc.data.boundaries`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from marc.core.errors import MarcError
from marc.data.countries import _iso3_set, base_units, short_name

NATURAL_EARTH = Path("natural_earth") / "ne_50m_admin_0_countries.zip"
FIELDS = ["ADMIN", "SOVEREIGNT", "SOV_A3", "ISO_A3_EH", "TYPE"]


def territory_units(units) -> list[str]:
    """The ISO 3166-1 alpha-3 codes among *units* that are not in the reference set of countries."""
    base = set(base_units())
    iso = _iso3_set()
    return sorted({str(u) for u in units if str(u) in iso and str(u) not in base})


@functools.lru_cache(maxsize=4)
def _natural_earth(path: str, mtime: float) -> pd.DataFrame:
    from pyogrio.raw import read  # attributes only: no geometry, no geopandas

    try:
        meta, _, _, fields = read(f"zip://{path}", read_geometry=False, columns=FIELDS)[:4]
    except Exception as exc:  # pyogrio's DataSourceError, FieldError ...: a damaged or different file
        raise MarcError.single(path, "bad-file", f"cannot read the Natural Earth Admin-0 attributes {FIELDS} ({exc}); "
                                                 "run 'marc pull' again to restore the file") from None
    table = pd.DataFrame({name: values for name, values in zip(meta["fields"], fields)})
    missing = [f for f in FIELDS if f not in table.columns]
    if missing:
        raise MarcError.single(path, "bad-file", f"the Natural Earth file lacks the field(s) {missing}")
    return table


def sovereigns(root: Path) -> pd.DataFrame:
    """``unit, sovereign, sovereign_name`` for every Natural Earth feature whose sovereign is another
    feature (empty when the cache has no Natural Earth Admin-0 file)."""
    path = Path(root) / NATURAL_EARTH
    if not path.is_file():
        return pd.DataFrame(columns=["unit", "sovereign", "sovereign_name"])
    ne = _natural_earth(str(path), path.stat().st_mtime)
    own = ne[ne["ADMIN"] == ne["SOVEREIGNT"]].drop_duplicates("SOV_A3").set_index("SOV_A3")["ISO_A3_EH"]
    out = pd.DataFrame({"unit": ne["ISO_A3_EH"], "sovereign": ne["SOV_A3"].map(own)})
    out = out[(out["unit"] != "-99") & out["sovereign"].notna() & (out["sovereign"] != "-99")
              & (out["sovereign"] != out["unit"])].drop_duplicates("unit")
    out["sovereign_name"] = [short_name(s) for s in out["sovereign"]]
    return out.reset_index(drop=True)


def dropped_rows(panel: pd.DataFrame, units) -> pd.DataFrame:
    """Panel rows whose unit is not scored, per source and unit: ``source, unit, name, rows,
    first_row, variable, year, territory`` (``first_row``: the row's position in the panel)."""
    positions = np.flatnonzero(~panel["unit"].isin(set(units)).to_numpy())
    if not len(positions):
        return pd.DataFrame(columns=["source", "unit", "name", "rows", "first_row", "variable", "year", "territory"])
    frame = panel.iloc[positions].assign(first_row=positions)
    grouped = frame.groupby(["source", "unit"], sort=True)
    first = grouped.first()[["first_row", "variable", "year"]]
    out = grouped.size().rename("rows").to_frame().join(first).reset_index()
    iso = _iso3_set()
    out["territory"] = out["unit"].isin(set(territory_units(out["unit"])))
    out["name"] = [short_name(u) if u in iso else u for u in out["unit"]]
    return out[["source", "unit", "name", "rows", "first_row", "variable", "year", "territory"]]


def dropped_messages(dropped: pd.DataFrame, include: bool = False) -> list[str]:
    """One warning per kind (territories, other units): the rows dropped, per source, and every unit with
    its row count (``Outcome.dropped`` keeps the full table, first panel row included)."""
    lines = []
    for terr, part in dropped.groupby("territory", sort=False):
        why = ("territories and other units outside the sovereign states (UN members, Palestine, Kosovo), not scored: "
               "set 'territories: include' in index.yaml to score them, ranked apart" if terr and not include
               else "not a unit this framework scores")
        by_source = ", ".join(f"{src} {n:,}" for src, n in part.groupby("source")["rows"].sum().items())
        per_unit = part.groupby(["unit", "name"])["rows"].sum()
        units = ", ".join(f"{u} ({name}) {n:,}" for (u, name), n in per_unit.items())
        lines.append(f"{int(part['rows'].sum()):,} panel row(s) of {len(per_unit)} unit(s) dropped ({why}); "
                     f"rows by source: {by_source}; units: {units}")
    return lines


@dataclass
class Selection:
    """The units a run scores, its unit table, its territories (``unit, sovereign, sovereign_name``)
    and the panel rows it leaves out, with one warning per source."""

    units: list[str] | None
    countries: pd.DataFrame | None
    territories: pd.DataFrame
    dropped: pd.DataFrame
    messages: list[str] = field(default_factory=list)


def select(fw, panel: pd.DataFrame, countries: pd.DataFrame | None, root: Path) -> Selection:
    """Which units of *panel* the framework *fw* scores (see the module docstring).

    A framework's own unit list scores exactly its units.  Otherwise sovereign states are scored (all
    units of the panel when no country table is given, as with ``--panel``), and territories only when
    ``territories: include``; every dropped row is listed in ``dropped`` and ``messages``."""
    empty = pd.DataFrame(columns=["unit", "sovereign", "sovereign_name"])
    if fw.units is not None:
        return Selection(sorted(fw.units["unit"]), fw.units, empty, dropped_rows(panel.iloc[:0], []))
    have = panel["unit"].unique()
    found = territory_units(have)
    include = fw.territories == "include"
    terr = empty
    if include and found:
        sov = sovereigns(root).set_index("unit")
        terr = pd.DataFrame({"unit": found, "sovereign": [sov["sovereign"].get(u) for u in found],
                             "sovereign_name": [sov["sovereign_name"].get(u) for u in found]})
    if countries is not None:
        if include and found:
            from marc.data.countries import country_table

            countries = pd.concat([countries, country_table(root, units=found)], ignore_index=True)
        units = sorted(set(countries["unit"]) & set(have))
    elif found and not include:
        units = sorted(set(have) - set(found))
    else:
        units = None
    dropped = dropped_rows(panel, units if units is not None else have)
    return Selection(units, countries, terr, dropped, dropped_messages(dropped, include))
