"""Green Climate Fund Open Data Library exports (project, readiness, entity and country xlsx).

Series are cumulative by year so that an edition for year Y only sees what was approved by the
end of Y.  Years run from 2015 (first approvals) to :data:`SNAPSHOT_YEAR` (the exports were taken
at board meeting B.43, Oct-Nov 2025); every country of :func:`marc.data.countries.base_units` gets a
row for the count series (0 = nothing approved yet).

* ``gcf/readiness_grants``: cumulative number of readiness grants approved up to that year
  (``Approved Date``), cancelled grants excluded; a multi-country grant counts for each country.
* ``gcf/readiness_usd``: cumulative readiness financing (US$); a multi-country grant's amount is
  split equally among its countries (the export gives no per-country split).  Grants with no
  country (support to direct-access entities) are not attributed and are noted.
* ``gcf/funded_activities``: cumulative number of funded activities approved up to that year,
  dated by the board meeting that approved them (``BM`` -> year via :data:`BOARD_MEETING_YEAR`);
  multi-country projects are split, counting once for each listed country.
* ``gcf/fa_usd``: funded-activity financing per country from ``country.xlsx`` (the GCF's own
  per-country totals), **for the snapshot year only**: project.xlsx gives no per-country split of
  multi-country amounts, so no honest cumulative series can be built.
* ``gcf/direct_access_entities``: cumulative number of accredited *national* direct-access
  entities (``DAE`` and ``Type == National``), dated by the accrediting board meeting; entities
  whose accreditation lapsed ("Former AE") are excluded.

GCF funding is context, not a readiness score (scoring it higher-is-better is circular).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from marc.core.errors import MarcError
from marc.data.countries import Unmatched, base_units, iso3_from_codes, iso3_from_names
from marc.data.readers.base import ReaderResult, finish, numeric, require

SOURCE = "gcf_open_data"
FIRST_YEAR = 2015
SNAPSHOT_YEAR = 2025

#: GCF Board meetings -> calendar year (from the Board's meeting pages; B.18 Sep-Oct 2017,
#: B.19 Feb-Mar 2018, B.42 Jun-Jul 2025, B.43 Oct-Nov 2025).
BOARD_MEETING_YEAR: dict[str, int] = {
    **{f"B.{n:02d}": y for n, y in [(1, 2012), (2, 2012), (3, 2013), (4, 2013), (5, 2013), (6, 2014),
                                    (7, 2014), (8, 2014), (9, 2015), (10, 2015), (11, 2015)]},
    **{f"B.{n}": y for n, y in [(12, 2016), (13, 2016), (14, 2016), (15, 2016), (16, 2017), (17, 2017),
                                (18, 2017), (19, 2018), (20, 2018), (21, 2018), (22, 2019), (23, 2019),
                                (24, 2019), (25, 2020), (26, 2020), (27, 2020), (28, 2021), (29, 2021),
                                (30, 2021), (31, 2022), (32, 2022), (33, 2022), (34, 2022), (35, 2023),
                                (36, 2023), (37, 2023), (38, 2024), (39, 2024), (40, 2024), (41, 2025),
                                (42, 2025), (43, 2025)]},
}


def _split(cell: object) -> list[str]:
    return [p.strip() for p in re.split(r",\s+(?![^()]*\))", str(cell)) if p.strip()] if pd.notna(cell) else []


def _explode(table: pd.DataFrame, column: str, where: str, result: ReaderResult) -> pd.DataFrame:
    """One row per (record, country); unmatched names are reported."""
    table = table.assign(_names=table[column].map(_split)).explode("_names")
    table = table[table["_names"].notna()]
    res = iso3_from_names(table["_names"].tolist(), f"{SOURCE}/{where}", table["_row"].tolist())
    result.unmatched.extend(res.unmatched)
    result.aggregates.extend(res.aggregates)
    table = table.assign(unit=res.iso3)
    return table[table["unit"].notna()]


def _bm_year(table: pd.DataFrame, where: str, result: ReaderResult) -> pd.Series:
    years = table["BM"].astype(str).str.strip().map(BOARD_MEETING_YEAR)
    for row, bm in zip(table.loc[years.isna(), "_row"], table.loc[years.isna(), "BM"]):
        result.unmatched.append(Unmatched(SOURCE, f"board meeting {bm!r} ({where})", str(row)))
    return years


def _cumulative(events: pd.DataFrame, variable: str, weight: str | None, units: list[str]) -> pd.DataFrame:
    """Cumulative sum (or count) of events by unit up to each year FIRST_YEAR..SNAPSHOT_YEAR."""
    events = events.assign(_w=events[weight] if weight else 1.0)
    per_year = events.groupby(["unit", "year"])["_w"].sum()
    years = list(range(FIRST_YEAR, SNAPSHOT_YEAR + 1))
    grid = pd.MultiIndex.from_product([sorted(set(units) | set(events["unit"])), years], names=["unit", "year"])
    before = events[events["year"] < FIRST_YEAR].groupby("unit")["_w"].sum()
    values = per_year.reindex(grid, fill_value=0.0).groupby(level="unit").cumsum()
    values = values + before.reindex(values.index.get_level_values("unit")).fillna(0.0).to_numpy()
    out = values.rename("value").reset_index()
    out["variable"] = variable
    return out


def _read(path: Path) -> pd.DataFrame:
    table = pd.read_excel(path, dtype=object)
    table["_row"] = [str(i + 2) for i in range(len(table))]
    return table


def _need(table: pd.DataFrame, where: str, *columns: str) -> None:
    if missing := [c for c in columns if c not in table.columns]:
        raise MarcError.single(SOURCE, "gcf-columns", f"{where}: missing column(s) {missing}")


def read(folder: Path) -> ReaderResult:
    folder = Path(folder)
    require(folder, SOURCE, "project.xlsx", "readiness.xlsx", "entity.xlsx", "country.xlsx")
    result = ReaderResult(SOURCE)
    units = base_units()
    frames = []

    rp = _read(folder / "readiness.xlsx")
    _need(rp, "readiness.xlsx", "Country", "Status", "Approved Date", "Financing")
    rp = rp[rp["Status"].astype(str).str.strip() != "Cancelled"]
    no_country = rp["Country"].isna()
    if no_country.any():
        result.notes.append(f"{SOURCE}: readiness.xlsx has {int(no_country.sum())} grants with no country "
                            f"(e.g. {rp.loc[no_country, 'Ref #'].iloc[0]}); not attributed to a country")
    rp = rp[~no_country].copy()
    rp["_n"] = rp["Country"].map(lambda c: max(len(_split(c)), 1))
    rp["year"] = pd.to_datetime(rp["Approved Date"], format="%b %d, %Y", errors="coerce").dt.year
    for row, raw in zip(rp.loc[rp["year"].isna(), "_row"], rp.loc[rp["year"].isna(), "Approved Date"]):
        raise MarcError.single(SOURCE, "bad-date", f"readiness.xlsx row {row}: Approved Date {raw!r} is not a date like 'May 1, 2015'")
    rp["usd"] = numeric(rp["Financing"], SOURCE, "readiness.xlsx column Financing", rows=rp["_row"].tolist()).fillna(0.0) / rp["_n"]
    rp = _explode(rp, "Country", "readiness.xlsx", result)
    frames.append(_cumulative(rp, "gcf/readiness_grants", None, units))
    frames.append(_cumulative(rp, "gcf/readiness_usd", "usd", units))

    fp = _read(folder / "project.xlsx")
    _need(fp, "project.xlsx", "Countries", "BM")
    fp["year"] = _bm_year(fp, "project.xlsx", result)
    fp = _explode(fp[fp["year"].notna()], "Countries", "project.xlsx", result)
    frames.append(_cumulative(fp.drop_duplicates(["Ref #", "unit"]), "gcf/funded_activities", None, units))

    ent = _read(folder / "entity.xlsx")
    _need(ent, "entity.xlsx", "Country", "DAE", "Type", "Stage", "BM")
    ent = ent[ent["DAE"].astype(str).str.upper().isin(["TRUE", "1"]) & (ent["Type"] == "National") & (ent["Stage"] != "Former AE")].copy()
    ent["year"] = _bm_year(ent, "entity.xlsx", result)
    ent = _explode(ent[ent["year"].notna()], "Country", "entity.xlsx", result)
    frames.append(_cumulative(ent, "gcf/direct_access_entities", None, units))

    ct = _read(folder / "country.xlsx")
    _need(ct, "country.xlsx", "ISO3", "FA Financing $")
    res = iso3_from_codes(ct["ISO3"].tolist(), f"{SOURCE}/country.xlsx", ct["_row"].tolist())
    result.unmatched.extend(res.unmatched)
    value = numeric(ct["FA Financing $"], SOURCE, "country.xlsx column 'FA Financing $'", rows=ct["_row"].tolist())
    fa = pd.DataFrame({"unit": res.iso3, "year": SNAPSHOT_YEAR, "variable": "gcf/fa_usd", "value": value.fillna(0.0)})
    frames.append(fa[fa["unit"].notna()])
    result.notes.append(f"{SOURCE}: gcf/fa_usd is country.xlsx's per-country total, dated {SNAPSHOT_YEAR} only")

    result.panel = finish(frames, SOURCE)
    result.aggregates = sorted(set(result.aggregates))
    return result
