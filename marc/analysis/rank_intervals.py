"""Rank intervals: ranks of every replication and their per-unit summary (used by :mod:`marc.analysis.uncertainty`)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from marc.method.framework import Uncertainty


def rank_desc(scores: np.ndarray) -> np.ndarray:
    """Ranks down each column (1 = highest; ties share the best rank: the competition rule of
    :func:`marc.scoring.ranking.competition_rank`, scores compared at the same decimals); NaN stays NaN."""
    from marc.scoring.ranking import DECIMALS

    scores = np.round(np.asarray(scores, dtype="float64"), DECIMALS)
    squeeze = scores.ndim == 1
    x = scores[:, None] if squeeze else scores
    key = np.where(np.isnan(x), np.inf, -x)
    order = np.argsort(key, axis=0, kind="stable")
    ordered = np.take_along_axis(key, order, axis=0)
    pos = np.arange(1, x.shape[0] + 1, dtype="float64")[:, None]
    new = np.ones(ordered.shape, dtype=bool)
    new[1:] = ordered[1:] != ordered[:-1]
    first = np.maximum.accumulate(np.where(new, pos, 0.0), axis=0)
    ranks = np.empty(x.shape)
    np.put_along_axis(ranks, order, first, axis=0)
    ranks[np.isnan(x)] = np.nan
    return ranks[:, 0] if squeeze else ranks


def rank_desc_within(scores: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
    """:func:`rank_desc` within each group of rows (territories are ranked apart from sovereign states)."""
    if groups is None or len(np.unique(groups)) < 2:
        return rank_desc(scores)
    scores = np.asarray(scores, dtype="float64")
    out = np.full(scores.shape, np.nan)
    for g in np.unique(groups):
        rows = np.asarray(groups) == g
        out[rows] = rank_desc(scores[rows])
    return out


@dataclass
class UncertaintyResult:
    """The Monte Carlo replications of one edition and their per-unit summary."""

    year: int
    units: pd.Index
    index_id: str
    nominal_score: np.ndarray  # (U,)
    nominal_rank: np.ndarray  # (U,)
    scores: dict[str, np.ndarray]  # component -> (U, R) published scores
    ranks: np.ndarray  # (U, R) rank of the index in each replication
    factors: list[str]
    settings: Uncertainty
    seed: int
    notes: list[str] = field(default_factory=list)
    groups: np.ndarray | None = None  # (U,) "state" / "territory" when territories are ranked apart

    @property
    def replications(self) -> int:
        return self.ranks.shape[1]

    def rank_shift(self) -> np.ndarray:
        """Per replication: the mean absolute rank shift over units ranked in both (the JRC R̄ₛ)."""
        shift = np.abs(self.ranks - self.nominal_rank[:, None])
        n = (~np.isnan(shift)).sum(axis=0)
        return np.where(n > 0, np.nansum(shift, axis=0) / np.maximum(n, 1), np.nan)

    def summary(self) -> pd.DataFrame:
        """Per unit: nominal score and rank, mean/median rank, 5–95% rank and score intervals, mean |rank shift|."""
        r, s = self.ranks, self.scores[self.index_id]
        share = (~np.isnan(r)).mean(axis=1)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            q = np.nanpercentile(r, [5, 50, 95], axis=1)
            qs = np.nanpercentile(s, [5, 50, 95], axis=1)
            out = pd.DataFrame({
                "unit": self.units.to_numpy(), "year": self.year, "score": self.nominal_score, "rank": self.nominal_rank,
                "mean_rank": np.nanmean(r, axis=1), "median_rank": q[1], "rank_p05": q[0], "rank_p95": q[2],
                "score_mean": np.nanmean(s, axis=1), "score_p05": qs[0], "score_p95": qs[2],
                "mean_abs_rank_shift": np.nanmean(np.abs(r - self.nominal_rank[:, None]), axis=1),
                "published_share": share})
            if self.groups is not None and len(np.unique(self.groups)) > 1:
                out.insert(2, "ranked_among", self.groups)
        return out.sort_values(["rank", "mean_rank", "unit"], ignore_index=True, na_position="last")

    def component_summary(self) -> pd.DataFrame:
        """Per unit and component: the 5%, median and 95% score of the replications (tidy)."""
        frames = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            for comp, s in self.scores.items():
                q = np.nanpercentile(s, [5, 50, 95], axis=1)
                frames.append(pd.DataFrame({"unit": self.units.to_numpy(), "year": self.year, "component": comp,
                                            "score_p05": q[0], "score_median": q[1], "score_p95": q[2]}))
        return pd.concat(frames, ignore_index=True)
