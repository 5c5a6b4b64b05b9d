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
2016 .. last submission year, for every Party in the registry.

**Timeliness** (``ndc/months_late``): each NDC cycle has a due date (:data:`CYCLES`).  For every
cycle due by the end of year Y, the months from its due date to the Party's first submission of that
generation or a later one (negative = early), or, when nothing was submitted by the end of Y, the
months elapsed to the end of Y from the due date of the Party's earliest unsubmitted cycle (still
late, and growing: a Party that never sent its first NDC is not on time for the next); each capped at
:data:`MONTHS_CAP`.  ``ndc/months_late`` is their mean over the cycles due by then, so every edition
from 2016 grades the cycles of its own period and a new cycle adds one term to the record rather than
replacing it (continuity across editions).  ``ndc/months_late_cycle<k>`` give each cycle alone.
  ``EUU`` (the EU) is an aggregate
and is dropped; member states have their own rows.

**Paris Agreement** (``paris_agreement_status``): ``paris/ratified`` = 1 from the year of
ratification / acceptance / approval / accession, 0 before, 2016 .. the snapshot year (2023: the
file is a 2023-02 snapshot, so the 2025 US withdrawal is not reflected).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from marc.core.errors import MarcError
from marc.data.countries import iso3_from_codes
from marc.data.readers.base import ReaderResult, finish, require

NDC = "unfccc_ndc_registry"
PARIS = "paris_agreement_status"
NDC3_FROM = pd.Timestamp("2024-10-01")
FIRST_YEAR = 2016
PARIS_SNAPSHOT_YEAR = 2023
#: NDC cycles and their due dates.  1: the first NDC, due with the instrument of ratification (decision
#: 1/CP.21 para 22); the registry dates a first NDC at ratification, so it is graded against the Paris
#: Agreement's entry into force (4 November 2016).  2: the updated or new NDC, "by 2020" (decision 1/CP.21
#: paras 23-24); the secretariat's initial synthesis report took the NDCs submitted by the end of December
#: 2020.  3: NDC 3.0 with 2035 targets, due 10 February 2025 (9-12 months before COP30, decision 1/CP.21
#: para 25; "the official deadline", Devex, 10 Feb 2025).
CYCLES: dict[int, pd.Timestamp] = {1: pd.Timestamp("2016-11-04"), 2: pd.Timestamp("2020-12-31"),
                                   3: pd.Timestamp("2025-02-10")}
#: months late beyond which lateness says nothing more (a cycle missed for three years)
MONTHS_CAP = 36.0
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


def _months(a: pd.Timestamp, b: pd.Timestamp) -> float:
    """Months from *a* to *b* (negative when *b* is earlier), average month length."""
    return (b - a).days / 30.4375


def months_late(firsts: dict[int, pd.Timestamp], year: int) -> dict[int, float]:
    """Per cycle due by the end of *year*: months late (capped at MONTHS_CAP; negative = early).

    *firsts*: generation -> the Party's first submission of that generation or a later one.  A cycle
    still unsubmitted at the end of *year* counts from the due date of the Party's earliest unsubmitted
    cycle: a Party that never sent its first NDC is not "on time" for the next cycle the day it opens.
    """
    end = pd.Timestamp(f"{year}-12-31")
    out: dict[int, float] = {}
    overdue_since: pd.Timestamp | None = None
    for cycle, due in CYCLES.items():
        if due > end:
            continue
        sub = firsts.get(cycle)
        if sub is not None and sub <= end:
            late = _months(due, sub)
        else:
            overdue_since = due if overdue_since is None else overdue_since
            late = max(_months(overdue_since, end), 0.0)
        out[cycle] = min(late, MONTHS_CAP)
    return out


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
        # a later generation also answers an earlier cycle (a Party that skipped the update went straight on)
        firsts = {c: group.loc[group["gen"] >= c, "date"].min() for c in CYCLES}
        firsts = {c: d for c, d in firsts.items() if pd.notna(d)}
        for year in range(FIRST_YEAR, last + 1):
            upto = group.loc[group["year"] <= year, "gen"]
            latest = float(upto.max()) if len(upto) else 0.0
            rows.append((unit, year, "ndc/latest_generation", latest))
            rows.append((unit, year, "ndc/ndc3_submitted", float(latest >= 3)))
            late = months_late(firsts, year)
            if late:
                rows.append((unit, year, "ndc/months_late", float(sum(late.values()) / len(late))))
            for cycle, value in late.items():
                rows.append((unit, year, f"ndc/months_late_cycle{cycle}", value))
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
