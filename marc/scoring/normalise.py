"""Outlier treatment and normalisation to 0–100, vectorised over (units × editions) arrays.

Every function takes ``x`` with one row per unit and one column per edition (a cross-section per
column) and returns scores in [0, 100] where 100 is best, plus a boolean mask of clipped cells.
Methods and their formulas are documented in ``docs/methodology.md``:

* goalposts  s = 100 · clip((x − min) / (max − min), 0, 1)             (ND-GAIN; fixed, comparable over time)
* minmax     as goalposts with min/max of the reference period (or of each edition's cross-section)
* zscore     s = 100 · (clip(z, −c, c) + c) / 2c,  z = (x − μ) / σ       (μ, σ declared, of the reference or observed)
* rank       s = 100 · (r − 1) / (n − 1), r the average rank (1 = lowest value)
* percentile s = 100 · r / n                                             (pandas' percentile rank)
* target     s = 100 · clip((x − worst) / (target − worst), 0, 1)       (distance to target)

For every method but ``target``, ``lower_is_better`` (its synonym ``higher_is_worse``) reverses the score:
s → 100 − s.  In a ``risk`` orientation (100 is worst) every score is reversed once more, ``target``'s too,
so an indicator declares only which raw values are good or bad, never a direction bent to get a formula.
A reference period never reaches past the edition: edition Y uses reference years ≤ Y only, so
adding later data never changes an earlier edition.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from marc.method.framework import Goalposts, MinMax, Outliers, Percentile, Rank, Target, ZScore


def treat_outliers(x: np.ndarray, spec: Outliers | None) -> tuple[np.ndarray, np.ndarray]:
    """Winsorise (per-edition quantiles) or cap (fixed bounds). Returns (values, capped mask)."""
    if spec is None:
        return x, np.zeros(x.shape, dtype=bool)
    if spec.method == "winsorise":
        with np.errstate(all="ignore"):
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                lo = np.nanquantile(x, spec.lower, axis=0) if spec.lower is not None else np.full(x.shape[1], -np.inf)
                hi = np.nanquantile(x, spec.upper, axis=0) if spec.upper is not None else np.full(x.shape[1], np.inf)
    else:
        lo = np.full(x.shape[1], -np.inf if spec.lower is None else spec.lower)
        hi = np.full(x.shape[1], np.inf if spec.upper is None else spec.upper)
    out = np.clip(x, lo[None, :], hi[None, :])
    capped = ~np.isnan(x) & (out != x)
    return out, capped


def _reference_stats(history: np.ndarray, years: np.ndarray, editions: np.ndarray, start: int, end: int):
    """Cumulative (min, max, mean, std) of *history* over reference years ≤ each edition."""
    in_ref = (years >= start) & (years <= end)
    h = np.where(in_ref[None, :], history, np.nan)
    with np.errstate(all="ignore"):
        col_min = np.fmin.accumulate(np.where(np.isnan(h), np.inf, h).min(axis=0))
        col_max = np.fmax.accumulate(np.where(np.isnan(h), -np.inf, h).max(axis=0))
        n = np.cumsum((~np.isnan(h)).sum(axis=0))
        s1 = np.cumsum(np.nansum(h, axis=0))
        s2 = np.cumsum(np.nansum(h * h, axis=0))
        mean = s1 / n
        var = (s2 - n * mean**2) / np.maximum(n - 1, 1)
        std = np.sqrt(np.maximum(var, 0))
    pos = np.searchsorted(years, editions, side="right") - 1
    ok = (pos >= 0) & (n[np.clip(pos, 0, None)] > 0)
    pick = lambda a: np.where(ok, a[np.clip(pos, 0, None)], np.nan)  # noqa: E731
    return pick(col_min), pick(col_max), pick(mean), pick(std)


def _cross_section(x: np.ndarray):
    """Per-column (min, max, mean, sample std) ignoring NaN; NaN for empty columns."""
    n = (~np.isnan(x)).sum(axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi, mu = np.nanmin(x, axis=0), np.nanmax(x, axis=0), np.nanmean(x, axis=0)
    sd = np.sqrt(np.nansum((x - mu) ** 2, axis=0) / np.maximum(n - 1, 1))
    return lo, hi, mu, np.where(n > 0, sd, np.nan)


GOOD_HIGH = frozenset({"higher_is_better", "lower_is_worse"})


def reversed_score(spec, direction: str, orientation: str = "readiness") -> bool:
    """Whether the 0–1 position of a value (0 at the low goalpost) is reversed to give the score."""
    flip = False if isinstance(spec, Target) else direction not in GOOD_HIGH
    return flip != (orientation == "risk")


def normalise(x: np.ndarray, spec, direction: str, *, history: np.ndarray | None = None,
              years: np.ndarray | None = None, editions: np.ndarray | None = None,
              orientation: str = "readiness") -> tuple[np.ndarray, np.ndarray]:
    """Normalise *x* (units × editions) to 0–100: best = 100, or worst = 100 when *orientation* is ``risk``.
    Returns (scores, clipped mask).

    *history* (units × years, the transformed values in every year) and *years*/*editions* are needed
    only for a ``reference`` period.
    """
    x = np.asarray(x, dtype="float64")
    with np.errstate(all="ignore"):
        if isinstance(spec, Goalposts):
            raw = (x - spec.min) / (spec.max - spec.min)
        elif isinstance(spec, Target):
            raw = (x - spec.worst) / (spec.target - spec.worst)
        elif isinstance(spec, (MinMax, ZScore)):
            lo, hi, mu, sd = _cross_section(x)
            if spec.reference is not None and history is not None:
                # reference statistics; editions before the reference starts keep their cross-section
                rlo, rhi, rmu, rsd = _reference_stats(history, years, editions, spec.reference.start, spec.reference.end)
                have = ~np.isnan(rlo)
                lo, hi, mu, sd = (np.where(have, r, c) for r, c in ((rlo, lo), (rhi, hi), (rmu, mu), (rsd, sd)))
            if isinstance(spec, MinMax):
                span = hi - lo
                raw = np.where(span > 0, (x - lo) / np.where(span > 0, span, 1), 0.5)
            elif spec.mean is not None:  # declared mean and spread: the same for every edition
                z = (x - spec.mean) / spec.sd
                raw = (z + spec.clip) / (2 * spec.clip)
            else:
                spread = (sd > 0) & (hi > lo)  # a constant column has no spread, whatever rounding leaves in sd
                z = np.where(spread, (x - mu) / np.where(spread, sd, 1), 0.0)
                raw = (z + spec.clip) / (2 * spec.clip)  # clipped to [0, 1] (|z| ≤ clip) below
        elif isinstance(spec, (Rank, Percentile)):
            frame = pd.DataFrame(x)
            n = frame.notna().sum(axis=0).to_numpy()
            if isinstance(spec, Rank):
                r = frame.rank(axis=0, method="average").to_numpy()
                raw = np.where(n > 1, (r - 1) / np.maximum(n - 1, 1), 0.5)
            else:
                raw = frame.rank(axis=0, method="average", pct=True).to_numpy()
        else:  # pragma: no cover - the schema admits nothing else
            raise TypeError(f"unknown normalisation {spec!r}")
    raw = np.where(np.isnan(x), np.nan, raw)
    clipped = ~np.isnan(raw) & ((raw < 0) | (raw > 1))
    s = np.clip(raw, 0.0, 1.0) * 100.0
    if reversed_score(spec, direction, orientation):
        s = 100.0 - s
    return s, clipped


def normalise_series(values: pd.Series, spec, direction: str = "higher_is_better") -> pd.Series:
    """Convenience: normalise one cross-section (a Series indexed by unit) to 0–100."""
    scores, _ = normalise(values.to_numpy(dtype="float64")[:, None], spec, direction)
    return pd.Series(scores[:, 0], index=values.index, name=values.name)
