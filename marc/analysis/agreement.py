"""Agreement between coders of expert-coded indicators: Krippendorff's alpha (ordinal).

After V-Dem, several independent coders code each country-year and their disagreement is kept as
uncertainty.  For each expert slot, the reliability data are coders × cells (a cell is one unit and
year) over every row that is not rejected; alpha is computed with the maintained ``krippendorff``
package at the ordinal level over the slot's declared scale, only where at least
:data:`MIN_UNITS` cells have two or more coders.  A bootstrap over cells (seeded) gives a 95%
interval.  Alpha is "not computable" where every value is equal (no expected disagreement), and
flagged below :data:`THRESHOLD` (Krippendorff's lowest conceivable limit for tentative conclusions).
"""

from __future__ import annotations

import warnings

import krippendorff
import numpy as np
import pandas as pd

from marc.method.framework import Indicator

MIN_UNITS = 10
THRESHOLD = 0.667
BOOTSTRAP = 1000
COLUMNS = ["indicator", "cells_multi", "coders", "alpha", "ci_low", "ci_high", "status"]


def reliability_matrix(rows: pd.DataFrame) -> np.ndarray:
    """Coders × cells of levels (NaN where a coder did not code a cell), rejected rows left out."""
    live = rows[rows["status"] != "rejected"]
    table = live.pivot_table(index="coder", columns=["unit", "year"], values="value", aggfunc="first")
    return table.to_numpy(dtype="float64")


def _alpha(data: np.ndarray, domain: list[int]) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return float(krippendorff.alpha(reliability_data=data, level_of_measurement="ordinal", value_domain=domain))
        except (ValueError, ZeroDivisionError):
            return float("nan")


def slot_agreement(rows: pd.DataFrame, ind: Indicator, *, seed: int = 20240601, bootstrap: int = BOOTSTRAP) -> dict:
    """Krippendorff's alpha of one slot's coders, with its status and bootstrap interval."""
    out = dict.fromkeys(COLUMNS, np.nan) | {"indicator": ind.id}
    if rows.empty:
        return out | {"cells_multi": 0, "coders": 0, "status": f"too few cells coded twice (0 < {MIN_UNITS})"}
    data = reliability_matrix(rows)
    multi = (~np.isnan(data)).sum(axis=0) >= 2
    out |= {"cells_multi": int(multi.sum()), "coders": int(data.shape[0])}
    if multi.sum() < MIN_UNITS:
        return out | {"status": f"too few cells coded twice ({int(multi.sum())} < {MIN_UNITS})"}
    pairable = data[:, multi]
    values = pairable[~np.isnan(pairable)]
    if np.unique(values).size < 2:
        return out | {"status": "not computable (every value is equal)"}
    domain = sorted(int(k) for k in (ind.scale or {}))
    alpha = _alpha(pairable, domain)
    rng = np.random.default_rng(seed)
    n = pairable.shape[1]
    boot = np.array([_alpha(pairable[:, rng.integers(0, n, n)], domain) for _ in range(bootstrap)])
    boot = boot[~np.isnan(boot)]
    low, high = (np.percentile(boot, [2.5, 97.5]) if boot.size else (np.nan, np.nan))
    status = "ok" if alpha >= THRESHOLD else f"low agreement (alpha < {THRESHOLD})"
    return out | {"alpha": alpha, "ci_low": float(low), "ci_high": float(high), "status": status}


def agreement(expert_rows: pd.DataFrame, indicators: list[Indicator], **kwargs) -> pd.DataFrame:
    """One row per expert slot (see :func:`slot_agreement`)."""
    slots = [i for i in indicators if i.kind == "expert"]
    rows = [slot_agreement(expert_rows[expert_rows["indicator"] == i.id] if not expert_rows.empty else expert_rows, i,
                           **kwargs) for i in slots]
    return pd.DataFrame(rows, columns=COLUMNS)
