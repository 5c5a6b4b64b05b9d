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

import numpy as np
import pandas as pd

from marc.analysis import coding_uncertainty
from marc.analysis.rank_intervals import UncertaintyResult, rank_desc, rank_desc_within  # noqa: F401  (rank_desc: re-exported)
from marc.analysis.uncertainty_model import (  # noqa: F401  (the model: re-exported)
    ALTERNATIVE_SPECS,
    FACTORS,
    Draws,
    Model,
    _choice,
    _column,
    _level,
    _missing_policy,
    _standard_errors,
    alternative_spec,
    build,
    decode,
    draw,
    with_missing,
)
from marc.method.framework import Uncertainty
from marc.method.loader import Framework
from marc.method.orientation import orientation_of, reversed_into_parent
from marc.scoring.aggregate import aggregate_component
from marc.scoring.normalise import normalise, treat_outliers

CHUNK = 1000  # replications aggregated at once (memory: children × units × CHUNK floats)


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
