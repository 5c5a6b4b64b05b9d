"""Uncertainty of expert-coded values: the ``expert_coding`` factor of the Monte Carlo analysis.

For each expert slot and unit with a scored value in the edition, a replication draws:

1. one of the cell's scored coders' levels, uniformly (one coder: always that level), so that
   several coders who disagree widen the distribution by their spread (after V-Dem, whose
   measurement model keeps coder disagreement as uncertainty);
2. a shift of one level down or up (half each) with the probability set by the cell's confidence
   (the lowest of its coders'): ``high`` 0.1, ``medium`` 0.25, ``low`` 0.5 by default
   (``uncertainty.expert_coding`` in index.yaml); the level is kept within the declared scale.

The drawn level is normalised like the published one (the scale's range as goalposts).  Two
uniforms per cell come from the design, so Monte Carlo and Sobol' samples run the same model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from marc.method.evidence import SCORED
from marc.method.framework import Goalposts, Indicator
from marc.scoring.normalise import normalise


@dataclass
class CodedCells:
    """The coders' levels of one expert slot for every unit of an edition."""

    k: int  # position of the indicator in the model
    levels: np.ndarray  # units × max coders, NaN-padded
    counts: np.ndarray  # units: scored coders (0 = no value)
    shift: np.ndarray  # units: probability of a one-level shift
    lo: int
    hi: int
    years: np.ndarray  # units: the data year of the edition's value (NaN where none)


def cells(ind: Indicator, k: int, rows: pd.DataFrame, units: pd.Index, data_year: np.ndarray,
          probability: dict[str, float]) -> CodedCells | None:
    """The scored coders' levels of *ind* for each unit in its edition's data year (None without any)."""
    scored = rows[(rows["indicator"] == ind.id) & rows["status"].isin(SCORED)] if not rows.empty else rows
    if scored.empty:
        return None
    years = pd.Series(data_year, index=units)
    scored = scored[scored["unit"].isin(units)]
    scored = scored[scored["year"].to_numpy() == years.reindex(scored["unit"]).to_numpy()]
    if scored.empty:
        return None
    groups = scored.groupby("unit")
    width = int(groups.size().max())
    levels = np.full((len(units), width), np.nan)
    counts = np.zeros(len(units), dtype=int)
    shift = np.zeros(len(units))
    pos = units.get_indexer(list(groups.groups))
    for p, (_, g) in zip(pos, groups):
        vals = np.sort(g["value"].to_numpy(dtype=float))
        levels[p, :len(vals)] = vals
        counts[p] = len(vals)
        shift[p] = max(probability.get(c, 0.0) for c in g["confidence"])  # the least confident coder sets it
    scale = sorted(int(v) for v in (ind.scale or {}))
    return CodedCells(k=k, levels=levels, counts=counts, shift=shift, lo=scale[0], hi=scale[-1],
                      years=np.asarray(data_year, dtype=float))


def drawn_levels(c: CodedCells, u_coder: np.ndarray, u_shift: np.ndarray) -> np.ndarray:
    """Levels (units × replications) from two uniforms per cell; NaN where the unit has no value."""
    n = np.maximum(c.counts, 1)[:, None]
    pick = np.minimum((u_coder * n).astype(int), n - 1)
    level = np.take_along_axis(np.nan_to_num(c.levels, nan=0.0), pick, axis=1)
    p = c.shift[:, None]
    level = level - (u_shift < p / 2) + ((u_shift >= p / 2) & (u_shift < p))
    level = np.clip(level, c.lo, c.hi).astype(float)
    level[c.counts == 0] = np.nan
    return level


def perturbed_scores(c: CodedCells, ind: Indicator, u_coder: np.ndarray, u_shift: np.ndarray,
                     orientation: str = "readiness") -> np.ndarray:
    """Scores (units × replications) of the drawn levels, normalised like the published ones."""
    level = drawn_levels(c, u_coder, u_shift)
    spec = Goalposts(method="goalposts", min=c.lo, max=c.hi) if c.hi > c.lo else Goalposts(method="goalposts", min=c.lo, max=c.lo + 1)
    return normalise(level, spec, ind.direction, orientation=orientation)[0]
