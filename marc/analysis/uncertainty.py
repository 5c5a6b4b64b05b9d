"""Monte Carlo uncertainty analysis: rank intervals for every unit, fully vectorised.

The ``uncertainty:`` block of index.yaml (:class:`marc.method.framework.Uncertainty`) declares what to
sample.  Every replication draws one value of each *factor*:

* ``weights``           each weight × U(1 − r, 1 + r), or sibling shares ~ Dirichlet(c × declared shares);
* ``normalisation``     one method for every data indicator (declared, minmax, zscore, rank, percentile);
* ``aggregation``       one method for the index (or every component);
* ``missing_data``      one missing-data policy for every data indicator;
* ``indicator_set``     each indicator left out with probability p (weight 0: it leaves the mean and the coverage);
* ``measurement_error`` x + se·z, z ~ N(0, 1) per unit, where the source publishes standard errors (WGI);
* ``expert_coding``     an expert-coded cell takes one of its coders' levels, shifted by one level with a
                        probability set by its confidence (:mod:`marc.analysis.coding_uncertainty`).

A replication is a row of uniform numbers in [0, 1) (the *design*); :func:`decode` maps it to the
factors, so a Monte Carlo sample (``numpy`` random) and a Sobol' sample (SALib) run the same model.

Speed: the indicator stage runs once per missing-data policy (``marc.scoring.engine.prepare``) and each
normalisation is applied to its output; then all replications are aggregated at once with the
formulas and thresholds of :mod:`marc.scoring.aggregate`, on arrays of shape (children, units, replications).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from marc.analysis import coding_uncertainty

from marc.scoring import engine
from marc.scoring.aggregate import aggregate_component
from marc.method.orientation import orientation_of, reversed_into_parent
from marc.core.errors import MarcError, Problem
from marc.method.framework import Goalposts, Missing, MinMax, Percentile, Rank, Uncertainty, ZScore
from marc.method.loader import Framework
from marc.scoring.normalise import normalise, treat_outliers
from marc.analysis.rank_intervals import UncertaintyResult, rank_desc, rank_desc_within  # noqa: F401  (rank_desc: re-exported)
from marc.method.uncertainty_settings import reference_problems

FACTORS = ("weights", "normalisation", "aggregation", "missing_data", "indicator_set", "measurement_error", "expert_coding")
ALTERNATIVE_SPECS = {"minmax": MinMax(method="minmax"), "zscore": ZScore(method="zscore", clip=3.0),
                     "rank": Rank(method="rank"), "percentile": Percentile(method="percentile")}


def alternative_spec(settings: Uncertainty, name: str, indicator: str | None = None):
    """The normalisation of alternative *name* for *indicator*, with the framework's declared parameters:
    zscore's clip and, per indicator, its declared mean and sd; minmax's declared range (goalposts)."""
    if name == "zscore":
        declared = settings.zscore_parameters.get(indicator)
        if declared is not None:
            return ZScore(method="zscore", clip=settings.zscore_clip, mean=declared.mean, sd=declared.sd)
        return ZScore(method="zscore", clip=settings.zscore_clip)
    if name == "minmax" and indicator in settings.minmax_ranges:
        r = settings.minmax_ranges[indicator]
        return Goalposts(method="goalposts", min=r.lower, max=r.upper)
    return ALTERNATIVE_SPECS[name]


CHUNK = 1000  # replications aggregated at once (memory: children × units × CHUNK floats)


@dataclass
class Model:
    """Everything a replication needs, computed once: the indicator stage of every variant."""

    fw: Framework
    settings: Uncertainty
    year: int
    units: pd.Index
    indicators: list[str]  # K, in fw.indicators order
    norms: list[str]
    missings: list[str]
    aggs: list[str]
    scores: np.ndarray  # (V, K, U), V = len(norms) × len(missings), variant v = i_norm × len(missings) + i_miss
    imputed: np.ndarray  # (V, K, U) 0/1
    droppable: np.ndarray  # (V, K, U) bool
    weight_nodes: list[str]  # nodes whose weight is drawn
    me: dict[str, dict] = field(default_factory=dict)  # indicator -> {k, se, x (per missing), gmean, groups}
    coded: dict[str, coding_uncertainty.CodedCells] = field(default_factory=dict)  # expert slot -> its coders' levels
    layout: dict[str, slice] = field(default_factory=dict)  # factor -> columns of the design
    nominal_score: np.ndarray = field(default_factory=lambda: np.empty(0))  # (U,) published index score
    nominal_components: dict[str, np.ndarray] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def dimensions(self) -> int:
        return max((s.stop for s in self.layout.values()), default=0)

    @property
    def factors(self) -> list[str]:
        """The factors that actually vary (a factor with a single alternative or zero width is left out)."""
        return list(self.layout)

    def groups(self) -> list[str]:
        """The factor of every design column (SALib ``groups``)."""
        out = [""] * self.dimensions
        for name, sl in self.layout.items():
            out[sl] = [name] * (sl.stop - sl.start)
        return out


@dataclass
class Draws:
    """The factors of R replications, decoded from a design."""

    weights: dict[str, np.ndarray]  # node -> (R,)
    norm: np.ndarray  # (R,) index into model.norms
    missing: np.ndarray  # (R,) index into model.missings
    agg: np.ndarray  # (R,) index into model.aggs
    excluded: np.ndarray  # (K, R) bool
    z: dict[str, np.ndarray]  # measurement-error indicator -> (U, R) standard normal
    coding: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # expert slot -> 2 × (U, R) uniforms


def _missing_policy(fw: Framework, ind, alt: str) -> Missing:
    declared = fw.missing_policy(ind)
    if alt == "declared" or ind.kind == "expert":
        return declared
    if alt == "carry_forward":
        base = declared if declared.policy == "carry_forward" else fw.defaults.missing
        return Missing(policy="carry_forward", max_years=base.max_years if base.policy == "carry_forward" else 3)
    return Missing(policy=alt, group=declared.group)


def with_missing(fw: Framework, alt: str) -> Framework:
    """The framework with every data indicator's missing-data policy set to *alt*."""
    if alt == "declared":
        return fw
    return replace(fw, indicators=[i.model_copy(update={"missing": _missing_policy(fw, i, alt)}) for i in fw.indicators])


def _column(prep: engine.Prepared, name: str, ind_id: str) -> np.ndarray:
    """One indicator's column of the prepared table for the single edition, as (U,)."""
    n = len(prep.units) * len(prep.editions)
    k = list(prep.columns["indicator"][::n]).index(ind_id)
    return np.asarray(prep.columns[name][k * n:(k + 1) * n], dtype="float64")


def _standard_errors(panel: pd.DataFrame, variable: str, units: pd.Index, data_year: np.ndarray) -> np.ndarray:
    """The standard error published for each unit's value in its data year (0 where none)."""
    sub = panel[panel["variable"] == variable].set_index(["unit", "year"])["value"]
    sub = sub[~sub.index.duplicated()]
    years = np.nan_to_num(data_year, nan=-1).astype(int)
    se = sub.reindex(pd.MultiIndex.from_arrays([units, years])).to_numpy(dtype="float64")
    return np.nan_to_num(np.abs(se), nan=0.0)


def build(fw: Framework, panel: pd.DataFrame, year: int, *, groups: pd.DataFrame | None = None,
          units: list[str] | None = None, settings: Uncertainty | None = None) -> Model:
    """Prepare the indicator stage of every variant for edition *year* (a handful of ``prepare`` calls)."""
    s = settings or fw.uncertainty or Uncertainty()
    ids = [i.id for i in fw.indicators]
    me_vars: dict[str, str] = {}
    skipped: list[str] = []
    if s.measurement_error.enabled:
        have = set(panel["variable"].unique())
        for ind in fw.indicators:
            var = s.measurement_error.variables.get(ind.id) or (f"{ind.source}{s.measurement_error.suffix}" if ind.source else None)
            if var is None or var not in have:
                continue
            if ind.transform.kind != "none" or ind.expression or ind.applies_to:
                skipped.append(f"measurement error of {ind.id} ignored: only untransformed indicators that apply to all "
                               "units take it")
                continue
            me_vars[ind.id] = var
    nodes = set(ids) | set(fw.components)
    wrong = reference_problems(s, set(ids), nodes)  # settings passed in code; index.yaml's are located by the loader
    if wrong:
        raise MarcError([Problem(str(fw.files.get(fw.index.id, "index.yaml")), 0, 0, "unknown-reference", m) for _, m in wrong])
    data = panel[panel["variable"].isin(engine._needed(fw) | set(me_vars.values()))]
    norms, missings = list(dict.fromkeys(s.normalisation)), list(dict.fromkeys(s.missing))
    aggs = list(dict.fromkeys(s.aggregation))
    V, K = len(norms) * len(missings), len(ids)
    preps = {}
    for m in missings:
        preps[m] = engine.prepare(with_missing(fw, m), data, [year], groups=groups, units=units)
    unit_index = preps[missings[0]].units
    U = len(unit_index)
    scores, imputed, droppable = np.full((V, K, U), np.nan), np.zeros((V, K, U)), np.zeros((V, K, U), bool)
    notes: list[str] = skipped
    for j, m in enumerate(missings):
        fw_m, prep = with_missing(fw, m), preps[m]
        for k, ind in enumerate(fw_m.indicators):
            declared = prep.scores[ind.id][:, 0]
            x = _column(prep, "transformed", ind.id)
            for i, n in enumerate(norms):
                v = i * len(missings) + j
                if n == "declared" or ind.kind == "expert":
                    scores[v, k] = declared
                else:
                    scores[v, k] = normalise(x[:, None], alternative_spec(s, n, ind.id), ind.direction,
                                             orientation=orientation_of(fw, ind.id))[0][:, 0]
                imputed[v, k] = prep.imputed[ind.id][:, 0]
                droppable[v, k] = (fw_m.missing_policy(ind).policy == "drop") | prep.not_applicable[ind.id]
    me = {}
    for ind_id, var in me_vars.items():
        ind = fw.indicator(ind_id)
        if getattr(ind.normalise, "reference", None) is not None and "declared" in norms:
            notes.append(f"measurement error of {ind_id} ignored: its declared normalisation uses a reference period")
            continue
        entry = {"k": ids.index(ind_id), "variable": var, "x": {}, "gmean": {}}
        for m in missings:
            prep = preps[m]
            entry["x"][m] = _column(prep, "raw_value", ind_id)  # observed value where used (not group means)
            entry["gmean"][m] = _column(prep, "group_mean", ind_id).astype(bool)
            if m == missings[0]:
                dy = _column(prep, "data_year", ind_id)
            else:
                dy = np.where(np.isnan(dy), _column(prep, "data_year", ind_id), dy)
        entry["se"], entry["data_year"] = _standard_errors(data, var, unit_index, dy), dy
        entry["group"] = (groups[_missing_policy(fw, ind, "group_mean").group].reindex(unit_index).to_numpy()
                          if groups is not None and _missing_policy(fw, ind, "group_mean").group in groups.columns else None)
        if entry["se"].any():
            me[ind_id] = entry
    w = s.weights
    weight_nodes: list[str] = []
    if w.method in ("perturb", "dirichlet"):
        if w.levels in ("indicators", "all"):
            weight_nodes += [i.id for i in fw.indicators if i.weight > 0]
        if w.levels in ("components", "all"):
            weight_nodes += [c for c, comp in fw.components.items() if comp.weight > 0]
        if w.method == "perturb":  # a level with no noise is not a dimension of the design
            weight_nodes = [n for n in weight_nodes if w.range_of(_level(fw, n)) > 0]
    coded = {}
    if s.expert_coding.enabled:
        first = preps[missings[0]]
        for k, ind in enumerate(fw.indicators):
            if ind.kind == "expert" and ind.weight > 0:
                c = coding_uncertainty.cells(ind, k, fw.expert_rows, unit_index, _column(first, "data_year", ind.id),
                                             s.expert_coding.shift_probability)
                if c is not None and (c.shift.any() or (c.counts > 1).any()):
                    coded[ind.id] = c
    layout: dict[str, slice] = {}
    pos = 0
    for name, width in (("weights", len(weight_nodes) + int(bool(s.weight_sets))), ("normalisation", int(len(norms) > 1)),
                        ("aggregation", int(len(aggs) > 1)), ("missing_data", int(len(missings) > 1)),
                        ("indicator_set", K if s.exclusion > 0 else 0), ("measurement_error", U * len(me)),
                        ("expert_coding", 2 * U * len(coded))):
        if width:
            layout[name] = slice(pos, pos + width)
            pos += width
    model = Model(fw=fw, settings=s, year=year, units=unit_index, indicators=ids, norms=norms, missings=missings,
                  aggs=aggs, scores=scores, imputed=imputed, droppable=droppable, weight_nodes=weight_nodes, me=me,
                  coded=coded, layout=layout, notes=notes)
    nominal = engine.aggregate_components(fw, preps["declared"] if "declared" in preps
                                          else engine.prepare(fw, data, [year], groups=groups, units=units))
    for comp, frame in nominal.groupby("component", sort=False):
        model.nominal_components[str(comp)] = frame["score"].to_numpy(dtype="float64")
    model.nominal_score = model.nominal_components[fw.index.id]
    return model


def draw(model: Model, n: int | None = None, seed: int | None = None) -> np.ndarray:
    """A Monte Carlo design: (n, D) uniforms from the seeded generator (the same seed, the same design)."""
    n = model.settings.replications if n is None else n
    rng = np.random.default_rng(model.settings.seed if seed is None else seed)
    return rng.random((n, model.dimensions))


def _level(fw: Framework, node: str) -> str:
    """indicators, sub_pillars or pillars (pillars and governance): the level of a weighted node."""
    if node not in fw.components:
        return "indicators"
    return "sub_pillars" if fw.roles.get(node) == "sub_pillar" else "pillars"


def _choice(u: np.ndarray, n: int) -> np.ndarray:
    return np.minimum((u * n).astype(int), n - 1)


def decode(model: Model, design: np.ndarray) -> Draws:
    """Map a design (R × D uniforms in [0, 1)) to the factors of each replication."""
    from scipy import special  # (scipy.special, not scipy.stats: a third of the import time, off the app's first page)

    design = np.asarray(design, dtype="float64")
    R, lay, fw, s = design.shape[0], model.layout, model.fw, model.settings
    nominal = {i.id: i.weight for i in fw.indicators} | {c: comp.weight for c, comp in fw.components.items()}
    weights = {node: np.full(R, float(wt)) for node, wt in nominal.items()}
    declared = dict(weights)  # per replication: the declared weights or the named set drawn
    if "weights" in lay and s.weight_sets:
        which = _choice(design[:, lay["weights"]][:, -1], 1 + len(s.weight_sets))  # 0: the declared weights
        for k, alt in enumerate(s.weight_sets.values(), start=1):
            for node, wt in alt.items():
                declared[node] = np.where(which == k, float(wt), declared[node])
        weights = dict(declared)
    if "weights" in lay:
        u = design[:, lay["weights"]]
        if s.weights.method == "perturb":
            for j, node in enumerate(model.weight_nodes):
                half = s.weights.range_of(_level(fw, node))
                weights[node] = declared[node] * (1.0 + half * (2.0 * u[:, j] - 1.0))
        else:  # Dirichlet per sibling group, via the gamma quantiles of the uniforms
            col = {node: j for j, node in enumerate(model.weight_nodes)}
            for parent in [fw.index.id, *fw.components]:
                kids = [c for c in fw.children(parent) if c in col]
                if len(kids) < 2:
                    continue
                w0 = np.stack([declared[c] for c in kids], axis=1)  # R × kids (a weight set may change them)
                total = w0.sum(axis=1, keepdims=True)
                alpha = s.weights.concentration * w0 / np.where(total > 0, total, 1.0)
                # the gamma quantile (scipy.stats.gamma.ppf computes it with the same function)
                g = special.gammaincinv(np.maximum(alpha, 1e-9), np.clip(u[:, [col[c] for c in kids]], 1e-12, 1 - 1e-12))
                shares = np.where(alpha > 0, g, 0.0)
                shares = shares / np.where(shares.sum(axis=1, keepdims=True) > 0, shares.sum(axis=1, keepdims=True), 1.0)
                for j, c in enumerate(kids):
                    weights[c] = shares[:, j] * total[:, 0]

    def pick(name: str, n: int) -> np.ndarray:
        return _choice(design[:, lay[name]][:, 0], n) if name in lay else np.zeros(R, dtype=int)

    excluded = np.zeros((len(model.indicators), R), dtype=bool)
    if "indicator_set" in lay:
        excluded = (design[:, lay["indicator_set"]] < s.exclusion).T
        pos = {k: j for j, k in enumerate(model.indicators)}
        for comp in fw.components:  # never leave a component without its data indicators: keep them all instead
            kids = [pos[c] for c in fw.children(comp) if c in pos and fw.indicator(c).kind == "data" and nominal[c] > 0]
            if kids:
                excluded[kids] &= ~excluded[kids].all(axis=0)
    z = {}
    if "measurement_error" in lay:
        u = design[:, lay["measurement_error"]]
        U = len(model.units)
        for j, ind_id in enumerate(model.me):
            z[ind_id] = special.ndtri(np.clip(u[:, j * U:(j + 1) * U], 1e-12, 1 - 1e-12)).T  # the normal quantile
    coding = {}
    if "expert_coding" in lay:
        u = design[:, lay["expert_coding"]]
        U = len(model.units)
        for j, ind_id in enumerate(model.coded):
            block = u[:, 2 * j * U:2 * (j + 1) * U]
            coding[ind_id] = (block[:, :U].T, block[:, U:].T)
    return Draws(weights=weights, norm=pick("normalisation", len(model.norms)), missing=pick("missing_data", len(model.missings)),
                 agg=pick("aggregation", len(model.aggs)), excluded=excluded, z=z, coding=coding)


def _aggregate_many(comp, scores: np.ndarray, w: np.ndarray, method: str, flips: np.ndarray, imputed: np.ndarray,
                    drop: np.ndarray):
    """:func:`marc.scoring.aggregate.aggregate_component` with a weight per child *and replication* (w: children × 1 × R)."""
    agg = aggregate_component(comp, scores, w, method=method, reversed_children=flips, imputed=imputed, droppable=drop)
    return agg.score, np.nan_to_num(agg.imputed_share, nan=0.0)


def _perturbed(model: Model, ind_id: str, m: str, n: str, z: np.ndarray) -> np.ndarray:
    """Scores (U × r) of a measurement-error indicator: observed value + se·z, then the engine's steps."""
    e, ind = model.me[ind_id], model.fw.indicator(ind_id)
    X = e["x"][m][:, None] + e["se"][:, None] * z
    if _missing_policy(model.fw, ind, m).policy == "group_mean" and e["group"] is not None:
        g = e["group"]
        means = pd.DataFrame(X).groupby(g).transform("mean").to_numpy()
        X = np.where(np.isnan(X) & ~np.isnan(means) & pd.notna(g)[:, None], means, X)
    X, _ = treat_outliers(X, ind.outliers)
    spec = ind.normalise if n == "declared" else alternative_spec(model.settings, n, ind_id)
    return normalise(X, spec, ind.direction, orientation=orientation_of(model.fw, ind_id))[0]


def _evaluate_chunk(model: Model, d: Draws) -> dict[str, np.ndarray]:
    fw, K = model.fw, len(model.indicators)
    nm = len(model.missings)
    v = d.norm * nm + d.missing
    S = model.scores.transpose(1, 2, 0)[:, :, v]  # K × U × R
    IMP = model.imputed.transpose(1, 2, 0)[:, :, v]
    DROP = model.droppable.transpose(1, 2, 0)[:, :, v]
    for ind_id, z in d.z.items():
        k = model.me[ind_id]["k"]
        for vv in np.unique(v):
            cols = v == vv
            S[k][:, cols] = _perturbed(model, ind_id, model.missings[vv % nm], model.norms[vv // nm], z[:, cols])
    for ind_id, (u_coder, u_shift) in d.coding.items():
        c = model.coded[ind_id]
        S[c.k] = np.where(np.isnan(S[c.k]), np.nan, coding_uncertainty.perturbed_scores(
            c, fw.indicator(ind_id), u_coder, u_shift, orientation_of(fw, ind_id)))
    R = len(v)
    node = {model.indicators[k]: S[k] for k in range(K)}
    imp = {model.indicators[k]: IMP[k] for k in range(K)}
    drop = {model.indicators[k]: DROP[k] for k in range(K)}
    W = {k: np.where(d.excluded[j], 0.0, d.weights[k]) for j, k in enumerate(model.indicators)}
    W |= {c: d.weights[c] for c in fw.components}
    scoped = lambda c: c == fw.index.id or model.settings.aggregation_levels == "all"  # noqa: E731
    no_drop = np.zeros((len(model.units), 1), dtype=bool)
    for level in fw.levels():
        for comp_id in level:
            comp = fw.index if comp_id == fw.index.id else fw.components[comp_id]
            kids = fw.children(comp_id)
            flips = np.array([reversed_into_parent(fw, c) for c in kids])
            sc = np.stack([node[c] for c in kids])
            w = np.stack([W[c] for c in kids])[:, None, :]
            im = np.stack([imp[c] for c in kids])
            dr = np.stack([np.broadcast_to(drop.get(c, no_drop), sc.shape[1:]) for c in kids])
            methods = np.array([comp.aggregation if a == "declared" else a for a in model.aggs])[d.agg] if scoped(comp_id) \
                else np.full(R, comp.aggregation)
            out, share = np.empty(sc.shape[1:]), np.empty(sc.shape[1:])
            for meth in np.unique(methods):
                cols = methods == meth
                args = (sc, w, im, dr) if cols.all() else (sc[:, :, cols], w[:, :, cols], im[:, :, cols], dr[:, :, cols])
                o, sh = _aggregate_many(comp, args[0], args[1], str(meth), flips, args[2], args[3])
                out[:, cols], share[:, cols] = o, sh
            node[comp_id], imp[comp_id] = out, share
    return {c: node[c] for c in [fw.index.id, *fw.components]}


def evaluate(model: Model, design: np.ndarray, chunk: int = CHUNK) -> dict[str, np.ndarray]:
    """Scores (units × replications) of the index and every component for each row of *design*."""
    parts = [_evaluate_chunk(model, decode(model, design[i:i + chunk])) for i in range(0, max(len(design), 1), chunk)]
    return {c: np.concatenate([p[c] for p in parts], axis=1) for c in parts[0]}


def run(fw: Framework, panel: pd.DataFrame, year: int, *, groups: pd.DataFrame | None = None,
        units: list[str] | None = None, n: int | None = None, seed: int | None = None,
        settings: Uncertainty | None = None, model: Model | None = None, territories=()) -> UncertaintyResult:
    """Monte Carlo uncertainty of edition *year*: *n* replications (default: the framework's) with *seed*.
    Units listed in *territories* are ranked apart from the others (:mod:`marc.data.territories`)."""
    model = model or build(fw, panel, year, groups=groups, units=units, settings=settings)
    seed = model.settings.seed if seed is None else seed
    scores = evaluate(model, draw(model, n, seed))
    return result_from(model, scores, seed, territories)


def result_from(model: Model, scores: dict[str, np.ndarray], seed: int, territories=()) -> UncertaintyResult:
    idx = model.fw.index.id
    apart = set(territories)
    groups = np.array(["territory" if u in apart else "state" for u in model.units]) if apart else None
    return UncertaintyResult(year=model.year, units=model.units, index_id=idx, nominal_score=model.nominal_score,
                             nominal_rank=rank_desc_within(model.nominal_score, groups), scores=scores,
                             ranks=rank_desc_within(scores[idx], groups), factors=model.factors, settings=model.settings,
                             seed=seed, notes=list(model.notes), groups=groups)


def from_outcome(outcome, panel: pd.DataFrame | None = None, year: int | None = None, **kwargs) -> UncertaintyResult:
    """:func:`run` on a :class:`marc.pipeline.project.Outcome` (its framework, units, country groups and, by
    default, its panel)."""
    if panel is None:
        panel = outcome.panel
    groups = outcome.countries.set_index("unit") if outcome.countries is not None else None
    units = sorted(set(outcome.results.components["unit"].unique()))
    apart = outcome.territories["unit"] if outcome.territories is not None else ()
    return run(outcome.framework, panel, year or outcome.years[-1], groups=groups, units=units, territories=apart, **kwargs)
