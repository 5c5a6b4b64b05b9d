"""The scoring engine: framework + tidy panel -> tidy results with provenance per cell.

For every indicator (a loop over ~25 indicators; never over units) the engine builds a
units × years matrix of raw values, transforms it, selects each edition's value from the edition
window, applies the missing-data policy, treats outliers and normalises; then it aggregates the
components bottom-up, level by level.  Editions are columns, so all editions are scored at once.

Edition rule: the score for year Y uses only data dated in [Y − max_lag, Y].  Within that window the
indicator's *data year* for the edition is the newest year with any data; a unit whose value is older
is carried forward (flagged, counted as imputed) when the missing-data policy allows it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from marc.core.errors import MarcError, Problem
from marc.method import expression
from marc.method.loader import Framework, edition_years
from marc.method.orientation import orientation_of, reversed_into_parent
from marc.scoring.aggregate import aggregate_component
from marc.scoring.coverage import effective_weights, leaf_coverage  # noqa: F401  (re-exported: engine.effective_weights)
from marc.scoring.gapfill import gap_fill
from marc.scoring.normalise import normalise, treat_outliers

INDICATOR_COLUMNS = ["unit", "year", "indicator", "parent", "raw_value", "data_year", "transformed", "score",
                     "imputed", "carried_forward", "group_mean", "gap_filled", "capped", "source", "variable", "measure_unit", "weight"]
COMPONENT_COLUMNS = ["unit", "year", "component", "role", "score", "value", "coverage", "imputed_share", "published",
                     "coverage_intended", "security_coverage", "security_observed", "security_total", "orientation"]


@dataclass
class Results:
    """Scores of every unit and edition: one tidy table per level, plus a wide view."""

    indicators: pd.DataFrame
    components: pd.DataFrame
    index_id: str
    framework_digest: str

    def wide(self, year: int | None = None) -> pd.DataFrame:
        """One row per unit (and year): the index, every component, coverage, imputed share, the index's intended and
        security-sector coverage (and each component's, as ``<component>_coverage_intended``,
        ``<component>_security_coverage`` and ``<component>_imputed_share``), indicator scores."""
        comp = self.components if year is None else self.components[self.components["year"] == year]
        ind = self.indicators if year is None else self.indicators[self.indicators["year"] == year]
        scores = comp.pivot(index=["unit", "year"], columns="component", values="score")
        idx = comp[comp["component"] == self.index_id].set_index(["unit", "year"])
        for col in ("coverage", "imputed_share", "coverage_intended", "security_coverage", "security_observed", "security_total"):
            scores[col] = idx[col]
        parts = comp[comp["component"] != self.index_id]
        per = [parts.pivot(index=["unit", "year"], columns="component", values=col).add_suffix(f"_{col}")
               for col in ("coverage_intended", "security_coverage", "imputed_share")]
        ind_scores = ind.pivot(index=["unit", "year"], columns="indicator", values="score").add_prefix("ind:")
        out = scores.join(per).join(ind_scores).reset_index()
        out.columns.name = None
        first = ["unit", "year", self.index_id]
        return out[first + [c for c in out.columns if c not in first]].sort_values(["year", "unit"], ignore_index=True)


def _order(fw: Framework) -> list:
    """Indicators with derived ones after those they depend on."""
    ids = {i.id for i in fw.indicators}
    deps = {}
    for ind in fw.indicators:
        refs = expression.references(expression.parse(ind.expression)) if ind.expression else set()
        deps[ind.id] = {r.name for r in refs if not r.is_variable and r.name in ids}
    done, order = set(), []
    while len(order) < len(fw.indicators):
        for ind in fw.indicators:
            if ind.id not in done and deps[ind.id] <= done:
                done.add(ind.id)
                order.append(ind)
    return order


def _matrices(panel: pd.DataFrame, variables: set[str], units: pd.Index, years: np.ndarray):
    """Scatter the panel into one units × years matrix per variable (one vectorised pass)."""
    names = sorted(variables)
    cube = np.full((len(names), len(units), len(years)), np.nan)
    sub = panel[panel["variable"].isin(variables)]
    v = pd.Index(names).get_indexer(sub["variable"])
    u = units.get_indexer(sub["unit"])
    y = sub["year"].to_numpy(dtype="int64") - int(years[0])
    ok = (u >= 0) & (y >= 0) & (y < len(years))
    cube[v[ok], u[ok], y[ok]] = sub["value"].to_numpy(dtype="float64")[ok]
    firsts = sub.drop_duplicates("variable").set_index("variable")["source"]
    spans = sub.groupby("variable")["year"].agg(["min", "max"])
    mats = {n: cube[k] for k, n in enumerate(names)}
    sources = {n: str(firsts.get(n, "")) for n in names}
    span = {n: (int(spans.at[n, "min"]), int(spans.at[n, "max"])) if n in spans.index else (0, -1) for n in names}
    return mats, sources, span


def _ffill_with_year(values: np.ndarray, years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Forward-fill along years; also return the year each filled value comes from."""
    have = ~np.isnan(values)
    idx = np.where(have, np.arange(values.shape[1])[None, :], -1)
    np.maximum.accumulate(idx, axis=1, out=idx)
    filled = np.take_along_axis(values, np.clip(idx, 0, None), axis=1)
    src_year = np.where(idx >= 0, years[np.clip(idx, 0, None)], np.nan)
    filled = np.where(idx >= 0, filled, np.nan)
    return filled, src_year


@dataclass
class Prepared:
    """Indicator-level results, which do not depend on weights or aggregation (re-used by ``rescore``)."""

    units: pd.Index
    editions: np.ndarray
    scores: dict[str, np.ndarray]
    imputed: dict[str, np.ndarray]
    columns: dict[str, np.ndarray]
    signature: str
    not_applicable: dict[str, np.ndarray]  # per indicator, units where it does not apply
    has_value: dict[str, np.ndarray] = None  # per indicator (units × editions): a score from data or a declared absent_means
    observed: dict[str, np.ndarray] = None  # per indicator: a score from a record (no absent_means fill, no group mean)


def _signature(fw: Framework) -> str:
    """Everything below aggregation: indicators without their weights, and the defaults."""
    import hashlib
    import json

    data = [i.model_dump(mode="json", exclude={"weight", "name", "rationale", "references", "caveat"}) for i in fw.indicators]
    blob = json.dumps([data, fw.defaults.model_dump(mode="json"), sorted(fw.parents.items())], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def _needed(fw: Framework) -> set[str]:
    needed: set[str] = set()
    for ind in fw.indicators:
        if ind.kind == "expert":
            needed.add(f"expert/{ind.id}")
        if ind.source:
            needed.add(ind.source)
        if ind.transform.per:
            needed.add(ind.transform.per.denominator)
        if ind.expression:
            needed |= {r.name for r in expression.references(expression.parse(ind.expression)) if r.is_variable}
    return needed


def _with_framework_data(fw: Framework, panel: pd.DataFrame, needed: set[str]) -> pd.DataFrame:
    frames = [panel.loc[panel["variable"].isin(needed), ["unit", "year", "variable", "value", "source"]]]
    if not fw.custom.empty:
        frames.append(fw.custom[fw.custom["variable"].isin(needed)])
    if not fw.expert.empty:
        frames.append(pd.DataFrame({"unit": fw.expert["unit"], "year": fw.expert["year"],
                                    "variable": "expert/" + fw.expert["indicator"], "value": fw.expert["value"],
                                    "source": "expert:" + fw.expert["indicator"]}))
    data = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return data.astype({"unit": object, "variable": object, "source": object})


def prepare(fw: Framework, panel: pd.DataFrame, years: list[int] | None = None, *,
            groups: pd.DataFrame | None = None, units: list[str] | None = None) -> Prepared:
    """Indicator-level scores for every unit and edition (default: the framework's editions)."""
    needed = _needed(fw)
    data = _with_framework_data(fw, panel, needed)
    unit_index = pd.Index(sorted(units if units is not None else data["unit"].unique()), name="unit", dtype=object)
    if years is None:
        years = edition_years(fw, int(data["year"].max()) if len(data) else None)
    editions = np.array(sorted(set(int(y) for y in years)))
    lo = int(min(data["year"].min() if len(data) else editions[0], editions[0]))
    all_years = np.arange(lo, int(editions[-1]) + 1)
    data = data[data["year"] <= editions[-1]]
    mats, sources, spans = _matrices(data, needed, unit_index, all_years)
    ed_pos = np.searchsorted(all_years, editions)

    raw_by_id: dict[str, np.ndarray] = {}
    cols: dict[str, list] = {c: [] for c in INDICATOR_COLUMNS if c not in ("unit", "year")}
    child_score, child_imputed, not_applicable, has_value, observed = {}, {}, {}, {}, {}
    nu, ne = len(unit_index), len(editions)
    for ind in _order(fw):
        var = f"expert/{ind.id}" if ind.kind == "expert" else ind.source
        fill = None
        if ind.expression:
            tree = expression.parse(ind.expression)
            vals = {r.name: (mats[r.name] if r.is_variable else raw_by_id[r.name]) for r in expression.references(tree)}
            raw = expression.evaluate(tree, vals)
            src = "; ".join(sorted({sources[r.name] for r in expression.references(tree) if r.is_variable and sources[r.name]}))
            var = ind.expression
        else:
            raw = mats[var].copy()
            src = sources[var]
        raw, filled_gap = gap_fill(raw, ind.gap_fill)
        if not ind.expression:
            if ind.absent_means is not None and spans[var][1] >= spans[var][0]:
                in_span = (all_years >= spans[var][0]) & (all_years <= spans[var][1])
                fill = np.zeros(raw.shape, dtype=bool)
                fill[:, in_span] = np.isnan(raw[:, in_span])
                raw = np.where(fill, ind.absent_means, raw)
        raw_by_id[ind.id] = raw
        if ind.transform.change and filled_gap.any():  # a change is imputed when either end was filled
            n_ch = ind.transform.change.years
            filled_gap[:, n_ch:] |= filled_gap[:, :-n_ch].copy()

        t = ind.transform
        with np.errstate(divide="ignore", invalid="ignore"):
            if t.per:
                trans = raw / mats[t.per.denominator] * t.per.scale
                trans = np.where(np.isfinite(trans), trans, np.nan)
            elif t.log:
                bad = ~np.isnan(raw) & (raw + t.log.offset <= 0)
                if bad.any():
                    ui, yi = np.argwhere(bad)[0]
                    raise MarcError([Problem(src or var, 0, 0, "log-nonpositive",
                                             f"{int(bad.sum())} value(s) of {var} are ≤ {-t.log.offset} (first: {unit_index[ui]} "
                                             f"{all_years[yi]} = {raw[ui, yi]}); indicator {ind.id!r} takes their log: add an offset")])
                trans = np.log(raw + t.log.offset)
            elif t.change:
                n = t.change.years
                past = np.full_like(raw, np.nan)
                past[:, n:] = raw[:, :-n]
                trans = raw - past if t.change.kind == "absolute" else (raw - past) / np.abs(past) * 100.0
                trans = np.where(np.isfinite(trans), trans, np.nan)
            else:
                trans = raw

        # edition selection
        filled, src_year = _ffill_with_year(trans, all_years)
        src_pos = np.nan_to_num(src_year - lo, nan=0).astype(int)
        raw_filled = np.take_along_axis(raw, src_pos, axis=1)
        sel, dy, rawsel = filled[:, ed_pos], src_year[:, ed_pos], raw_filled[:, ed_pos]
        fill_sel = (np.take_along_axis(fill, src_pos, axis=1)[:, ed_pos] if fill is not None
                    else np.zeros((nu, ne), dtype=bool))
        gap_sel = np.take_along_axis(filled_gap, src_pos, axis=1)[:, ed_pos]
        lag = fw.max_lag(ind)
        in_window = ~np.isnan(dy) & (editions[None, :] - dy <= lag)
        ref = np.where(in_window, dy, -np.inf).max(axis=0)
        policy = fw.missing_policy(ind)
        # carry_forward, and drop with an explicit max_years (an institutional fact stays valid for a while;
        # an empty cell still leaves the mean): older values within max_years of the data year are used
        keep_years = (policy.max_years if policy.policy == "carry_forward"
                      or (policy.policy == "drop" and "max_years" in policy.model_fields_set) else 0)
        use = in_window & (dy >= ref[None, :] - keep_years)
        carried = use & (dy < ref[None, :])
        x = np.where(use, sel, np.nan)
        gmean = np.zeros((nu, ne), dtype=bool)
        g = groups[policy.group].reindex(unit_index) if "group_mean" in (policy.policy, policy.then) \
            and groups is not None and policy.group in groups.columns else None
        if g is not None and g.notna().any():  # no unit with a group (pandas cannot group on keys all missing)
            means = pd.DataFrame(x, index=unit_index).groupby(g.to_numpy()).transform("mean").to_numpy()
            gmean = np.isnan(x) & ~np.isnan(means) & g.notna().to_numpy()[:, None]
            x = np.where(gmean, means, x)

        applicable = np.ones(nu, dtype=bool)
        if ind.applies_to is not None:
            if groups is None or ind.applies_to not in groups.columns:
                raise MarcError.single(fw.files[ind.id], "unknown-column",
                                       f"indicator {ind.id!r} applies_to {ind.applies_to!r}, which the country table lacks")
            applicable = groups[ind.applies_to].reindex(unit_index).fillna(False).astype(bool).to_numpy()
            x = np.where(applicable[:, None], x, np.nan)
            use, carried, gmean = (m & applicable[:, None] for m in (use, carried, gmean))
        not_applicable[ind.id] = ~applicable
        x, capped_out = treat_outliers(x, ind.outliers)
        spec = ind.normalise
        if spec is None:  # expert: the declared scale's range as goalposts
            from marc.method.framework import Goalposts

            spec = Goalposts(method="goalposts", min=min(ind.scale), max=max(ind.scale))
        s, clipped = normalise(x, spec, ind.direction, history=trans, years=all_years, editions=editions,
                               orientation=orientation_of(fw, ind.id))
        gap_sel = gap_sel & use & ~gmean
        imputed = carried | gmean | gap_sel
        child_score[ind.id] = s
        child_imputed[ind.id] = imputed.astype(float)
        has_value[ind.id] = ~np.isnan(s) & ~gmean
        observed[ind.id] = has_value[ind.id] & ~fill_sel & ~gap_sel
        n = nu * ne
        for col, value in (("indicator", ind.id), ("parent", fw.parents[ind.id]),
                           ("raw_value", np.where(use & ~gmean, rawsel, np.nan)), ("data_year", np.where(use & ~gmean, dy, np.nan)),
                           ("transformed", x), ("score", s), ("imputed", imputed), ("carried_forward", carried),
                           ("group_mean", gmean), ("gap_filled", gap_sel), ("capped", capped_out | clipped), ("source", src), ("variable", var),
                           ("measure_unit", ind.unit), ("weight", float(ind.weight))):
            cols[col].append(np.asarray(value).ravel() if np.ndim(value) else np.full(n, value, dtype=object if isinstance(value, str) else float))

    columns = {"unit": np.tile(np.repeat(unit_index.to_numpy(), ne), len(fw.indicators)),
               "year": np.tile(np.tile(editions, nu), len(fw.indicators))}
    columns |= {c: np.concatenate(v) for c, v in cols.items()}
    return Prepared(units=unit_index, editions=editions, scores=child_score, imputed=child_imputed, columns=columns,
                    signature=_signature(fw), not_applicable=not_applicable, has_value=has_value, observed=observed)


def aggregate_components(fw: Framework, prep: Prepared) -> pd.DataFrame:
    """Aggregate the prepared indicator scores bottom-up into every component and the index."""
    child_score, child_imputed = dict(prep.scores), dict(prep.imputed)
    nu, ne = len(prep.units), len(prep.editions)
    unit_col, year_col = np.repeat(prep.units.to_numpy(), ne), np.tile(prep.editions, nu)
    comp_tables = []
    droppable = {i.id: np.broadcast_to((fw.missing_policy(i).policy == "drop") | prep.not_applicable[i.id][:, None], (nu, ne))
                 for i in fw.indicators}
    weights = {i.id: i.weight for i in fw.indicators} | {c.id: c.weight for c in fw.components.values()}
    eff = effective_weights(fw)
    for level in fw.levels():
        for comp_id in level:
            comp = fw.index if comp_id == fw.index.id else fw.components[comp_id]
            kids = fw.children(comp_id)
            agg = aggregate_component(comp, np.stack([child_score[k] for k in kids]), np.array([weights[k] for k in kids]),
                                      reversed_children=np.array([reversed_into_parent(fw, k) for k in kids]),
                                      imputed=np.stack([child_imputed[k] for k in kids]),
                                      droppable=np.stack([droppable.get(k, np.zeros((nu, ne), bool)) for k in kids]))
            child_score[comp_id] = agg.score
            child_imputed[comp_id] = np.nan_to_num(agg.imputed_share, nan=0.0)
            role = "index" if comp_id == fw.index.id else fw.roles[comp_id]
            leaf = leaf_coverage(fw, prep, comp_id, eff)
            comp_tables.append(pd.DataFrame({
                "unit": unit_col, "year": year_col, "component": comp_id,
                "role": role, "score": agg.score.ravel(), "value": agg.value.ravel(), "coverage": agg.coverage.ravel(),
                "imputed_share": agg.imputed_share.ravel(), "published": agg.published.ravel(),
            } | {k: v.ravel() for k, v in leaf.items()} | {"orientation": orientation_of(fw, comp_id)}))
    return pd.concat(comp_tables, ignore_index=True)[COMPONENT_COLUMNS]


def _results(fw: Framework, prep: Prepared) -> Results:
    indicators = pd.DataFrame(prep.columns)[INDICATOR_COLUMNS]
    weights = {i.id: float(i.weight) for i in fw.indicators}
    indicators["weight"] = indicators["indicator"].map(weights)
    return Results(indicators=indicators, components=aggregate_components(fw, prep), index_id=fw.index.id,
                   framework_digest=fw.digest)


def score(fw: Framework, panel: pd.DataFrame, years: list[int] | None = None, *,
          groups: pd.DataFrame | None = None, units: list[str] | None = None) -> Results:
    """Score every unit for the given editions (default: the framework's editions)."""
    return _results(fw, prepare(fw, panel, years, groups=groups, units=units))


def rescore(fw: Framework, prep: Prepared) -> Results:
    """Re-aggregate after a change of weights or aggregation only (the indicator stage is re-used).

    Raises ValueError when the framework changed below the aggregation level; call ``score`` then.
    """
    if _signature(fw) != prep.signature:
        raise ValueError("indicators changed beyond their weights; re-score from the panel")
    return _results(fw, prep)
