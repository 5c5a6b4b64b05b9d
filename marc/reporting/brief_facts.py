"""The country brief as facts: one JSON-serialisable dict per country, built only from the results table and the
panel (rendered by :mod:`marc.reporting.brief`).

Every number in the facts is rounded to the precision it is shown at, so the rendered text can be checked against
the facts and the facts against the results table (tests/test_brief.py).
"""


from __future__ import annotations

import datetime as _dt
import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from marc.core.errors import MarcError
from marc.method.framework import name_in
from marc.pipeline.project import Outcome
from marc.reporting import export, views
from marc.scoring.ranking import competition_rank

UNCERTAINTY_COMMAND = "marc uncertainty --out ranks.csv"
INFORM_HAZARDS = ("river_flood", "coastal_flood", "drought", "tropical_cyclone")
PROJECTED = ("flood", "coastal_flood", "drought", "epidemic")
N_PEERS, N_EXTREMES = 8, 3
#: expert review status -> message key of its label in a brief (issue 10: baseline rows are desk coding)
STATUS_LABELS = {"baseline": "status_baseline", "disputed": "status_disputed"}


def lock_digest() -> str | None:
    """Short hash of the checksums in ``sources.lock`` (see :func:`marc.pipeline.release.data_lock_digest`)."""
    from marc.pipeline.release import data_lock_digest

    return data_lock_digest()


def _r(value: Any, digits: int = 1) -> float | None:
    if value is None or pd.isna(value):
        return None
    return round(float(value), digits)


def _sig(value: Any, sig: int = 3) -> float | None:
    """Round to *sig* significant digits (raw values span many magnitudes)."""
    if value is None or pd.isna(value):
        return None
    v = float(value)
    if v.is_integer() and abs(v) < 1e15:
        return int(v)  # counts (grants, entities) show as whole numbers
    return round(v, max(0, sig - 1 - int(math.floor(math.log10(abs(v))))))


def _latest(panel: pd.DataFrame, unit: str, variable: str, year: int) -> tuple[float | None, int | None, str | None]:
    rows = panel[(panel["unit"] == unit) & (panel["variable"] == variable) & (panel["year"] <= year)]
    if rows.empty:
        return None, None, None
    row = rows.loc[rows["year"].idxmax()]
    return float(row["value"]), int(row["year"]), str(row["source"])


def _source_of(panel: pd.DataFrame | None, variable: str | None) -> str | None:
    if panel is None or not variable:
        return None
    hit = panel.loc[panel["variable"] == variable, "source"]
    return str(hit.iloc[0]) if len(hit) else None


def _text(value: Any) -> str | None:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _flag(value: Any) -> bool | None:
    return None if value is None or pd.isna(value) else bool(value)


def _interval(intervals: pd.DataFrame | None, unit: str, cid: str, index_id: str) -> tuple[int | None, int | None]:
    if intervals is None or ("component" not in intervals.columns and cid != index_id):
        return None, None
    mask = intervals["unit"] == unit
    if "component" in intervals.columns:
        mask &= intervals["component"] == cid
    hit = intervals[mask].dropna(subset=["rank_low", "rank_high"])
    return (int(hit["rank_low"].iloc[0]), int(hit["rank_high"].iloc[0])) if len(hit) else (None, None)


def _pct(share: Any) -> int | None:
    """A 0–1 share as a whole percentage (how coverage is shown in briefs and exports)."""
    return None if share is None or pd.isna(share) else int(round(100 * float(share)))


def _count(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _headline(outcome: Outcome, table: pd.DataFrame, unit: str, year: int, intervals: pd.DataFrame | None) -> list[dict]:
    comp = outcome.results.components
    comp = comp[(comp["unit"] == unit) & (comp["year"] == year)].set_index("component")
    fw, idx = outcome.framework, outcome.results.index_id
    out = []
    table = views.same_group(table, unit)  # territories are ranked apart from sovereign states
    for cid in [idx, *views.components(fw)]:
        scores = pd.to_numeric(table.set_index("unit")[cid], errors="coerce")
        value = scores.get(unit)
        rank, n_tied = competition_rank(scores)
        row = comp.loc[cid] if cid in comp.index else None
        name = fw.components[cid].name if cid in fw.components else fw.index.name
        intended = row is not None and "coverage_intended" in row.index
        low, high = _interval(intervals, unit, cid, idx)
        out.append({
            "id": cid, "name": name_in(name, "en"), "name_fr": name_in(name, "fr"),
            "score": _r(value), "rank": None if pd.isna(value) else int(rank[unit]),
            "n_tied": None if pd.isna(value) else int(n_tied[unit]), "n_ranked": int(scores.notna().sum()),
            # coverage as intended weight (issue 10) where the results carry it; today's coverage otherwise
            "coverage_kind": "intended" if intended else "present",
            "coverage_pct": None if row is None else _pct(row["coverage_intended" if intended else "coverage"]),
            "security_observed": None if row is None else _count(row.get("security_observed")),
            "security_total": None if row is None else _count(row.get("security_total")),
            "imputed_pct": None if row is None else _pct(row["imputed_share"]),
            "rank_low": low, "rank_high": high})
    return out


def _year(value: Any) -> int | None:
    """A data year as an int, or None."""
    return None if value is None or pd.isna(value) else int(value)


def _peers(outcome: Outcome, table: pd.DataFrame, unit: str, info: pd.Series) -> dict:
    idx = outcome.results.index_id
    cols = [idx, *views.components(outcome.framework)]
    groups = outcome.countries.set_index("unit") if outcome.countries is not None else pd.DataFrame()
    t = table.assign(region=table["unit"].map(groups.get("region", pd.Series(dtype=str))),
                     income_group=table["unit"].map(groups.get("income_group", pd.Series(dtype=str))))
    rank, n_tied = competition_rank(t[idx])
    t = t.assign(rank_all=rank, n_tied=n_tied)
    same = t[(t["region"] == info.get("region")) & (t["income_group"] == info.get("income_group")) & t[idx].notna()]
    same = same.sort_values([idx, "unit"], ascending=[False, True])
    if len(same) > N_PEERS:  # the nearest in rank, the country included
        mine = same.loc[same["unit"] == unit, "rank_all"]
        if len(mine):
            same = same.assign(dist=(same["rank_all"] - mine.iloc[0]).abs()).nsmallest(N_PEERS, "dist", keep="first")
        same = same.head(N_PEERS).sort_values([idx, "unit"], ascending=[False, True])
    members = [{"unit": r.unit, "score": _r(getattr(r, idx)), "rank": int(r.rank_all), "n_tied": int(r.n_tied)}
               for r in same.itertuples()]

    if _text(info.get("region")) is None or _text(info.get("income_group")) is None:
        t = t.assign(region=None, income_group=None)  # no groups known: no peers, no medians

    def medians(mask: pd.Series) -> dict:
        sub = t[mask]
        return {"n": int(sub[idx].notna().sum()), **{c: _r(pd.to_numeric(sub[c], errors="coerce").median()) for c in cols}}

    return {"members": members, "region_median": medians(t["region"] == info.get("region")),
            "income_median": medians(t["income_group"] == info.get("income_group"))}


def _shown(ind, r) -> dict:
    """The value that was scored, with its unit and period: a change transform shows the change, not the level."""
    year = None if pd.isna(r.data_year) else int(r.data_year)
    change = ind.transform.change if ind is not None and ind.kind == "data" else None
    if change is not None:
        unit = "%" if change.kind == "percent" else (r.measure_unit or "")
        return {"value": _r(r.transformed), "value_unit": unit, "period": [year - change.years, year] if year else None,
                "level": _sig(r.raw_value), "measure_unit": r.measure_unit or ""}
    return {"value": _sig(r.raw_value), "value_unit": r.measure_unit or "", "period": [year, year] if year else None,
            "level": None, "measure_unit": r.measure_unit or ""}


def _indicators(outcome: Outcome, unit: str, year: int) -> tuple[list[dict], dict]:
    ind = outcome.results.indicators
    rows = ind[(ind["unit"] == unit) & (ind["year"] == year)]
    fw = outcome.framework
    by_id = {i.id: i for i in fw.indicators}
    have = rows[rows["score"].notna()].sort_values(["score", "indicator"], ascending=[False, True])
    items = []
    for r in have.itertuples():
        spec = by_id.get(r.indicator)
        status = getattr(r, "status", None)
        items.append({"id": r.indicator, "name": name_in(spec.name, "en") if spec else r.indicator,
                      "name_fr": name_in(spec.name, "fr") if spec else r.indicator, "pillar": r.parent,
                      "kind": spec.kind if spec else "data", "score": _r(r.score), **_shown(spec, r),
                      "data_year": None if pd.isna(r.data_year) else int(r.data_year),
                      "sources": [] if (spec and spec.kind == "expert") else
                      [x.strip() for x in str(r.source or "").split(";") if x.strip()],
                      "status": None if status is None or pd.isna(status) else str(status), "imputed": bool(r.imputed)})
    kinds = {i.id: i.kind for i in fw.indicators}
    data_ids = [i for i, k in kinds.items() if k == "data"]
    expert_ids = [i for i, k in kinds.items() if k == "expert"]
    scored = set(have["indicator"])
    groups = outcome.countries.set_index("unit") if outcome.countries is not None else pd.DataFrame()

    def applies(i: str) -> bool:  # applies_to: not applicable (e.g. an Annex I duty) is not missing evidence
        col = by_id[i].applies_to
        if col is None or col not in groups.columns:
            return True
        flag = groups[col].get(unit)
        return bool(flag) if pd.notna(flag) else False  # as the engine reads it (missing = not applicable)

    coverage = {"n_ind": len(data_ids), "n_data": len(scored & set(data_ids)),
                "n_expert_slots": len(expert_ids), "n_expert": len(scored & set(expert_ids)),
                "missing": [{"id": i, "name": name_in(by_id[i].name, "en"), "name_fr": name_in(by_id[i].name, "fr"),
                             "kind": kinds[i]} for i in kinds if i not in scored and applies(i)]}
    return items, coverage


def _hazards(outcome: Outcome, table_row: pd.Series, unit: str, year: int) -> dict:
    out: dict[str, Any] = {"exposure": _r(table_row.get("exposure")), "priority": _r(table_row.get("priority")),
                           "gap": _r(table_row.get("gap")), "priority_class": _text(table_row.get("priority_class")),
                           "quadrant": _text(table_row.get("quadrant")), "year": None, "layers": [], "inform": []}
    hz, config = outcome.hazard_table, outcome.hazards
    if hz is not None and config is not None:
        rows = hz[(hz["unit"] == unit) & (hz["year"] <= year)]
        mine = outcome.panel[outcome.panel["unit"] == unit] if outcome.panel is not None else None
        if len(rows):
            row = rows.loc[rows["year"].idxmax()]
            out["year"] = int(row["year"])
            for layer in config.layers:
                if layer.enabled and layer.id in row.index and pd.notna(row[layer.id]):
                    src = [layer.source.dataset] if layer.source is not None else [_source_of(outcome.panel, layer.variable)]
                    if layer.statistic is not None and layer.statistic.kind == "population_share":
                        src.append(config.population.dataset)
                    window = list(layer.time.window) if layer.time.window else None
                    if window is None and layer.variable is not None and mine is not None:
                        _, data_year, _ = _latest(mine, unit, layer.variable, year)  # the layer's own data year,
                        window = None if data_year is None else [data_year]  # not the edition's (max_age carries it)
                    out["layers"].append({"id": layer.id, "label": layer.label, "score": _r(row[layer.id]),
                                          "window": window, "sources": [s for s in src if s]})
    if outcome.panel is not None:
        for h in INFORM_HAZARDS:
            value, y, src = _latest(outcome.panel, unit, f"inform/{h}", year)
            if value is not None:
                out["inform"].append({"hazard": h, "value": _r(value), "year": y, "source": src})
    return out


def _projections(panel: pd.DataFrame | None, unit: str, year: int) -> dict:
    out: dict[str, Any] = {"year": None, "source": "inform_climate_change", "risk": [], "he_change": []}
    if panel is None:
        return out
    base, y, _ = _latest(panel, unit, "informcc/risk", year)
    out["year"], out["baseline"] = y, _r(base)
    for horizon in (2050, 2080):
        for scen in ("optimistic", "pessimistic"):
            value, _, _ = _latest(panel, unit, f"informcc/risk_{horizon}_{scen}", year)
            if value is not None:
                out["risk"].append({"horizon": horizon, "scenario": scen, "value": _r(value)})
    for h in PROJECTED:
        value, _, _ = _latest(panel, unit, f"informcc/{h}_he_change_2050_pessimistic", year)
        if value is not None:
            out["he_change"].append({"hazard": h, "value": _r(value)})
    return out


def _gcf(panel: pd.DataFrame | None, unit: str, year: int) -> dict:
    out: dict[str, Any] = {"year": None, "source": "gcf_open_data"}
    for key, var, digits in (("readiness_grants", "readiness_grants", 0), ("readiness_usd_m", "readiness_usd", 1),
                             ("funded_activities", "funded_activities", 0), ("funded_usd_m", "fa_usd", 1),
                             ("direct_access_entities", "direct_access_entities", 0)):
        value, y, _ = _latest(panel, unit, f"gcf/{var}", year) if panel is not None else (None, None, None)
        if value is not None and var.endswith("usd"):
            value = value / 1e6
        out[key] = None if value is None else (int(round(value)) if digits == 0 else _r(value, digits))
        out["year"] = out["year"] or y
    gen, gen_year, _ = _latest(panel, unit, "ndc/latest_generation", year) if panel is not None else (None, None, None)
    ndc3, _, _ = _latest(panel, unit, "ndc/ndc3_submitted", year) if panel is not None else (None, None, None)
    out["ndc"] = {"generation": None if gen is None else int(gen), "ndc3": None if ndc3 is None else bool(ndc3),
                  "year": gen_year, "source": "unfccc_ndc_registry"}
    return out


def _method(outcome: Outcome) -> dict:
    fw = outcome.framework
    weights = {c: fw.components[c].weight for c in fw.children(fw.index.id) if c in fw.components}
    config = outcome.hazards
    return {"aggregation": fw.index.aggregation, "weights": weights,
            "min_coverage_pct": _pct(fw.index.min_coverage), "max_imputed_pct": _pct(fw.index.max_imputed_share),
            "max_lag": fw.defaults.max_lag, "missing": fw.defaults.missing.policy,
            "missing_years": fw.defaults.missing.max_years,
            "exposure": None if config is None else {
                "combine": config.exposure.combine, "components": {c: config.exposure.weight(c) for c in config.exposure.components},
                "gap_of": list(config.priority.gap_of), "method": config.priority.method},
            "indicators": _indicator_method(outcome)}


def _indicator_method(outcome: Outcome) -> list[dict]:
    fw = outcome.framework
    return [{"id": i.id, "name": name_in(i.name, "en"), "name_fr": name_in(i.name, "fr"),
             "parent": fw.parents.get(i.id, i.parent or ""), "weight": float(i.weight), "direction": str(i.direction),
             "normalise": i.normalise.model_dump(mode="json", by_alias=True, exclude_none=True) if i.normalise else {}}
            for i in fw.indicators]


def rank_intervals(result) -> pd.DataFrame:
    """Rank intervals of the index and of every component from a :class:`marc.analysis.rank_intervals.UncertaintyResult`:
    per unit and component, the 5th and 95th percentiles of its competition rank over the replications."""
    from marc.analysis.rank_intervals import rank_desc

    frames = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for comp, scores in result.scores.items():
            ranks = rank_desc(scores)
            q = np.nanpercentile(ranks, [5, 95], axis=1)
            frames.append(pd.DataFrame({"unit": result.units.to_numpy(), "component": comp, "rank_low": q[0],
                                        "rank_high": q[1]}))
    out = pd.concat(frames, ignore_index=True).dropna(subset=["rank_low", "rank_high"])
    return out.assign(rank_low=np.floor(out["rank_low"]).astype(int), rank_high=np.ceil(out["rank_high"]).astype(int))


def uncertainty_meta(result) -> dict:
    """What a brief says about its rank intervals: replications, percentiles and the factors varied."""
    return {"replications": int(result.replications), "low": 5, "high": 95, "factors": list(result.factors),
            "seed": int(result.seed)}


def facts(outcome: Outcome, unit: str, year: int | None = None, *, intervals: pd.DataFrame | None = None,
          table: pd.DataFrame | None = None, today: str | None = None, uncertainty: dict | None = None) -> dict[str, Any]:
    """The facts of one country's brief (JSON-serialisable). *intervals*: rank intervals per unit
    (``unit, [component,] rank_low, rank_high``, see :func:`rank_intervals`); None shows "not computed".
    *uncertainty*: :func:`uncertainty_meta` of the run behind the intervals."""
    y = export.edition(outcome, year)
    table = outcome.table(y) if table is None else table
    unit = unit.strip().upper()
    hit = table[table["unit"] == unit]
    if hit.empty:
        raise MarcError.single("brief", "unknown-unit", f"{unit!r} is not a scored unit in edition {y}; use an ISO3 "
                               f"code such as CIV (see `marc score --out scores.csv` for the list)")
    row = hit.iloc[0]
    info = outcome.countries.set_index("unit").loc[unit] if outcome.countries is not None and unit in set(
        outcome.countries["unit"]) else pd.Series(dtype=object)
    indicators, coverage = _indicators(outcome, unit, y)
    hazards = _hazards(outcome, row, unit, y)
    gcf = _gcf(outcome.panel, unit, y)
    used = export.used_sources(outcome, ("inform_climate_change", "gcf_open_data", "unfccc_ndc_registry"))
    from marc.reporting.subnational_brief import admin1_facts

    return {
        "meta": {"unit": unit, "name": str(row.get("name") or info.get("name") or unit), "year": y,
                 "date": today or _dt.date.today().isoformat(), "version": export.marc_version(),
                 "framework": outcome.framework.digest, "default_framework": export.default_digest(),
                 "is_default": export.is_default(outcome), "data_lock": lock_digest(),
                 "uncertainty_command": UNCERTAINTY_COMMAND},
        "country": {"region": _text(info.get("region")), "income_group": _text(info.get("income_group"))},
        "headline": _headline(outcome, table, unit, y, intervals),
        "uncertainty": uncertainty,
        "peers": _peers(outcome, views.same_group(table, unit), unit, info),  # territories apart
        "hazards": hazards,
        "admin1": admin1_facts(outcome, unit),  # admin-1 exposure map and most exposed regions
        "projections": _projections(outcome.panel, unit, y),
        "strengths": indicators[:N_EXTREMES],
        "weaknesses": indicators[::-1][:N_EXTREMES] if len(indicators) > N_EXTREMES else [],
        "context": {"ldc": _flag(info.get("ldc")), "sids": _flag(info.get("sids")), "lldc": _flag(info.get("lldc")),
                    "conflict_affected": _flag(row.get("conflict_affected")), "transition": _flag(row.get("transition")),
                    "conflict_affected_year": _year(row.get("conflict_affected_year")),
                    "transition_year": _year(row.get("transition_year")),
                    "gcf_eligible": _flag(info.get("non_annex_i"))},
        "gcf": gcf,
        "coverage": coverage,
        "method": _method(outcome),
        "sources": [{"ref": n, **s} for n, s in enumerate(export.sources_table(used).to_dict("records"), start=1)],
    }


def intervals_from(summary: pd.DataFrame) -> pd.DataFrame:
    """Rank intervals for :func:`facts` from ``marc uncertainty --out`` (``UncertaintyResult.summary()``):
    the 5–95 % rank interval of the index, as whole ranks."""
    need = {"unit", "rank_p05", "rank_p95"}
    if not need <= set(summary.columns):
        raise MarcError.single("--intervals", "missing-columns", f"the rank-interval table lacks {sorted(need - set(summary.columns))}; "
                               f"write it with `{UNCERTAINTY_COMMAND}`")
    out = summary.dropna(subset=["rank_p05", "rank_p95"])
    return pd.DataFrame({"unit": out["unit"].astype(str), "rank_low": out["rank_p05"].round().astype(int),
                         "rank_high": out["rank_p95"].round().astype(int)})


