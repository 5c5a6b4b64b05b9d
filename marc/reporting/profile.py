"""The facts of a country profile, ready to show: every context flag with its data year, strengths
and weaknesses relative to the median (with units), and readable indicator and gap tables.

Plain functions over :meth:`marc.pipeline.project.Outcome.table` rows and the tidy results (no Streamlit).
Missing values are empty strings or NaN shown as blanks, never the text "None".
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from marc.core.i18n import fmt_number, t, tr
from marc.method.framework import name_in
from marc.method.loader import Framework
from marc.pipeline.project import Outcome

#: the hazard-derived context flags (booleans in the table) and the panel flag dating each
DERIVED_FLAGS = {"conflict_affected": ("Conflict-affected (UCDP/PRIO, recent years)", "conflict_affected_year"),
                 "transition": ("In transition after a UN peace operation", "transition_year")}
#: their names in the catalogues
DERIVED_KEYS = {"conflict_affected": "app_flag_conflict", "transition": "app_flag_transition"}
#: the words of the indicator flags and gap statuses (marc.reporting.views) and their catalogue keys, longest first
STATUS_KEYS = {"disputed value(s) excluded": "app_status_disputed", "unreviewed desk coding": "app_status_baseline",
               "approved evidence": "app_status_approved", "carried forward": "app_status_carried",
               "imputed": "app_status_imputed", "capped": "app_status_capped", "missing": "app_status_missing"}


def status_words(text: object, lang: str = "en") -> str:
    """Flag or status words of :mod:`marc.reporting.views` ("carried forward capped; …") in *lang*."""
    out = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text)
    if lang == "en":
        return out
    for words, key in STATUS_KEYS.items():
        out = out.replace(words, t(key, lang))
    return out


def _is_true(value: object) -> bool:
    """True for Python, numpy and pandas booleans and for non-zero numbers (never for NA)."""
    if value is None or value is pd.NA:
        return False
    if isinstance(value, (float, np.floating)) and math.isnan(value):
        return False
    return bool(value)


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, (float, np.floating)) and math.isnan(value))


def fmt_value(value: object, unit: str | None = None, digits: int = 3, lang: str = "en") -> str:
    """``12.3 %``, ``0.412 index 0-1``, ``1 (0/1)``; blank when missing; marks, words and units in *lang*."""
    if _missing(value):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return t("yes" if value else "no", lang)
    x = float(value)
    if lang == "en":
        text = f"{x:,.0f}" if abs(x) >= 1000 or x == int(x) else f"{x:.{digits}g}"
    elif abs(x) >= 1000 or x == int(x):
        text = fmt_number(x, lang, 0)
    else:
        text = f"{x:.{digits}g}"
        text = text if "e" in text else fmt_number(float(text), lang, len(text.split(".")[1]) if "." in text else 0)
    unit = tr((unit or "").strip(), lang, "unit") if lang != "en" else (unit or "").strip()
    if not unit:
        return text
    if unit.startswith("%"):
        if unit == "%":
            return f"{text}{unit}" if lang == "en" else f"{text}\u202f%"  # French: a narrow no-break space before %
        return f"{text} {unit}"
    return f"{text} ({unit})" if " " in unit or "/" in unit else f"{text} {unit}"


def context_flags(fw: Framework, row: pd.Series, lang: str = "en") -> pd.DataFrame:
    """``flag, value, data_year`` for every context flag declared in the framework and the hazard
    flags (conflict-affected, transition), from one row of the wide table (a unit and an edition).
    Yes/no flags that are false are listed too (so their absence is visible).  Words in *lang*."""
    rows = []
    yes, no = t("yes", lang), t("no", lang)
    for flag_id, (label, year_col) in DERIVED_FLAGS.items():
        if flag_id in row.index and not _missing(row[flag_id]):
            year = row.get(year_col)
            rows.append({"flag": label if lang == "en" else t(DERIVED_KEYS[flag_id], lang),
                         "value": yes if _is_true(row[flag_id]) else no,
                         "data_year": "" if _missing(year) else str(int(year))})
    for flag in fw.context:
        if flag.id not in row.index:
            continue
        value = row[flag.id]
        year = row.get(f"{flag.id}_year")
        if isinstance(value, (bool, np.bool_)) or (flag.column is not None and flag.id in ("ldc", "sids", "non_annex_i", "lldc")):
            text = "" if _missing(value) else (yes if _is_true(value) else no)
        elif isinstance(value, str):
            text = value if lang == "en" else tr(value, lang, "region" if flag.id == "region" else
                                                 "income" if flag.id == "income_group" else "term")
        else:
            text = fmt_value(value, lang=lang)
        rows.append({"flag": name_in(flag.name, lang), "value": text, "data_year": "" if _missing(year) else str(int(year))})
    return pd.DataFrame(rows, columns=["flag", "value", "data_year"])


def coverage_words(row: pd.Series, lang: str = "en") -> str:
    """"Data cover 72% of the intended method. Security-sector evidence: 3 of 9 indicators (26% of their weight)."
    from one row of the wide table (issue 10's intended and security-sector coverage), in *lang*."""
    parts = []
    if not _missing(row.get("coverage_intended")):
        parts.append(t("app_coverage_method", lang, pct=fmt_number(100 * float(row["coverage_intended"]), lang, 0)))
    if not _missing(row.get("security_total")) and float(row["security_total"]) > 0:
        share = "" if _missing(row.get("security_coverage")) else t(
            "app_coverage_share", lang, pct=fmt_number(100 * float(row["security_coverage"]), lang, 0))
        parts.append(t("app_coverage_security", lang, observed=int(row["security_observed"]),
                       total=int(row["security_total"]), share=share))
    return " ".join(parts)


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def active_flags(fw: Framework, row: pd.Series, lang: str = "en") -> list[str]:
    """Labels of the yes/no flags that are true for the row (for a one-line summary), in *lang*."""
    from marc.method.context import flag_label  # "conflict-affected (UCDP, 2022)": never an old flag as current

    out = [_first_upper(flag_label(flag_id, row.get(year_col), lang)) for flag_id, (_, year_col) in DERIVED_FLAGS.items()
           if flag_id in row.index and _is_true(row[flag_id])]
    for flag in fw.context:
        if flag.id in row.index and isinstance(row[flag.id], (bool, np.bool_)) and _is_true(row[flag.id]):
            out.append(name_in(flag.name, lang))
    return out


def strengths_weaknesses(outcome: Outcome, unit: str, year: int, n: int = 3,
                         lang: str = "en") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Up to *n* indicators where the unit's score is above the median of all units that edition
    (strengths, largest margin first) and up to *n* below it (weaknesses): ``Indicator, Value,
    Score, Median score, Difference`` with the raw value formatted with its unit (names, values and
    column headings in *lang*)."""
    ind = outcome.results.indicators
    y = ind[(ind["year"] == year) & ind["score"].notna()]
    med = y.groupby("indicator")["score"].median()
    me = y[y["unit"] == unit].copy()
    me["median"] = me["indicator"].map(med)
    me["diff"] = me["score"] - me["median"]
    names = {i.id: name_in(i.name, lang) for i in outcome.framework.indicators}
    me["Indicator"] = me["indicator"].map(names)
    me["Value"] = [fmt_value(v, u, lang=lang) for v, u in zip(me["raw_value"], me["measure_unit"])]
    out = me.rename(columns={"score": "Score", "median": "Median score", "diff": "Difference"})
    cols = ["Indicator", "Value", "Score", "Median score", "Difference"]
    best = out[out["Difference"] > 0].sort_values(["Difference", "indicator"], ascending=[False, True]).head(n)
    worst = out[out["Difference"] < 0].sort_values(["Difference", "indicator"], ascending=[True, True]).head(n)
    heads = dict(zip(cols, [t(k, lang) for k in ("app_col_indicator", "app_col_value", "app_col_score",
                                                   "app_col_median_score", "app_col_difference")]))
    return (best[cols].reset_index(drop=True).rename(columns=heads), worst[cols].reset_index(drop=True).rename(columns=heads))


INDICATOR_COLUMNS = {"name": "Indicator", "pillar": "Pillar", "value": "Value", "data_year": "Data year", "score": "Score",
                     "flags": "Flags", "weight": "Weight", "source": "Source", "link": "Source link", "citation": "Citation"}
#: their catalogue keys
INDICATOR_KEYS = {"name": "app_col_indicator", "pillar": "app_col_pillar", "value": "app_col_value",
                  "data_year": "app_col_data_year", "score": "app_col_score", "flags": "app_col_flags",
                  "weight": "app_col_weight", "source": "app_col_source", "link": "app_col_source_link",
                  "citation": "app_col_citation"}


def indicator_columns(lang: str = "en") -> dict[str, str]:
    """The column headings of :func:`indicator_rows` in *lang* (field -> heading)."""
    return {k: t(INDICATOR_KEYS[k], lang) for k in INDICATOR_COLUMNS}


def indicator_rows(table: pd.DataFrame, fw: Framework, lang: str = "en") -> pd.DataFrame:
    """``views.indicator_table`` with readable column names, the raw value formatted with its unit,
    the pillar by name and no ``None``; names, words, numbers and headings in *lang*."""
    t_ = table.copy()
    names = {c.id: name_in(c.name, lang) for c in fw.components.values()}
    if "indicator" in t_.columns:  # the YAML's name in *lang*
        t_["name"] = t_["indicator"].map({i.id: name_in(i.name, lang) for i in fw.indicators}).fillna(t_["name"])
    t_["pillar"] = t_["parent"].map(names).fillna(t_["parent"])
    t_["value"] = [fmt_value(v, u, lang=lang)
                   for v, u in zip(t_["raw_value"], t_.get("measure_unit", pd.Series("", index=t_.index)))]
    for col in ("flags", "source", "citation", "link"):
        if col in t_.columns:
            t_[col] = t_[col].astype(object).where(t_[col].notna(), "")
    if "flags" in t_.columns:
        t_["flags"] = t_["flags"].map(lambda x: status_words(x, lang))
    t_["source"] = t_["source"].replace({"": t("app_not_recorded", lang)}) if "source" in t_.columns else ""
    t_["score"] = ["" if _missing(v) else fmt_number(float(v), lang, 1) for v in t_["score"]]  # text: a blank, never "None"
    t_["data_year"] = ["" if _missing(v) else str(int(v)) for v in t_["data_year"]]
    keep = [c for c in INDICATOR_COLUMNS if c in t_.columns]
    return t_[keep].rename(columns=indicator_columns(lang))


def gap_rows(gaps: pd.DataFrame, lang: str = "en", fw: Framework | None = None) -> pd.DataFrame:
    """``views.data_gaps`` with readable names and blank (not "None") data years, in *lang* (the
    indicators' names from *fw*'s YAML)."""
    names = gaps["name"]
    if fw is not None and "indicator" in gaps.columns:
        names = gaps["indicator"].map({i.id: name_in(i.name, lang) for i in fw.indicators}).fillna(names)
    g = gaps.assign(name=names, status=gaps["status"].map(lambda x: status_words(x, lang)))
    heads = {"name": t("app_col_indicator", lang), "status": t("app_col_status", lang), "data_year": t("app_col_data_year", lang)}
    out = g.rename(columns=heads)
    out[heads["data_year"]] = [("" if _missing(v) else str(int(v))) for v in out[heads["data_year"]]]
    return out[list(heads.values())]
