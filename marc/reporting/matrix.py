"""The readiness–exposure matrix's data: each country's context group (for colour) and the notable
countries to label (the most extreme of each quadrant), from one edition of the wide table."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: context groups in priority order (a country in several takes the first), and the fallback
GROUPS = (("conflict_affected", "Conflict-affected"), ("transition", "In transition"),
          ("sids", "Small island developing state"), ("ldc", "Least developed country"))
OTHER = "Other"


def context_group(t: pd.DataFrame) -> pd.Series:
    """One label per row from the boolean context columns present in *t* (``Other`` when none)."""
    out = pd.Series(OTHER, index=t.index, dtype=object)
    for col, label in reversed(GROUPS):
        if col in t.columns:
            on = t[col].astype("boolean").fillna(False).to_numpy(dtype=bool)
            out[on] = label
    return out


def frame(table: pd.DataFrame, index_id: str, year: int) -> pd.DataFrame:
    """``unit, name, readiness, exposure, group, quadrant`` for one edition (units with both scores)."""
    t = table[table["year"] == year]
    out = pd.DataFrame({"unit": t["unit"].astype(str), "name": t["name"], "readiness": t[index_id].astype(float),
                        "exposure": t["exposure"].astype(float) if "exposure" in t.columns else np.nan,
                        "group": context_group(t),
                        "quadrant": t["quadrant"] if "quadrant" in t.columns else None})
    return out.dropna(subset=["readiness", "exposure"]).reset_index(drop=True)


def notable(f: pd.DataFrame, x_line: float, y_line: float, per_quadrant: int = 3) -> list[str]:
    """The units furthest from the quadrant lines in each quadrant (scaled distance), so the labels
    name the clearest cases: high exposure with low readiness first."""
    d = np.hypot((f["readiness"] - x_line) / 100.0, (f["exposure"] - y_line) / 100.0)
    q = np.where(f["exposure"] >= y_line, "H", "L") + np.where(f["readiness"] >= x_line, "H", "L")
    picked: list[str] = []
    for quad in ("HL", "HH", "LL", "LH"):
        sub = f.assign(d=d, q=q)
        sub = sub[sub["q"] == quad].sort_values(["d", "unit"], ascending=[False, True])
        picked += sub["unit"].head(per_quadrant).tolist()
    return picked
