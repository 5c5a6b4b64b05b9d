"""SIPRI Military Expenditure Database, sheet "Share of GDP" (context only, never a score).

A human-oriented layout: title lines, a header row starting with ``Country``, region and
subregion header rows inside the country list (rows with no values), country names only (with
footnote symbols), ``". ."`` / ``"..."`` for missing data and ``"xxx"`` for a state that did not exist.
Names are mapped to ISO3 (historical states such as the USSR, Yugoslavia and the German DR are
reported as unmatched, not merged into successors).

``sipri/milex_gdp``: military expenditure as a **percentage** of GDP (the sheet stores a fraction,
0.0169; it is multiplied by 100 to match WDI's MS.MIL.XPND.GD.ZS).  Estimates (blue) and highly
uncertain figures (red) are marked only by cell colour in the workbook and are not distinguished.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from marc.core.errors import MarcError
from marc.data.countries import iso3_from_names
from marc.data.readers.base import ReaderResult, finish, long_from_wide, numeric, require, sheet_rows

SOURCE = "sipri_milex"
SHEET = "Share of GDP"


def read(folder: Path) -> ReaderResult:
    path = require(folder, SOURCE, "SIPRI-Milex-data-*.xlsx")[-1]
    _, rows = sheet_rows(path, SHEET, SOURCE)
    header_at = next((i for i, r in enumerate(rows[:20]) if r and str(r[0]).strip() == "Country"), None)
    if header_at is None:
        raise MarcError.single(SOURCE, "sipri-header", f"{path.name} {SHEET!r}: no 'Country' header row")
    header = ["country", "notes", *[str(h) if h is not None else f"_{j}" for j, h in enumerate(rows[header_at][2:])]]
    table = pd.DataFrame([list(r) + [None] * (len(header) - len(r)) for r in rows[header_at + 1:]],
                         columns=header, dtype=object)
    table["_row"] = [str(header_at + 2 + i) for i in range(len(table))]
    year_cols = [c for c in header[2:] if not c.startswith("_")]
    has_values = table[year_cols].notna().any(axis=1)
    table = table[table["country"].notna() & has_values]  # region headers and blank rows carry no values
    res = iso3_from_names(table["country"].astype(str).tolist(), f"{SOURCE}/{path.name}", table["_row"].tolist())
    table = table.assign(unit=res.iso3)
    table = table[table["unit"].notna()]
    long = long_from_wide(table[["unit", "_row", *year_cols]], "unit", "sipri/milex_gdp", SOURCE, f"{path.name} {SHEET!r}")
    long["value"] = numeric(long["value"], SOURCE, path.name) * 100.0
    return ReaderResult(SOURCE, finish([long], SOURCE), res.unmatched, res.aggregates,
                        [f"{SOURCE}: {SHEET!r} fractions converted to percent of GDP"])
