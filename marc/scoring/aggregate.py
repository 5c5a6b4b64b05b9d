"""Weighted aggregation of child scores into a component, with coverage and imputed share.

``aggregate`` works on arrays of shape (children, units, editions).  Weights are relative; a weight
of 0 excludes a child.  Formulas (``docs/methodology.md``), over the children present:

* arithmetic  A = Σ wᵢ sᵢ / Σ wᵢ
* geometric   G = exp(Σ wᵢ ln max(sᵢ, ε) / Σ wᵢ)
* harmonic    H = Σ wᵢ / Σ (wᵢ / max(sᵢ, ε))
* max         M = max sᵢ over the children present with wᵢ > 0 (the worst hazard counts in full)
* min         m = min sᵢ over the children present with wᵢ > 0 (the weakest child sets the level)
* complement  C = 100 + ε − exp(Σ wᵢ ln(100 − sᵢ + ε) / Σ wᵢ), clipped to [0, 100]: the complement of
  the geometric mean of the complements, INFORM's hazard aggregation (``10 − GM(10 − x)``; with
  ε = 100/9 it is exactly the formula of the INFORM Risk 2025 workbook, sheet "Hazard & Exposure":
  ``(10 − GEOMEAN((10 − x)/10·9 + 1))/9·10``).  One severe child is not diluted by calm ones.
  A framework declares the shift as an affine rescaling of the complements, ``complement: {rescale: [a, b]}``,
  which is the same formula with ε = 100·a/(b − a) (:class:`marc.method.framework.ComplementMean`).

``aggregate_component`` applies a component's declared settings: children whose orientation differs
from the component's enter reversed (100 − s), the complement's rescaling, and ``round: n`` (half away
from zero, as Excel's ROUND) on the aggregate.

coverage = (weight present) / (weight present + weight missing, not counting children whose
missing-data policy is ``drop`` or that do not apply to the unit); imputed share = Σ wᵢ·imputedᵢ / Σ wᵢ over the children present.
A component is published only when coverage ≥ min_coverage and imputed share ≤ max_imputed_share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Aggregate:
    value: np.ndarray  # the aggregate (NaN where nothing is present)
    coverage: np.ndarray
    imputed_share: np.ndarray
    published: np.ndarray  # bool

    @property
    def score(self) -> np.ndarray:
        """The published score: NaN where the thresholds are not met."""
        return np.where(self.published, self.value, np.nan)


def aggregate(scores: np.ndarray, weights: np.ndarray, method: str = "arithmetic", *, epsilon: float = 1.0,
              imputed: np.ndarray | None = None, droppable: np.ndarray | None = None,
              min_coverage: float = 0.0, max_imputed_share: float = 1.0) -> Aggregate:
    """Aggregate child *scores* (children × units × editions) with relative *weights* (children,), or
    weights of any shape that broadcasts against the scores (children × 1 × replications)."""
    scores = np.asarray(scores, dtype="float64")
    w = np.asarray(weights, dtype="float64")
    if w.ndim == 1:  # one weight per child; otherwise weights broadcast against the scores (e.g. per replication)
        w = w.reshape(-1, *([1] * (scores.ndim - 1)))
    if (w < 0).any():
        raise ValueError("negative weight")
    active = w > 0
    present = ~np.isnan(scores) & active
    wp = np.where(present, w, 0.0)
    wsum = wp.sum(axis=0)
    if droppable is None:
        drop = np.zeros(w.shape, dtype=bool)
    else:  # per child (children,) or per cell (children × units × editions)
        drop = np.asarray(droppable, bool)
        drop = drop.reshape(-1, *([1] * (scores.ndim - 1))) if drop.ndim == 1 else drop
    missing_counted = ~present & active & ~drop
    denom = wsum + np.where(missing_counted, w, 0.0).sum(axis=0)
    s = np.where(present, scores, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "arithmetic":
            value = (wp * s).sum(axis=0) / wsum
        elif method == "geometric":
            value = np.exp((wp * np.log(np.maximum(s, epsilon))).sum(axis=0) / wsum)
        elif method == "harmonic":
            value = wsum / (wp / np.maximum(s, epsilon)).sum(axis=0)
        elif method in ("max", "maximum"):
            value = np.where(present, scores, -np.inf).max(axis=0)
        elif method in ("min", "minimum"):
            value = np.where(present, scores, np.inf).min(axis=0)
        elif method in ("complement", "inform"):
            value = np.clip(100.0 + epsilon - np.exp((wp * np.log(np.maximum(100.0 - s + epsilon, 1e-12))).sum(axis=0) / wsum),
                            0.0, 100.0)
        else:
            raise ValueError(f"unknown aggregation {method!r}")
        coverage = np.where(denom > 0, wsum / denom, 0.0)
        imp = np.zeros_like(scores) if imputed is None else np.asarray(imputed, dtype="float64")
        imputed_share = np.where(wsum > 0, (wp * np.where(present, imp, 0.0)).sum(axis=0) / wsum, np.nan)
    value = np.where(wsum > 0, value, np.nan)
    published = (wsum > 0) & (coverage >= min_coverage - 1e-12) & (np.nan_to_num(imputed_share, nan=1.0) <= max_imputed_share + 1e-12)
    return Aggregate(value=value, coverage=coverage, imputed_share=imputed_share, published=published)


def combine(values: np.ndarray, weights: np.ndarray, method: str, epsilon: float = 1.0) -> np.ndarray:
    """Combine the columns of *values* (units × children, NaN = absent) with relative *weights*: the hazard
    combination, through :func:`aggregate` (one implementation).  ``geometric`` here is the shifted
    geometric mean Π (x + ε)^w − ε, so that a 0 does not zero everything; ``inform`` is ``complement``."""
    v = np.asarray(values, dtype="float64").T
    w = np.asarray(weights, dtype="float64")
    if method == "geometric":
        out = aggregate(v + epsilon, w, "geometric", epsilon=1e-12).value - epsilon
    else:
        out = aggregate(v, w, method, epsilon=epsilon).value
    return np.where(np.isnan(out), np.nan, np.clip(out, 0.0, 100.0))


def round_half_away(values: np.ndarray, digits: int) -> np.ndarray:
    """Round to *digits* decimals, halves away from zero (Excel's ROUND), after removing binary noise
    (so that 44.49999999999999 computed for 44.5 rounds up, as Excel's 15-digit arithmetic does)."""
    v = np.asarray(values, dtype="float64")
    scaled = np.round(np.abs(v) * 10.0**digits, 6)
    return np.sign(v) * np.floor(scaled + 0.5) / 10.0**digits


def aggregate_component(comp, scores: np.ndarray, weights: np.ndarray, *, method: str | None = None,
                        reversed_children: np.ndarray | None = None, imputed: np.ndarray | None = None,
                        droppable: np.ndarray | None = None) -> Aggregate:
    """Aggregate the children of *comp* (a :class:`marc.method.framework.Component`) with its declared settings.

    *method* overrides the declared aggregation (the uncertainty analysis's alternatives);
    *reversed_children* (children,) marks children whose scores enter as 100 − s (another orientation).
    """
    method = method or comp.aggregation
    scores = np.asarray(scores, dtype="float64")
    if reversed_children is not None and np.any(reversed_children):
        flip = np.asarray(reversed_children, bool).reshape(-1, *([1] * (scores.ndim - 1)))
        scores = np.where(flip, 100.0 - scores, scores)
    if method == "complement":
        epsilon = comp.complement.epsilon if comp.complement is not None else 0.0
    else:
        epsilon = comp.epsilon
    agg = aggregate(scores, weights, method, epsilon=epsilon, imputed=imputed, droppable=droppable,
                    min_coverage=comp.min_coverage, max_imputed_share=comp.max_imputed_share)
    if comp.round is not None:
        agg.value = round_half_away(agg.value, comp.round)
    return agg
