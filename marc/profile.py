"""The facts of a country profile, ready to show: every context flag with its data year, strengths
and weaknesses relative to the median (with units), and readable indicator and gap tables.

Plain functions over :meth:`marc.project.Outcome.table` rows and the tidy results (no Streamlit).
Missing values are empty strings or NaN shown as blanks, never the text "None".
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from marc.loader import Framework
from marc.project import Outcome

#: the hazard-derived context flags (booleans in the table) and the panel flag dating each
DERIVED_FLAGS = {"conflict_affected": ("Conflict-affected (UCDP/PRIO, recent years)", "conflict_affected_year"),
                 "transition": ("In transition after a UN peace operation", "transition_year")}


def _is_true(value: object) -> bool:
    """True for Python, numpy and pandas booleans and for non-zero numbers (never for NA)."""
    if value is None or value is pd.NA:
        return False
    if isinstance(value, (float, np.floating)) and math.isnan(value):
        return False
    return bool(value)


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, (float, np.floating)) and math.isnan(value))


def fmt_value(value: object, unit: str | None = None, digits: int = 3) -> str:
    """``12.3 %``, ``0.412 index 0-1``, ``1 (0/1)``; blank when missing."""
    if _missing(value):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    x = float(value)
    text = f"{x:,.0f}" if abs(x) >= 1000 or x == int(x) else f"{x:.{digits}g}"
    unit = (unit or "").strip()
    if not unit:
        return text
    if unit.startswith("%"):
        return f"{text}{unit}" if unit == "%" else f"{text} {unit}"
    return f"{text} ({unit})" if " " in unit or "/" in unit else f"{text} {unit}"


def context_flags(fw: Framework, row: pd.Series) -> pd.DataFrame:
    """``flag, value, data_year`` for every context flag declared in the framework and the hazard
    flags (conflict-affected, transition), from one row of the wide table (a unit and an edition).
    Yes/no flags that are false are listed too (so their absence is visible)."""
    rows = []
    for flag_id, (label, year_col) in DERIVED_FLAGS.items():
        if flag_id in row.index and not _missing(row[flag_id]):
            year = row.get(year_col)
            rows.append({"flag": label, "value": "yes" if _is_true(row[flag_id]) else "no",
                         "data_year": "" if _missing(year) else str(int(year))})
    for flag in fw.context:
        if flag.id not in row.index:
            continue
        value = row[flag.id]
        year = row.get(f"{flag.id}_year")
        if isinstance(value, (bool, np.bool_)) or (flag.column is not None and flag.id in ("ldc", "sids", "non_annex_i", "lldc")):
            text = "" if _missing(value) else ("yes" if _is_true(value) else "no")
        else:
            text = str(value) if isinstance(value, str) else fmt_value(value)
        rows.append({"flag": flag.name, "value": text, "data_year": "" if _missing(year) else str(int(year))})
    return pd.DataFrame(rows, columns=["flag", "value", "data_year"])


def coverage_words(row: pd.Series) -> str:
    """"Data cover 72% of the intended method. Security-sector evidence: 3 of 9 indicators (26% of their weight)."
    from one row of the wide table (issue 10's intended and security-sector coverage)."""
    parts = []
    if not _missing(row.get("coverage_intended")):
        parts.append(f"Data cover {100 * float(row['coverage_intended']):.0f}% of the intended method.")
    if not _missing(row.get("security_total")) and float(row["security_total"]) > 0:
        share = "" if _missing(row.get("security_coverage")) else f" ({100 * float(row['security_coverage']):.0f}% of their weight)"
        parts.append(f"Security-sector evidence: {int(row['security_observed'])} of {int(row['security_total'])} "
                     f"indicators{share}.")
    return " ".join(parts)


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def active_flags(fw: Framework, row: pd.Series) -> list[str]:
    """Labels of the yes/no flags that are true for the row (for a one-line summary)."""
    from marc.context import flag_label  # "conflict-affected (UCDP, 2022)": never an old flag as current

    out = [_first_upper(flag_label(flag_id, row.get(year_col))) for flag_id, (_, year_col) in DERIVED_FLAGS.items()
           if flag_id in row.index and _is_true(row[flag_id])]
    for flag in fw.context:
        if flag.id in row.index and isinstance(row[flag.id], (bool, np.bool_)) and _is_true(row[flag.id]):
            out.append(flag.name)
    return out


def strengths_weaknesses(outcome: Outcome, unit: str, year: int, n: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Up to *n* indicators where the unit's score is above the median of all units that edition
    (strengths, largest margin first) and up to *n* below it (weaknesses): ``Indicator, Value,
    Score, Median score, Difference`` with the raw value formatted with its unit."""
    ind = outcome.results.indicators
    y = ind[(ind["year"] == year) & ind["score"].notna()]
    med = y.groupby("indicator")["score"].median()
    me = y[y["unit"] == unit].copy()
    me["median"] = me["indicator"].map(med)
    me["diff"] = me["score"] - me["median"]
    names = {i.id: i.name for i in outcome.framework.indicators}
    me["Indicator"] = me["indicator"].map(names)
    me["Value"] = [fmt_value(v, u) for v, u in zip(me["raw_value"], me["measure_unit"])]
    out = me.rename(columns={"score": "Score", "median": "Median score", "diff": "Difference"})
    cols = ["Indicator", "Value", "Score", "Median score", "Difference"]
    best = out[out["Difference"] > 0].sort_values(["Difference", "indicator"], ascending=[False, True]).head(n)
    worst = out[out["Difference"] < 0].sort_values(["Difference", "indicator"], ascending=[True, True]).head(n)
    return best[cols].reset_index(drop=True), worst[cols].reset_index(drop=True)


INDICATOR_COLUMNS = {"name": "Indicator", "pillar": "Pillar", "value": "Value", "data_year": "Data year", "score": "Score",
                     "flags": "Flags", "weight": "Weight", "source": "Source", "link": "Source link", "citation": "Citation"}


def indicator_rows(table: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """``views.indicator_table`` with readable column names, the raw value formatted with its unit,
    the pillar by name and no ``None``."""
    t = table.copy()
    names = {c.id: c.name for c in fw.components.values()}
    t["pillar"] = t["parent"].map(names).fillna(t["parent"])
    t["value"] = [fmt_value(v, u) for v, u in zip(t["raw_value"], t.get("measure_unit", pd.Series("", index=t.index)))]
    for col in ("flags", "source", "citation", "link"):
        if col in t.columns:
            t[col] = t[col].astype(object).where(t[col].notna(), "")
    t["source"] = t["source"].replace({"": "not recorded"}) if "source" in t.columns else ""
    t["score"] = ["" if _missing(v) else f"{float(v):.1f}" for v in t["score"]]  # text: a blank, never "None"
    t["data_year"] = ["" if _missing(v) else str(int(v)) for v in t["data_year"]]
    keep = [c for c in INDICATOR_COLUMNS if c in t.columns]
    return t[keep].rename(columns=INDICATOR_COLUMNS)


def gap_rows(gaps: pd.DataFrame) -> pd.DataFrame:
    """``views.data_gaps`` with readable names and blank (not "None") data years."""
    t = gaps.rename(columns={"name": "Indicator", "status": "Status", "data_year": "Data year"})
    t["Data year"] = [("" if _missing(v) else str(int(v))) for v in t["Data year"]]
    return t[["Indicator", "Status", "Data year"]]
