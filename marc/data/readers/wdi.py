"""World Bank World Development Indicators, in both layouts found in the mirror.

* ``wb_wdi_datasets_pkg``: ``indicators/<code>/data.csv``, long (Country Name, Country Code, Year,
  Value); the datasets/world-development-indicators package, a monthly snapshot (2026).
* ``wb_wdi_api_csv``: the World Bank's own per-series downloads ``**/API_<CODE>_DS2_*.csv``, wide
  (one column per year), with or without the 4-line "Data Source / Last Updated Date" preamble,
  and including a MODIFIED copy (armed forces) whose "Indicator Name/Code" columns were deleted;
  the code is then taken from the file name.

Variables are ``wdi/<CODE>`` with the code in upper case.

**A code present in both sources** (e.g. EN.ATM.CO2E.PC, EG.FEC.RNEW.ZS, SP.POP.GROW): the newer
release wins for the whole series, see :func:`resolve_overlap`.  The package carries no release
date, so "newer" is decided by the last year with data; on a tie the package wins, because it is a
2026 snapshot while the API batch is the 2024-03-28 release.  The losing series is not mixed in.

**Placeholder zeros**: WDI gives exactly 0 t CO2 per capita for TUV, NRU and FSM in every year.
For the CO2 series in :data:`PLACEHOLDER_ZERO_CODES`, a country whose whole series is 0 is treated
as missing (its rows are removed) and a note is added to the result.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from marc.data.countries import iso3_from_codes
from marc.data.readers.base import ReaderResult, finish, long_from_wide, numeric, require

PKG = "wb_wdi_datasets_pkg"
API = "wb_wdi_api_csv"
PLACEHOLDER_ZERO_CODES = frozenset({"EN.GHG.CO2.PC.CE.AR5", "EN.ATM.CO2E.PC", "EN.ATM.CO2E.KT"})
_API_NAME = re.compile(r"^API_(.+?)_DS2_", re.IGNORECASE)


def _drop_placeholder_zeros(panel: pd.DataFrame, notes: list[str], source: str) -> pd.DataFrame:
    mask = pd.Series(False, index=panel.index)
    for code in PLACEHOLDER_ZERO_CODES:
        var = f"wdi/{code}"
        rows = panel["variable"] == var
        if not rows.any():
            continue
        all_zero = panel[rows].groupby("unit")["value"].agg(lambda v: bool((v == 0).all()))
        zero_units = sorted(all_zero[all_zero].index)
        if zero_units:
            mask |= rows & panel["unit"].isin(zero_units)
            notes.append(f"{source}: {var} is exactly 0 in every year for {', '.join(zero_units)}; "
                         "treated as missing (placeholder, not a measurement)")
    return panel[~mask].reset_index(drop=True)


def read_package(folder: Path) -> ReaderResult:
    """``indicators/<code>/data.csv`` (the mirror's long layout) or, where a series was downloaded from
    the World Bank API by ``marc pull``, ``indicators/<code>/API_<CODE>_DS2_*.csv`` (the wide layout)."""
    result = ReaderResult(PKG)
    frames = []
    folders = sorted(p for p in require(folder, PKG, "indicators/*") if p.is_dir())
    for series in folders:
        if (series / "data.csv").exists():
            continue
        official = sorted(series.glob("API_*.csv"))
        if not official:
            from marc.core.errors import MarcError
            raise MarcError.single(PKG, "source-files-missing",
                                   f"{series.relative_to(folder)}: neither data.csv nor API_*.csv; run `marc pull --force {PKG}`")
        where = str(official[0].relative_to(folder))
        code, release, raw, header_line = _read_api_file(official[0], folder)
        raw["_row"] = [str(header_line + 1 + i) for i in range(len(raw))]
        res = iso3_from_codes(raw["Country Code"].tolist(), f"{PKG}/{where}", raw["_row"].tolist())
        result.unmatched.extend(res.unmatched)
        result.aggregates.extend(res.aggregates)
        raw["unit"] = res.iso3
        frames.append(long_from_wide(raw[raw["unit"].notna()], "unit", f"wdi/{code}", PKG, where))
        result.notes.append(f"{PKG}: {where} -> wdi/{code} (official download, release {release or 'not stated'})")
    for path in sorted(p / "data.csv" for p in folders if (p / "data.csv").exists()):
        code = path.parent.name.upper()
        where = str(path.relative_to(folder))
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        missing = {"Country Code", "Year", "Value"} - set(raw.columns)
        if missing:
            from marc.core.errors import MarcError
            raise MarcError.single(PKG, "wdi-columns", f"{where}: missing column(s) {sorted(missing)}")
        rows = [str(i + 2) for i in range(len(raw))]  # line numbers in the CSV (header is line 1)
        res = iso3_from_codes(raw["Country Code"].tolist(), f"{PKG}/{where}", rows)
        result.unmatched.extend(res.unmatched)
        result.aggregates.extend(res.aggregates)
        keep = pd.Series([u is not None for u in res.iso3])
        value = numeric(raw["Value"], PKG, where, rows=rows)
        year = numeric(raw["Year"], PKG, where, rows=rows)
        frame = pd.DataFrame({"unit": res.iso3, "year": year, "variable": f"wdi/{code}", "value": value})[keep.to_numpy()]
        frames.append(frame.dropna(subset=["value"]))
    panel = finish(frames, PKG)
    result.panel = _drop_placeholder_zeros(panel, result.notes, PKG)
    result.aggregates = sorted(set(result.aggregates))
    return result


def _read_api_file(path: Path, folder: Path) -> tuple[str, str | None, pd.DataFrame, int]:
    """(code, release date, raw table, line number of the header) for one API_*.csv."""
    text = path.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    header_at = next((i for i, line in enumerate(lines[:10]) if line.lstrip('"').startswith("Country Name")), None)
    if header_at is None:
        from marc.core.errors import MarcError
        raise MarcError.single(API, "wdi-header", f"{path.relative_to(folder)}: no 'Country Name' header in the first 10 lines")
    release = None
    for line in lines[:header_at]:
        cells = next(csv.reader([line]), [])
        if cells and cells[0].strip() == "Last Updated Date" and len(cells) > 1:
            release = cells[1].strip()
    raw = pd.read_csv(io.StringIO("\n".join(lines[header_at:])), dtype=str, keep_default_na=False)
    raw = raw.loc[:, [c for c in raw.columns if not str(c).startswith("Unnamed")]]
    if "Indicator Code" in raw.columns and raw["Indicator Code"].str.strip().ne("").any():
        code = raw["Indicator Code"].str.strip().replace("", pd.NA).dropna().iloc[0]
    else:
        match = _API_NAME.match(path.name)
        code = match.group(1) if match else path.stem
    return code.upper(), release, raw, header_at + 1


def read_api(folder: Path) -> ReaderResult:
    """``**/API_<CODE>_DS2_*.csv`` (wide layout, with or without the preamble)."""
    result = ReaderResult(API)
    frames = []
    for path in require(folder, API, "**/API_*.csv"):
        if path.name.startswith("Metadata_"):
            continue
        where = str(path.relative_to(folder))
        code, release, raw, header_line = _read_api_file(path, folder)
        raw["_row"] = [str(header_line + 1 + i) for i in range(len(raw))]
        res = iso3_from_codes(raw["Country Code"].tolist(), f"{API}/{where}", raw["_row"].tolist())
        result.unmatched.extend(res.unmatched)
        result.aggregates.extend(res.aggregates)
        raw["unit"] = res.iso3
        raw = raw[raw["unit"].notna()]
        frames.append(long_from_wide(raw, "unit", f"wdi/{code}", API, where))
        result.notes.append(f"{API}: {where} -> wdi/{code} (release {release or 'not stated in the file'})")
    panel = finish(frames, API)
    result.panel = _drop_placeholder_zeros(panel, result.notes, API)
    result.aggregates = sorted(set(result.aggregates))
    return result


def resolve_overlap(package: ReaderResult, api: ReaderResult) -> list[str]:
    """Keep one release per code present in both results (in place); returns notes saying which.

    The series whose last year with data is later wins; on a tie the datasets package (2026
    snapshot) wins over the 2024-03-28 API batch.
    """
    notes: list[str] = []
    common = set(package.panel["variable"]) & set(api.panel["variable"])
    drop_pkg, drop_api = set(), set()
    for var in sorted(common):
        last_pkg = int(package.panel.loc[package.panel["variable"] == var, "year"].max())
        last_api = int(api.panel.loc[api.panel["variable"] == var, "year"].max())
        if last_api > last_pkg:
            drop_pkg.add(var)
            notes.append(f"{var}: in both WDI layouts; kept {API} (data to {last_api}) over {PKG} (to {last_pkg})")
        else:
            drop_api.add(var)
            notes.append(f"{var}: in both WDI layouts; kept {PKG} (data to {last_pkg}) over {API} (to {last_api})")
    package.panel = package.panel[~package.panel["variable"].isin(drop_pkg)].reset_index(drop=True)
    api.panel = api.panel[~api.panel["variable"].isin(drop_api)].reset_index(drop=True)
    package.notes.extend(notes)
    return notes
