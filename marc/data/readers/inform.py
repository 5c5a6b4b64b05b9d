"""INFORM Risk 2025 (JRC) and the INFORM Climate Change 2022 brochure table.

**INFORM Risk 2025** (``inform_risk``): every numeric component column of the main sheet
"INFORM Risk 2025 (a-z)" becomes ``inform/<snake_case>`` (``INFORM RISK`` -> ``inform/risk``,
``HAZARD & EXPOSURE`` -> ``inform/hazard_exposure``, ``River Flood`` -> ``inform/river_flood``,
``LACK OF COPING CAPACITY`` -> ``inform/lack_of_coping_capacity``, ``Access to health care`` ->
``inform/access_to_health_care`` ...), plus ``inform/lack_of_reliability``.  Rank, risk class and
the missing-data counters are not variables.  Scores are 0-10 and **higher is worse for every
column**: the Lack of Coping Capacity components (institutional, drr, governance, infrastructure,
communication, physical_infrastructure, access_to_health_care) measure *lack* of capacity.
``inform/governance`` contains WGI government effectiveness; do not count it with WGI.

Year: **2024**.  INFORM Risk 2025 is computed from data up to 2024 (the "Survey Year" row of the
"Indicator Data" sheet), so it is dated 2024 for editions.  ``"x"`` cells (not applicable) are
missing.  The sheet holds Excel formulas; their cached values are read (``data_only``), and a
formula string in a cell is an error.

**INFORM Climate Change** (``inform_climate_change``): the brochure's "Selected Results" table,
country names only (mapped to ISO3) under a 5-row header.  Year **2022** (the baseline year), also
for the 2050/2080 projections, which are scenario values published in 2022:

* ``informcc/risk``: INFORM CC Risk Index 2022 (baseline);
* ``informcc/risk_<2050|2080>_<pessimistic|optimistic>``: projected risk index;
* ``informcc/risk_change_<...>``: projected risk minus baseline;
* ``informcc/vulnerability_gap_<...>``: INFORM's "vulnerability gap" for that scenario;
* ``informcc/<flood|coastal_flood|drought|epidemic>_he_change_2050_pessimistic``: change in the
  hazard & exposure score; ``..._exposed_change_2050_<pessimistic|optimistic>``: change in the
  absolute number of people exposed; ``informcc/conflict_he_change_2050_<...>``: change in human
  (conflict) hazard & exposure;
* ``informcc/population_baseline``, ``informcc/population_2050_<...>``: millions.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from marc.core.errors import MarcError
from marc.data.countries import iso3_from_codes, iso3_from_names
from marc.data.readers.base import ReaderResult, finish, numeric, require, sheet_rows

RISK = "inform_risk"
CC = "inform_climate_change"
RISK_SHEET = "INFORM Risk 2025 (a-z)"
RISK_YEAR = 2024
CC_YEAR = 2022
_NOT_VARIABLES = {"COUNTRY", "ISO3", "RISK CLASS", "Rank", "Number of Missing Indicators",
                  "% of Missing Indicators", "Countries in HVC", "Recentness data (average years)"}
_RENAME = {"INFORM RISK": "risk", "Lack of Reliability (*)": "lack_of_reliability"}


def snake(label: str) -> str:
    """``"HAZARD & EXPOSURE"`` -> ``"hazard_exposure"``."""
    return re.sub(r"[^a-z0-9]+", "_", label.lower().replace("&", " ")).strip("_")


def _sheet_rows(path: Path, sheet: str | None, source: str) -> tuple[str, list[tuple]]:
    """:func:`~marc.data.readers.base.sheet_rows`, refusing a formula cell without a cached value."""
    sheet, rows = sheet_rows(path, sheet, source)
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            if isinstance(cell, str) and cell.startswith("="):
                raise MarcError.single(source, "formula-cell", f"{path.name} {sheet!r} row {i + 1} column {j + 1}: "
                                       f"formula {cell[:40]!r} without a cached value; open and re-save it in Excel")
    return sheet, rows


def read_risk(folder: Path) -> ReaderResult:
    path = require(folder, RISK, "inform_risk_*.xlsx")[-1]
    _, rows = _sheet_rows(path, RISK_SHEET, RISK)
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    if "ISO3" not in header:
        raise MarcError.single(RISK, "inform-header", f"{path.name} {RISK_SHEET!r}: no ISO3 column in row 1")
    table = pd.DataFrame(rows[1:], columns=header, dtype=object)
    table["_row"] = [str(i + 2) for i in range(len(table))]
    table = table[table["ISO3"].notna()]
    res = iso3_from_codes(table["ISO3"].tolist(), f"{RISK}/{path.name}", table["_row"].tolist())
    keep = pd.Series([u is not None for u in res.iso3]).to_numpy()
    frames = []
    for column in header:
        if not column or column in _NOT_VARIABLES or column == "_row":
            continue
        value = numeric(table[column], RISK, f"{path.name} {RISK_SHEET!r} column {column!r}", rows=table["_row"].tolist())
        name = _RENAME.get(column) or snake(column)
        frames.append(pd.DataFrame({"unit": res.iso3, "year": RISK_YEAR, "variable": f"inform/{name}",
                                    "value": value.to_numpy()})[keep])
    return ReaderResult(RISK, finish(frames, RISK), res.unmatched, res.aggregates,
                        [f"{RISK}: {path.name} dated {RISK_YEAR} (INFORM Risk 2025 is built on data to {RISK_YEAR})"])


_SCEN = [(y, s) for y in (2050, 2080) for s in ("pessimistic", "optimistic")]
CC_COLUMNS: list[str] = (
    ["risk"]
    + [f"{kind}_{y}_{s}" for y, s in _SCEN for kind in ("risk", "risk_change", "vulnerability_gap")]
    + [c for h in ("flood", "coastal_flood", "drought", "epidemic")
       for c in (f"{h}_he_change_2050_pessimistic", f"{h}_exposed_change_2050_pessimistic",
                 f"{h}_exposed_change_2050_optimistic")]
    + ["conflict_he_change_2050_pessimistic", "conflict_he_change_2050_optimistic",
       "population_baseline", "population_2050_pessimistic", "population_2050_optimistic"]
)
#: Expected labels in the last header row (row 5), checked so a changed layout fails loudly.
_CC_LABELS = {1: "INFORM CC Risk Index 2022", 2: "INFORM CC Risk Index", 3: "Change in risk", 4: "Vulnerability gap",
              14: "Change in Hazard & Exposure", 15: "Change in absolute number of people exposed",
              26: "Change in Human Hazard & Exposure", 28: "Total population Baseline (millions)"}


def read_climate_change(folder: Path) -> ReaderResult:
    path = require(folder, CC, "*.xlsx")[0]
    sheet, rows = _sheet_rows(path, None, CC)  # the first sheet
    header_at = next((i for i, r in enumerate(rows[:10]) if r and str(r[0]).strip() == "Country"), None)
    if header_at is None:
        raise MarcError.single(CC, "informcc-header", f"{path.name} {sheet!r}: no 'Country' header row in the first 10 rows")
    labels = rows[header_at]
    for j, expected in _CC_LABELS.items():
        if j >= len(labels) or str(labels[j]).strip() != expected:
            raise MarcError.single(CC, "informcc-header", f"{path.name} {sheet!r} row {header_at + 1} column {j + 1}: "
                                   f"expected {expected!r}, found {labels[j] if j < len(labels) else None!r}")
    body = [r for r in rows[header_at + 1:]]
    table = pd.DataFrame([list(r[: len(CC_COLUMNS) + 1]) for r in body], columns=["country", *CC_COLUMNS], dtype=object)
    table["_row"] = [str(header_at + 2 + i) for i in range(len(table))]
    table = table[table["country"].notna() & (table["country"].astype(str).str.strip() != "")]
    res = iso3_from_names(table["country"].tolist(), f"{CC}/{path.name}", table["_row"].tolist())
    keep = pd.Series([u is not None for u in res.iso3]).to_numpy()
    frames = []
    for column in CC_COLUMNS:
        value = numeric(table[column], CC, f"{path.name} column {column}", rows=table["_row"].tolist())
        frames.append(pd.DataFrame({"unit": res.iso3, "year": CC_YEAR, "variable": f"informcc/{column}",
                                    "value": value.to_numpy()})[keep])
    return ReaderResult(CC, finish(frames, CC), res.unmatched, res.aggregates,
                        [f"{CC}: baseline and projections dated {CC_YEAR} (year of the baseline)"])
