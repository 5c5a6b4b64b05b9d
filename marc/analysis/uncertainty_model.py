"""The Monte Carlo model of :mod:`marc.analysis.uncertainty`: what varies and how a replication is drawn.

:func:`build` prepares, once, everything a replication needs (the indicator stage per missing-data policy, the
alternative normalisations, standard errors, weight sets); :func:`draw` samples the design (uniform numbers in
[0, 1)); :func:`decode` maps each row to the choices of one replication (:class:`Draws`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from marc.analysis import coding_uncertainty
from marc.analysis.rank_intervals import UncertaintyResult, rank_desc, rank_desc_within  # noqa: F401  (rank_desc: re-exported)
from marc.core.errors import MarcError, Problem
from marc.method.framework import Goalposts, MinMax, Missing, Percentile, Rank, Uncertainty, ZScore
from marc.method.loader import Framework
from marc.method.orientation import orientation_of
from marc.method.uncertainty_settings import reference_problems
from marc.scoring import engine
from marc.scoring.normalise import normalise

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


