"""One Monte Carlo replication as an ordinary framework and panel, to score with ``marc.scoring.engine.score``.

The vectorised model in :mod:`marc.analysis.uncertainty` must give exactly what the production engine gives
for the same draws; these functions rebuild a replication's framework (weights, exclusions,
normalisation, missing-data policy, aggregation, the drawn level of each expert-coded cell) and its
panel (measurement error added to the value each unit uses), so a test or a benchmark can check that.  They are slow by design.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from marc.analysis import coding_uncertainty
from marc.analysis.uncertainty_model import Draws, Model, _missing_policy, alternative_spec
from marc.method.loader import Framework


def replication_framework(model: Model, draws: Draws, r: int) -> Framework:
    """The framework of replication *r*: drawn weights (0 when left out) and the chosen methods."""
    fw = model.fw
    norm, miss, agg = model.norms[draws.norm[r]], model.missings[draws.missing[r]], model.aggs[draws.agg[r]]
    indicators = []
    for k, ind in enumerate(fw.indicators):
        update: dict = {"weight": 0.0 if draws.excluded[k, r] else float(draws.weights[ind.id][r]),
                        "missing": _missing_policy(fw, ind, miss)}
        if norm != "declared" and ind.kind == "data":
            update["normalise"] = alternative_spec(model.settings, norm, ind.id)
        indicators.append(ind.model_copy(update=update))

    def method(comp_id: str, comp) -> str:
        scoped = comp_id == fw.index.id or model.settings.aggregation_levels == "all"
        return agg if scoped and agg != "declared" else comp.aggregation

    components = {c: comp.model_copy(update={"weight": float(draws.weights[c][r]), "aggregation": method(c, comp)})
                  for c, comp in fw.components.items()}
    index = fw.index.model_copy(update={"aggregation": method(fw.index.id, fw.index)})
    return replace(fw, indicators=indicators, components=components, index=index, expert=_expert(model, draws, r))


def _expert(model: Model, draws: Draws, r: int) -> pd.DataFrame:
    """The combined expert values with replication *r*'s drawn level in each coded cell."""
    expert = model.fw.expert.copy()
    for ind_id, (u_coder, u_shift) in draws.coding.items():
        c = model.coded[ind_id]
        levels = coding_uncertainty.drawn_levels(c, u_coder[:, [r]], u_shift[:, [r]])[:, 0]
        for u in np.flatnonzero(c.counts > 0):
            hit = ((expert["indicator"] == ind_id) & (expert["unit"] == model.units[u])
                   & (expert["year"] == int(c.years[u])))
            expert.loc[hit, "value"] = levels[u]
    return expert


def replication_panel(model: Model, draws: Draws, r: int, panel: pd.DataFrame) -> pd.DataFrame:
    """The panel of replication *r*: se·z added to the value each unit uses (its data year) for every
    indicator with measurement error."""
    if not draws.z:
        return panel
    out = panel.copy()
    values = out["value"].to_numpy(dtype="float64").copy()
    for ind_id, entry in model.me.items():
        ind = model.fw.indicator(ind_id)
        years = entry["data_year"]
        keys = pd.MultiIndex.from_arrays([model.units, np.nan_to_num(years, nan=-1).astype(int)])
        rows = out.index[(out["variable"] == ind.source).to_numpy()]
        sub = out.loc[rows]
        at = pd.Series(np.arange(len(model.units)), index=keys).reindex(pd.MultiIndex.from_arrays([sub["unit"], sub["year"]]))
        hit = at.notna().to_numpy()
        pos = out.index.get_indexer(rows[hit])
        u = at.to_numpy()[hit].astype(int)
        values[pos] += entry["se"][u] * draws.z[ind_id][u, r]
    out["value"] = values
    return out
