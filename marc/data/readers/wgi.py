"""Worldwide Governance Indicators (World Bank), from the xlsx (authoritative, full precision).

The workbook is long: one row per country, year and indicator (``va pv ge rq rl cc``) with
``estimate`` (about -2.5 .. 2.5), ``stddev`` (its standard error), ``pctrank`` (0-100) and ``".."``
where there is no data.  The CSV beside it is rounded to 2 decimals and is not used.

Variables: ``wgi/<x>`` = estimate, ``wgi/<x>.se`` = standard error, ``wgi/<x>.pctrank`` = percentile
rank.  WGI is re-standardised every year: levels compare across countries within a year, not as
absolute trends.  Legacy codes (ZAR, ROM, TMP, KSV, WBG, ADO) are mapped to ISO3.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from marc.core.errors import MarcError
from marc.data.countries import iso3_from_codes
from marc.data.readers.base import ReaderResult, finish, numeric, require

SOURCE = "wb_wgi"
INDICATORS = ("va", "pv", "ge", "rq", "rl", "cc")
_MEASURES = {"estimate": "", "stddev": ".se", "pctrank": ".pctrank"}


def read(folder: Path) -> ReaderResult:
    path = require(folder, SOURCE, "*.xlsx")[0]
    where = path.name
    raw = pd.read_excel(path, sheet_name=0, dtype=object)
    needed = {"code", "year", "indicator", *_MEASURES}
    if missing := needed - set(raw.columns):
        raise MarcError.single(SOURCE, "wgi-columns", f"{where}: missing column(s) {sorted(missing)}")
    rows = [str(i + 2) for i in range(len(raw))]  # spreadsheet row numbers (header is row 1)
    unknown = ~raw["indicator"].astype(str).isin(INDICATORS)
    if unknown.any():
        i = int(unknown.to_numpy().nonzero()[0][0])
        raise MarcError.single(SOURCE, "wgi-indicator",
                               f"{where} row {rows[i]}: unknown indicator {raw['indicator'].iloc[i]!r}; expected {INDICATORS}")
    res = iso3_from_codes(raw["code"].tolist(), f"{SOURCE}/{where}", rows)
    year = numeric(raw["year"], SOURCE, where, rows=rows)
    frames = []
    keep = pd.Series([u is not None for u in res.iso3]).to_numpy()
    for column, suffix in _MEASURES.items():
        value = numeric(raw[column], SOURCE, f"{where} column {column}", rows=rows)
        frame = pd.DataFrame({"unit": res.iso3, "year": year,
                              "variable": "wgi/" + raw["indicator"].astype(str) + suffix, "value": value})
        frames.append(frame[keep].dropna(subset=["value"]))
    return ReaderResult(SOURCE, finish(frames, SOURCE), res.unmatched, res.aggregates)
