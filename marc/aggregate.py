"""Weighted aggregation of child scores into a component, with coverage and imputed share.

``aggregate`` works on arrays of shape (children, units, editions).  Weights are relative; a weight
of 0 excludes a child.  Formulas (``docs/methodology.md``), over the children present:

* arithmetic  A = Σ wᵢ sᵢ / Σ wᵢ
* geometric   G = exp(Σ wᵢ ln max(sᵢ, ε) / Σ wᵢ)
* harmonic    H = Σ wᵢ / Σ (wᵢ / max(sᵢ, ε))

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
        else:
            raise ValueError(f"unknown aggregation {method!r}")
        coverage = np.where(denom > 0, wsum / denom, 0.0)
        imp = np.zeros_like(scores) if imputed is None else np.asarray(imputed, dtype="float64")
        imputed_share = np.where(wsum > 0, (wp * np.where(present, imp, 0.0)).sum(axis=0) / wsum, np.nan)
    value = np.where(wsum > 0, value, np.nan)
    published = (wsum > 0) & (coverage >= min_coverage - 1e-12) & (np.nan_to_num(imputed_share, nan=1.0) <= max_imputed_share + 1e-12)
    return Aggregate(value=value, coverage=coverage, imputed_share=imputed_share, published=published)
