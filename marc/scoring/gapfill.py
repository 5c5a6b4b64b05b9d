"""Gap-filling of raw yearly series, as publishers do before scoring (``gap_fill:`` of an indicator).

Works on a units × years matrix (NaN = no observation), one row per unit, years consecutive:

* ``interpolate``: linear between the two observations around a gap, x(t) = x(a) + (t − a)/(b − a)·(x(b) − x(a)),
  only for gaps of at most ``max_gap`` missing years when that is declared;
* ``before_first``: years before the unit's first observation take that value (nearest value);
* ``after_last``: years after its last observation take that value, up to the last column;
* ``max_extend`` limits how far before_first / after_last reach.

The filled values are returned with a mask; the engine flags them ``gap_filled`` and counts them as imputed.
Observations are never changed.
"""

from __future__ import annotations

import numpy as np

from marc.method.framework import GapFill


def _last_index(have: np.ndarray) -> np.ndarray:
    """Per cell, the column of the latest observation at or before it (−1 when none)."""
    idx = np.where(have, np.arange(have.shape[1])[None, :], -1)
    return np.maximum.accumulate(idx, axis=1)


def _next_index(have: np.ndarray) -> np.ndarray:
    """Per cell, the column of the earliest observation at or after it (n when none)."""
    n = have.shape[1]
    idx = np.where(have, np.arange(n)[None, :], n)
    return np.minimum.accumulate(idx[:, ::-1], axis=1)[:, ::-1]


def gap_fill(values: np.ndarray, spec: GapFill | None) -> tuple[np.ndarray, np.ndarray]:
    """Fill *values* (units × consecutive years) by *spec*. Returns (filled values, mask of filled cells)."""
    x = np.asarray(values, dtype="float64")
    if spec is None or x.size == 0:
        return x, np.zeros(x.shape, dtype=bool)
    have = ~np.isnan(x)
    n = x.shape[1]
    cols = np.broadcast_to(np.arange(n)[None, :], x.shape)
    prev, nxt = _last_index(have), _next_index(have)
    out = x.copy()
    if spec.interpolate:
        inside = ~have & (prev >= 0) & (nxt < n)
        if spec.max_gap is not None:
            inside &= (nxt - prev - 1) <= spec.max_gap
        a, b = np.clip(prev, 0, n - 1), np.clip(nxt, 0, n - 1)
        xa, xb = np.take_along_axis(x, a, axis=1), np.take_along_axis(x, b, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            interp = xa + (cols - a) / np.where(b > a, b - a, 1) * (xb - xa)
        out = np.where(inside, interp, out)
    limit = np.inf if spec.max_extend is None else spec.max_extend
    if spec.before_first:
        before = ~have & (prev < 0) & (nxt < n) & (nxt - cols <= limit)
        out = np.where(before, np.take_along_axis(x, np.clip(nxt, 0, n - 1), axis=1), out)
    if spec.after_last:
        after = ~have & (prev >= 0) & (nxt >= n) & (cols - prev <= limit)
        out = np.where(after, np.take_along_axis(x, np.clip(prev, 0, n - 1), axis=1), out)
    return out, ~have & ~np.isnan(out)
