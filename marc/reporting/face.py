"""Face validity: what an expert sees first, in one report (``marc audit --face``).

* the top and bottom N units of the index, each pillar, governance, exposure and priority, with ranks
  by the one competition rule (:mod:`marc.scoring.ranking`) and how many units share the first rank;
* the largest year-on-year moves of the index over the computed editions from *first* to the last
  offered edition, each with its cause: which pillar or indicator moved, appeared or disappeared.  A move
  splits into a like-for-like part (the components present in both editions, at their weights) and a
  composition part (components that appeared or disappeared);
* the distribution of each unit's largest move (its 95th percentile);
* correlations with external references that measure something close: ND-GAIN readiness (expected
  positive) and INFORM lack of coping capacity (expected negative) for the index, INFORM hazard &
  exposure (expected positive) for exposure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from marc.pipeline.project import Outcome
from marc.scoring.ranking import competition_rank

#: external references: (label, panel variable, our column, expected sign)
REFERENCES = (
    ("ND-GAIN readiness", "ndgain/readiness", "readiness", +1),
    ("INFORM lack of coping capacity", "inform/lack_of_coping_capacity", "readiness", -1),
    ("INFORM hazard & exposure", "inform/hazard_exposure", "exposure", +1),
)


@dataclass
class FaceReport:
    year: int
    first: int
    extremes: dict[str, pd.DataFrame]           # metric -> unit, name, value, rank, n_tied (top N, then bottom N)
    ties_at_first: dict[str, int]               # metric -> units sharing rank 1
    moves: pd.DataFrame                          # every unit-year move: unit, name, from_year, year, change, ...
    largest: pd.DataFrame                        # each unit's largest |move|
    correlations: pd.DataFrame                   # reference, column, data_year, n, pearson, spearman, expected
    threshold: float = 10.0
    notes: list[str] = field(default_factory=list)

    @property
    def p95(self) -> float:
        return float(self.largest["abs_change"].quantile(0.95)) if len(self.largest) else float("nan")

    def unexplained(self) -> pd.DataFrame:
        big = self.moves[self.moves["abs_change"] > self.threshold]
        return big[big["cause"] == ""]


def metrics(outcome: Outcome) -> list[str]:
    from marc.reporting.views import components

    out = [outcome.results.index_id, *components(outcome.framework)]
    return out + [c for c in ("exposure", "priority") if outcome.priority is not None]


def _extremes(t: pd.DataFrame, col: str, n: int) -> tuple[pd.DataFrame, int]:
    v = pd.to_numeric(t[col], errors="coerce")
    rank, tied = competition_rank(v)
    df = pd.DataFrame({"unit": t["unit"], "name": t.get("name", t["unit"]), "value": v, "rank": rank, "n_tied": tied})
    df = df.dropna(subset=["value"]).sort_values(["rank", "unit"])
    top1 = int((df["rank"] == 1).sum())
    return pd.concat([df.head(n).assign(end="top"), df.tail(n).assign(end="bottom")]).reset_index(drop=True), top1


def _cause(unit: str, y0: int, y1: int, comp_w: dict[str, float], wide: pd.DataFrame, ind: pd.DataFrame) -> tuple[str, float, float]:
    """(cause text, like-for-like part, composition part) of one unit's index move y0 -> y1."""
    a, b = wide.loc[(unit, y0)], wide.loc[(unit, y1)]
    both = [c for c in comp_w if pd.notna(a.get(c)) and pd.notna(b.get(c))]
    wsum = sum(comp_w[c] for c in both) or 1.0
    like = sum(comp_w[c] * (b[c] - a[c]) for c in both) / wsum
    parts = []
    for c in comp_w:
        if pd.isna(a.get(c)) and pd.notna(b.get(c)):
            parts.append((100.0, f"{c} appeared ({b[c]:.0f})"))
        elif pd.notna(a.get(c)) and pd.isna(b.get(c)):
            parts.append((100.0, f"{c} disappeared (was {a[c]:.0f})"))
    moved = sorted(both, key=lambda c: -abs(b[c] - a[c]) * comp_w[c])
    i0 = ind[(ind["unit"] == unit) & (ind["year"] == y0)].set_index("indicator")["score"]
    i1 = ind[(ind["unit"] == unit) & (ind["year"] == y1)].set_index("indicator")["score"]
    parent = ind[ind["unit"] == unit].drop_duplicates("indicator").set_index("indicator")["parent"]
    for c in moved[:2]:
        d = b[c] - a[c]
        if abs(d) < 1.0:
            continue
        kids = [k for k in parent.index if parent[k] == c]
        detail = []
        for k in sorted(kids, key=lambda k: -abs(np.nan_to_num(i1.get(k, np.nan) - i0.get(k, np.nan), nan=100.0))):
            s0, s1 = i0.get(k, np.nan), i1.get(k, np.nan)
            if pd.isna(s0) and pd.notna(s1):
                detail.append(f"{k} appeared ({s1:.0f})")
            elif pd.notna(s0) and pd.isna(s1):
                detail.append(f"{k} disappeared (was {s0:.0f})")
            elif pd.notna(s0) and abs(s1 - s0) >= 1.0:
                detail.append(f"{k} {s0:.0f}→{s1:.0f}")
            if len(detail) == 2:
                break
        parts.append((abs(d) * comp_w[c], f"{c} {d:+.1f}" + (f" [{'; '.join(detail)}]" if detail else "")))
    text = "; ".join(p for _, p in sorted(parts, key=lambda x: -x[0]))
    return text, like, 0.0


def _moves(outcome: Outcome, first: int, last: int) -> pd.DataFrame:
    res, fw = outcome.results, outcome.framework
    idx = res.index_id
    wide = res.wide()
    wide = wide[(wide["year"] >= first) & (wide["year"] <= last)].set_index(["unit", "year"]).sort_index()
    comp_w = {c: fw.components[c].weight for c in fw.children(fw.index.id) if c in fw.components}
    r = wide[idx].unstack("year")
    delta = r.diff(axis=1)
    rows = []
    ind = res.indicators[(res.indicators["year"] >= first) & (res.indicators["year"] <= last)]
    names = outcome.countries.set_index("unit")["name"] if outcome.countries is not None else pd.Series(dtype=object)
    years = list(r.columns)
    for unit in r.index:
        for y0, y1 in zip(years, years[1:]):
            d = delta.at[unit, y1]
            if pd.isna(d):
                continue
            rows.append({"unit": unit, "name": names.get(unit, unit), "from_year": y0, "year": y1, "change": d, "abs_change": abs(d)})
    moves = pd.DataFrame(rows)
    if moves.empty:
        return moves.assign(cause="", like_for_like=np.nan, composition=np.nan)
    big = moves["abs_change"] >= 0.5
    causes = [(_cause(u, a, b, comp_w, wide, ind) if flag else ("", np.nan, np.nan))
              for u, a, b, flag in zip(moves["unit"], moves["from_year"], moves["year"], big)]
    moves["cause"] = [c[0] for c in causes]
    moves["like_for_like"] = [c[1] for c in causes]
    moves["composition"] = moves["change"] - moves["like_for_like"]
    return moves.sort_values("abs_change", ascending=False, ignore_index=True)


def _correlations(outcome: Outcome, table: pd.DataFrame, year: int) -> pd.DataFrame:
    rows = []
    panel = outcome.panel
    for label, var, col, sign in REFERENCES:
        if panel is None or col not in table.columns:
            continue
        ref = panel[(panel["variable"] == var) & (panel["year"] <= year)].sort_values("year").drop_duplicates("unit", keep="last")
        m = table[["unit", col]].merge(ref[["unit", "value", "year"]], on="unit").dropna(subset=[col, "value"])
        if len(m) < 3:
            continue
        rows.append({"reference": label, "variable": var, "column": col, "data_year": int(m["year"].max()), "n": len(m),
                     "pearson": m[col].astype(float).corr(m["value"].astype(float)),
                     "spearman": m[col].astype(float).corr(m["value"].astype(float), method="spearman"),
                     "expected": "positive" if sign > 0 else "negative"})
    return pd.DataFrame(rows)


def face_report(outcome: Outcome, *, first: int = 2015, n: int = 15, threshold: float = 10.0) -> FaceReport:
    """The face-validity report of *outcome* (computed with every edition: ``years=None``) for its last
    offered edition."""
    from marc.scoring.editions import offered_editions

    year = offered_editions(outcome.results, outcome.framework.roles)[-1]
    table = outcome.table()
    latest = table[table["year"] == year]
    extremes, ties = {}, {}
    for col in metrics(outcome):
        if col in latest.columns:
            extremes[col], ties[col] = _extremes(latest, col, n)
    moves = _moves(outcome, first, year)
    largest = moves.sort_values("abs_change", ascending=False).drop_duplicates("unit") if len(moves) else moves
    return FaceReport(year=year, first=first, extremes=extremes, ties_at_first=ties, moves=moves, largest=largest,
                      correlations=_correlations(outcome, latest, year), threshold=threshold)
