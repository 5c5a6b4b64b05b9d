"""Coverage counted on the leaves: each indicator's effective weight, intended and security-sector coverage.

Moved out of :mod:`marc.scoring.engine` (which re-exports these names).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from marc.method.loader import Framework

if TYPE_CHECKING:  # pragma: no cover
    from marc.scoring.engine import Prepared


def effective_weights(fw: Framework) -> dict[str, float]:
    """Each indicator's share of the index: the product of its normalised weights down the tree."""
    weights = {i.id: float(i.weight) for i in fw.indicators} | {c.id: float(c.weight) for c in fw.components.values()}
    eff: dict[str, float] = {fw.index.id: 1.0}
    for level in reversed(fw.levels()):  # from the index down
        for node in level:
            kids = fw.children(node)
            total = sum(weights[k] for k in kids)
            for k in kids:
                eff[k] = eff.get(node, 0.0) * (weights[k] / total if total > 0 else 0.0)
    return {i.id: eff.get(i.id, 0.0) for i in fw.indicators}


def leaf_coverage(fw: Framework, prep: "Prepared", component: str, eff: dict[str, float]) -> dict[str, np.ndarray]:
    """Coverage of *component* counted on its leaves (units × editions).

    ``coverage_intended``: effective weight of the indicators with a value (data, carried forward or a
    declared ``absent_means``; not a group mean) over that of the indicators that apply to the unit
    (``drop`` policies and empty expert slots included).  ``security_coverage``: the same over
    ``security_sector`` indicators, counting records only (an ``absent_means`` fill is not evidence);
    ``security_observed`` and ``security_total`` count those indicators.
    """
    nu, ne = len(prep.units), len(prep.editions)
    leaves = [i for i in fw.indicators if _descends(fw, i.id, component) and eff[i.id] > 0]
    out = {}
    for name, subset, mask in (("coverage_intended", leaves, prep.has_value),
                               ("security", [i for i in leaves if i.security_sector], prep.observed)):
        num, den = np.zeros((nu, ne)), np.zeros((nu, ne))
        n_obs, n_all = np.zeros((nu, ne)), np.zeros((nu, ne))
        for ind in subset:
            applies = ~prep.not_applicable[ind.id][:, None]
            den += eff[ind.id] * applies
            num += eff[ind.id] * (mask[ind.id] & applies)
            n_all += applies
            n_obs += mask[ind.id] & applies
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(den > 0, num / den, np.nan)
        if name == "coverage_intended":
            out[name] = share
        else:
            out |= {"security_coverage": share, "security_observed": n_obs, "security_total": n_all}
    return out


def _descends(fw: Framework, node: str, ancestor: str) -> bool:
    while node is not None:
        if node == ancestor:
            return True
        node = fw.parents.get(node)
    return False
