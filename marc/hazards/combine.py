"""Hazard scores (0–100), multi-hazard exposure, climate-security priority, quadrant and context flags.

Formulas (x are 0–100 scores, w weights renormalised over the components present), one implementation in
:func:`marc.scoring.aggregate.combine`, used both for the layers inside a component (declared per component,
``exposure.components.<c>.combine``) and for the components:

* arithmetic  E = Σ w·x
* geometric   E = Π (x + ε)^w − ε                  (ε declared; 0 does not zero everything)
* max         E = max x
* inform      E = 100 − Π (100 − x + ε)^w + ε      (INFORM's 10 − GM(10 − x) on a 0–100 scale)

No method saturates silently: layer scores outside [0, 100] are clipped and flagged
(``<layer>_capped``), and ``exposure_saturated`` marks units where a component sits at 100 and
the ``inform`` or ``max`` method therefore pins the exposure at the top.

Priority: gap = 100 − mean of the declared pillars present, when their share reaches
``priority.min_coverage`` (a gap from fewer than all of them is flagged ``gap_partial``); ``gap_product`` P = E·G/100, ``geometric``
P = √(E·G), ``bivariate`` P = 25·((e − 1) + (g − 1)) for the 3×3 classes e, g ∈ {1, 2, 3} cut at the
declared breaks.  ``priority_class`` ("E3-G1" …) is always given.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from marc.hazards.schema import HazardConfig
from marc.method.framework import Goalposts
from marc.scoring.aggregate import combine as _combine
from marc.scoring.normalise import normalise


def _asof(series: pd.DataFrame, years: list[int], max_age: int) -> pd.DataFrame:
    """(unit × year) table where each year carries the latest value dated ≤ year and ≥ year − max_age."""
    wide = series.pivot_table(index="unit", columns="year", values="value", aggfunc="last")
    full = range(min(min(years), int(wide.columns.min())), max(years) + 1)
    wide = wide.reindex(columns=list(full)).ffill(axis=1, limit=max_age) if max_age else wide.reindex(columns=list(full))
    return wide[years]


def _transform(x: np.ndarray, how: str) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        if how == "log1p":
            return np.log1p(np.where(x >= 0, x, np.nan))
        if how == "sqrt":
            return np.sqrt(np.where(x >= 0, x, np.nan))
    return x


def hazard_scores(config: HazardConfig, panel: pd.DataFrame) -> pd.DataFrame:
    """``unit, year, <layer_id> ... (0–100), <layer_id>_capped ..., <component> ..., exposure,
    exposure_coverage, exposure_saturated`` for every unit and every year any enabled layer has data.

    Each year uses, per layer, the latest value dated at or before it and no older than the layer's
    ``time.max_age``.  Panel layers read their declared variable; geospatial layers read
    ``hazard/<id>`` (the rows :func:`build_hazards` produced).
    """
    layers = config.enabled
    by_var = {layer.panel_variable: layer for layer in layers}
    rows = panel[panel["variable"].isin(list(by_var))]
    if rows.empty:
        return pd.DataFrame(columns=["unit", "year", *[lyr.id for lyr in layers], "exposure"])
    years = sorted(int(y) for y in rows["year"].unique())
    units = sorted(rows["unit"].astype(str).unique())
    index = pd.MultiIndex.from_product([units, years], names=["unit", "year"])
    out = pd.DataFrame(index=index)
    for layer in layers:
        sub = rows[rows["variable"] == layer.panel_variable][["unit", "year", "value"]]
        if sub.empty:
            out[layer.id] = np.nan
            out[f"{layer.id}_capped"] = False
            continue
        wide = _asof(sub.astype({"unit": str, "year": int}), years, layer.time.max_age).reindex(units)
        x = _transform(wide.to_numpy(dtype=float), layer.transform)
        lo, hi = _transform(np.array([layer.normalise.min, layer.normalise.max]), layer.transform)
        direction = "higher_is_better" if layer.normalise.direction == "higher_is_more_exposed" else "lower_is_better"
        s, clipped = normalise(x, Goalposts(method="goalposts", min=float(lo), max=float(hi)), direction)
        out[layer.id] = s.reshape(-1)
        out[f"{layer.id}_capped"] = clipped.reshape(-1)
    exp = config.exposure
    comps = list(exp.components)
    for comp in comps:
        members = [lyr for lyr in layers if lyr.component == comp]
        vals = out[[lyr.id for lyr in members]].to_numpy(dtype=float)
        method, eps = exp.method(comp)
        out[comp] = _combine(vals, np.array([lyr.weight for lyr in members], float), method, eps)
    cw = np.array([exp.weight(c) for c in comps], float)
    cvals = out[comps].to_numpy(dtype=float)
    coverage = np.where(~np.isnan(cvals), cw[None, :], 0).sum(axis=1) / cw.sum()
    e = _combine(cvals, cw, exp.combine, exp.epsilon)
    out["exposure"] = np.where(coverage >= exp.min_coverage, e, np.nan)
    out["exposure_coverage"] = coverage
    out["exposure_saturated"] = (exp.combine in ("inform", "max")) & np.any(
        (np.nan_to_num(cvals) >= 100.0) & (cw > 0)[None, :], axis=1)
    keep = out[[lyr.id for lyr in layers]].notna().any(axis=1)
    return out[keep].reset_index()


def _classes(x: np.ndarray, breaks: tuple[float, float]) -> np.ndarray:
    return np.where(np.isnan(x), 0, 1 + (x >= breaks[0]).astype(int) + (x >= breaks[1]).astype(int))


def _median_line(df: pd.DataFrame, col: str, spec) -> pd.Series:
    return df.groupby("year")[col].transform("median") if spec == "median" else pd.Series(float(spec), index=df.index)


def priority(config: HazardConfig, readiness_wide: pd.DataFrame, exposure: pd.DataFrame) -> pd.DataFrame:
    """``unit, year, exposure, gap, gap_partial, priority, priority_class, quadrant`` per readiness row.

    *readiness_wide* has ``unit, year, <pillar ids>..., readiness``; *exposure* has ``unit, year,
    exposure`` (from :func:`hazard_scores`).  With ``align: latest`` every readiness year meets the
    unit's latest exposure (hazard exposure is structural); with ``asof`` the latest dated ≤ year.
    """
    spec = config.priority
    missing = [p for p in spec.gap_of if p not in readiness_wide.columns]
    if missing:
        from marc.core.errors import MarcError

        raise MarcError.single("hazards.yaml", "unknown-pillar",
                               f"priority.gap_of names {missing}, not columns of the readiness table "
                               f"({sorted(c for c in readiness_wide.columns if c not in ('unit', 'year'))})")
    r = readiness_wide.copy()
    r["unit"] = r["unit"].astype(str)
    ex = exposure[["unit", "year", "exposure"]].dropna().astype({"unit": str, "year": int}).sort_values("year")
    if spec.align == "latest":
        r = r.merge(ex.drop_duplicates("unit", keep="last")[["unit", "exposure"]], on="unit", how="left")
    else:
        r = pd.merge_asof(r.astype({"year": int}).sort_values("year"), ex, on="year", by="unit", direction="backward")
    pillars = r[spec.gap_of].astype(float)
    share = pillars.notna().mean(axis=1)
    r["gap"] = (100.0 - pillars.mean(axis=1)).where(share >= spec.min_coverage - 1e-12)
    r["gap_partial"] = r["gap"].notna() & (share < 1.0)
    e, g = r["exposure"].to_numpy(float), r["gap"].to_numpy(float)
    ec, gc = _classes(e, spec.breaks), _classes(g, spec.breaks)
    if spec.method == "gap_product":
        p = e * g / 100.0
    elif spec.method == "geometric":
        p = np.sqrt(np.clip(e, 0, None) * np.clip(g, 0, None))
    else:
        p = np.where((ec > 0) & (gc > 0), 25.0 * ((ec - 1) + (gc - 1)), np.nan)
    r["priority"] = p
    r["priority_class"] = np.where((ec > 0) & (gc > 0), [f"E{a}-G{b}" for a, b in zip(ec, gc)], None)
    q = config.quadrant
    ok = r["exposure"].notna() & r.get("readiness", pd.Series(np.nan, index=r.index)).notna()
    r["quadrant"] = None
    if "readiness" in r.columns and ok.any():
        sub = r[ok]
        high_e = sub["exposure"] >= _median_line(sub, "exposure", q.exposure)
        high_r = sub["readiness"] >= _median_line(sub, "readiness", q.readiness)
        label = np.select([high_e & ~high_r, high_e & high_r, ~high_e & ~high_r],
                          ["high exposure, low readiness", "high exposure, high readiness",
                           "low exposure, low readiness"], "low exposure, high readiness")
        r.loc[ok, "quadrant"] = label
    return r[["unit", "year", "exposure", "gap", "gap_partial", "priority", "priority_class", "quadrant"]].sort_values(
        ["unit", "year"]).reset_index(drop=True)


def context_flags(config: HazardConfig, panel: pd.DataFrame) -> pd.DataFrame:
    """``unit, year, conflict_affected, conflict_affected_year, transition, transition_year`` for every
    unit-year the inputs cover.

    conflict_affected: the conflict variable is > 0 in any of the last N years (this one included).
    transition: a UN peace operation ended within N years (years_since_end ≤ N) and none is hosted now.
    ``<flag>_year`` is the year of the newest data behind the flag (UCDP ends in 2022, so a 2024 flag
    says 2022): a flag is never presented as more current than its data.  With no data in the last N
    years the conflict flag is unknown (NaN), not "no conflict".
    """
    c, t = config.context.conflict_affected, config.context.transition
    sub = panel[panel["variable"].isin([c.variable, t.ended_variable, t.host_variable])]
    if sub.empty:
        return pd.DataFrame(columns=["unit", "year", "conflict_affected", "conflict_affected_year", "transition",
                                     "transition_year"])
    wide = sub.astype({"unit": str, "year": int}).pivot_table(index=["unit", "year"], columns="variable",
                                                              values="value", aggfunc="last")
    units = sorted(wide.index.get_level_values(0).unique())
    years = list(range(int(sub["year"].min()), int(sub["year"].max()) + 1))
    wide = wide.reindex(pd.MultiIndex.from_product([units, years], names=["unit", "year"]))
    out = pd.DataFrame(index=wide.index)
    year_of = pd.Series(wide.index.get_level_values("year"), index=wide.index, dtype=float)

    def data_year(col: pd.Series) -> pd.Series:
        return year_of.where(col.notna()).groupby(level="unit").ffill()

    if c.variable in wide:
        seen = data_year(wide[c.variable])
        active = (wide[c.variable].fillna(0) > 0).astype(float).unstack("year")
        flag = active.T.rolling(c.years, min_periods=1).max().T.stack().astype(bool)
        fresh = seen > year_of - c.years  # data within the window
        out["conflict_affected"] = flag.where(fresh).astype(object).where(fresh, None)
        out["conflict_affected_year"] = seen.where(fresh)
    else:
        out["conflict_affected"] = False
        out["conflict_affected_year"] = np.nan
    ended = wide.get(t.ended_variable, pd.Series(np.nan, index=wide.index))
    host = wide.get(t.host_variable, pd.Series(np.nan, index=wide.index))
    out["transition"] = (ended <= t.years).fillna(False).astype(bool) & (host.fillna(0) <= 0)
    out["transition_year"] = data_year(host) if t.host_variable in wide else np.nan
    return out.reset_index()
