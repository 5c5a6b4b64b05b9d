"""Context flags: facts about a unit that are shown, filtered on and cited, but never scored.

They are declared in ``index.yaml`` under ``context:``, each either a ``column`` of the country
table (region, income group, LDC, SIDS, non-Annex I …) or a panel ``source`` variable (UCDP
conflict, UN peace operations, military expenditure, GCF activity).  For an edition *Y*, a panel
flag takes the unit's latest value dated at or before *Y* (never a later one), with its year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from marc.method.loader import Framework


def context_table(fw: Framework, panel: pd.DataFrame, countries: pd.DataFrame | None, years: list[int]) -> pd.DataFrame:
    """One row per unit and edition with a column per declared flag (and ``<flag>_year`` for panel flags)."""
    units = sorted(countries["unit"]) if countries is not None else sorted(panel["unit"].unique())
    grid = pd.DataFrame([(str(u), int(y)) for y in years for u in units], columns=["unit", "year"]).astype({"unit": object})
    out = grid.copy()
    by_unit = countries.set_index("unit") if countries is not None else pd.DataFrame(index=units)
    for flag in fw.context:
        if flag.column is not None:
            out[flag.id] = grid["unit"].map(by_unit[flag.column]) if flag.column in by_unit.columns else np.nan
            continue
        rows = panel.loc[panel["variable"] == flag.source, ["unit", "year", "value"]].astype({"unit": object, "year": "int64"})
        if rows.empty:
            out[flag.id], out[f"{flag.id}_year"] = np.nan, np.nan
            continue
        rows = rows.assign(data_year=rows["year"]).sort_values("year")
        merged = pd.merge_asof(grid.assign(_row=np.arange(len(grid))).astype({"year": "int64"}).sort_values("year"),
                               rows, on="year", by="unit", direction="backward").sort_values("_row")
        out[flag.id] = merged["value"].to_numpy()
        out[f"{flag.id}_year"] = merged["data_year"].to_numpy()
    return out


#: the words of each dated flag: catalogue key (marc/core/locales/<lang>/LC_MESSAGES/marc.po)
DATED_FLAGS = {"conflict_affected": "flag_conflict_dated", "transition": "flag_transition_dated"}


def flag_label(flag: str, data_year: float | int | None, lang: str = "en") -> str:
    """A context flag in words with the year of its data: "conflict-affected (UCDP, 2022)".  Without a
    data year the words say so ("year unknown"); a flag is never presented as current by omission."""
    from marc.core.i18n import t

    year = t("flag_year_unknown", lang) if data_year is None or pd.isna(data_year) else str(int(data_year))
    return t(DATED_FLAGS[flag], lang, year=year)
