"""UNFCCC NDC registry (openclimatedata/ndcs) and Paris Agreement status (UN Treaty Collection).

**NDC registry** (``unfccc_ndc_registry``, ``data/ndcs.csv``): documents with ``fileType == "NDC"``
(active and archived: an archived NDC was still submitted).  Each document gets a generation:

* 3 (NDC 3.0, the 2025 round with 2035 targets): the title says "3.0", "third" or "2035", or the
  document was submitted from :data:`NDC3_FROM` (2024-10-01) on as a new round (no registry
  ``version``) rather than as a numbered update of an earlier document;
* 2 (updated or second NDC): the title says second / updated / update / revised / interim / 2nd,
  or it is a later registry version of a country's NDC submitted from 2020 on (the update round);
* 1 otherwise (first NDC).

``ndc/latest_generation`` is the highest generation submitted by the end of each year (0 before a
Party's first submission), and ``ndc/ndc3_submitted`` is 1 once an NDC 3.0 was submitted; both for
2016 .. last submission year, for every Party in the registry.  ``EUU`` (the EU) is an aggregate
and is dropped; member states have their own rows.

**Paris Agreement** (``paris_agreement_status``): ``paris/ratified`` = 1 from the year of
ratification / acceptance / approval / accession, 0 before, 2016 .. the snapshot year (2023: the
file is a 2023-02 snapshot, so the 2025 US withdrawal is not reflected).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from marc.countries import iso3_from_codes
from marc.errors import MarcError
from marc.readers.base import ReaderResult, finish, require

NDC = "unfccc_ndc_registry"
PARIS = "paris_agreement_status"
NDC3_FROM = pd.Timestamp("2024-10-01")
FIRST_YEAR = 2016
PARIS_SNAPSHOT_YEAR = 2023
_GEN3 = re.compile(r"3\.0|\bthird\b|2035", re.IGNORECASE)
_GEN2 = re.compile(r"\bsecond\b|\bupdated?\b|\brevised\b|\binterim\b|\b2nd\b", re.IGNORECASE)


def generation(title: str, version: float | None, submitted: pd.Timestamp) -> int:
    """The NDC generation of one registry document (see the module docstring)."""
    if _GEN3.search(title) or (submitted >= NDC3_FROM and (version is None or pd.isna(version))):
        return 3
    if _GEN2.search(title) or (submitted >= pd.Timestamp("2020-01-01") and version is not None
                               and not pd.isna(version) and version > 1):
        return 2
    return 1


def _dates(values: pd.Series, rows: list[str], where: str, source: str) -> pd.Series:
    parsed = pd.to_datetime(values.replace("", None), format="%Y-%m-%d", errors="coerce")
    bad = parsed.isna() & values.ne("")
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise MarcError.single(source, "bad-date", f"{where} row {rows[i]}: date {values.iloc[i]!r} is not YYYY-MM-DD")
    return parsed


def read_ndc(folder: Path) -> ReaderResult:
    path = require(folder, NDC, "data/ndcs.csv")[0]
    where = "data/ndcs.csv"
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    if missing := {"code", "title", "fileType", "version", "submissionDate"} - set(raw.columns):
        raise MarcError.single(NDC, "ndc-columns", f"{where}: missing column(s) {sorted(missing)}")
    raw["_row"] = [str(i + 2) for i in range(len(raw))]
    docs = raw[raw["fileType"].str.strip() == "NDC"].copy()
    res = iso3_from_codes(docs["code"].tolist(), f"{NDC}/{where}", docs["_row"].tolist())
    docs["unit"] = res.iso3
    docs = docs[docs["unit"].notna()]
    docs["date"] = _dates(docs["submissionDate"], docs["_row"].tolist(), where, NDC)
    docs = docs[docs["date"].notna()]
    version = pd.to_numeric(docs["version"], errors="coerce")
    docs["gen"] = [generation(t, v, d) for t, v, d in zip(docs["title"], version, docs["date"])]
    docs["year"] = docs["date"].dt.year
    last = max(int(docs["year"].max()), FIRST_YEAR)
    rows = []
    for unit, group in docs.groupby("unit"):
        for year in range(FIRST_YEAR, last + 1):
            upto = group.loc[group["year"] <= year, "gen"]
            latest = float(upto.max()) if len(upto) else 0.0
            rows.append((unit, year, "ndc/latest_generation", latest))
            rows.append((unit, year, "ndc/ndc3_submitted", float(latest >= 3)))
    panel = finish([pd.DataFrame(rows, columns=["unit", "year", "variable", "value"])], NDC)
    return ReaderResult(NDC, panel, res.unmatched, res.aggregates,
                        [f"{NDC}: NDC generations by end of year, {FIRST_YEAR}-{last}"])


def read_paris(folder: Path) -> ReaderResult:
    path = require(folder, PARIS, "data/paris-agreement-entry-into-force.csv")[0]
    where = "data/paris-agreement-entry-into-force.csv"
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    if missing := {"Code", "Ratification"} - set(raw.columns):
        raise MarcError.single(PARIS, "paris-columns", f"{where}: missing column(s) {sorted(missing)}")
    raw["_row"] = [str(i + 2) for i in range(len(raw))]
    res = iso3_from_codes(raw["Code"].tolist(), f"{PARIS}/{where}", raw["_row"].tolist())
    raw["unit"] = res.iso3
    raw = raw[raw["unit"].notna()]
    ratified = _dates(raw["Ratification"], raw["_row"].tolist(), where, PARIS).dt.year
    rows = [(u, y, "paris/ratified", float(pd.notna(r) and r <= y))
            for u, r in zip(raw["unit"], ratified) for y in range(FIRST_YEAR, PARIS_SNAPSHOT_YEAR + 1)]
    panel = finish([pd.DataFrame(rows, columns=["unit", "year", "variable", "value"])], PARIS)
    return ReaderResult(PARIS, panel, res.unmatched, res.aggregates,
                        [f"{PARIS}: status as of the 2023-02 snapshot, emitted {FIRST_YEAR}-{PARIS_SNAPSHOT_YEAR}"])
