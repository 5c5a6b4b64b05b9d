"""Which editions are offered, and where a unit's composition changes between editions.

**Offered editions.**  An edition is offered (CLI default, app slider, exports) when every pillar and
governance is published *on mostly observed data* (imputed share at most :data:`OBSERVED`) for more than
:data:`MOST` of the scored units; the offered range runs from the first such year to the last such year.
Earlier editions are still computed (``marc score --year``) for trends: a pillar held back there from a
later single release (``gap_fill: before_first``) keeps the index's composition steady but is not
evidence about that year, so it does not make the edition offered.

**Composition changes.**  A unit's composition in an edition is the set of components (pillars,
governance) it has a published score for and the set of indicators with a score.  When the set differs
from the unit's previous computed edition, ``composition_changed`` is true and ``composition_change``
lists what appeared (``+``) and disappeared (``-``), e.g. ``+response; +ind:health_access``: a move in
that edition is partly a change of what is measured, not only of the values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from marc.core.errors import MarcError
from marc.scoring.engine import Results

#: share of scored units that must have each pillar published for an edition to be offered
MOST = 0.5
#: a pillar counts towards an offered edition only when at most this share of its weight is imputed
OBSERVED = 0.5


def pillar_coverage(results: Results, roles: dict[str, str]) -> pd.DataFrame:
    """``year × component``: the share of scored units with a published score resting on mostly observed
    data (imputed share at most OBSERVED), pillars and governance."""
    comp = results.components
    keep = [c for c, r in roles.items() if r in ("pillar", "governance")]
    sub = comp[comp["component"].isin(keep)]
    n_units = comp["unit"].nunique()
    observed = sub["published"] & (sub["imputed_share"].fillna(0) <= OBSERVED)
    share = sub[observed].groupby(["year", "component"]).size().unstack("component").reindex(
        index=sorted(comp["year"].unique()), columns=keep).fillna(0) / max(n_units, 1)
    return share


def offered_editions(results: Results, roles: dict[str, str]) -> list[int]:
    """The editions offered: from the first to the last year in which every pillar and governance is
    published for more than MOST of the units.  A framework where no edition meets that (say a pillar
    of expert slots not yet coded) falls back to the editions that publish the index for more than
    MOST of the units, so that it still scores."""
    share = pillar_coverage(results, roles)
    ok = share.index[(share > MOST).all(axis=1)]
    if not len(ok):
        comp = results.components
        idx = comp[(comp["component"] == results.index_id) & comp["published"]].groupby("year").size()
        ok = idx.index[idx > MOST * max(comp["unit"].nunique(), 1)]
    if not len(ok):
        raise MarcError.single("scores", "no-edition",
                               f"no edition publishes the index for more than {MOST:.0%} of the units; "
                               "check the data (marc pull) and the coverage thresholds")
    return [int(y) for y in share.index if ok.min() <= y <= ok.max()]


def composition_changes(results: Results, roles: dict[str, str]) -> pd.DataFrame:
    """``unit, year, composition_changed, composition_change`` for every unit and computed edition
    (the first edition of a unit never counts as a change)."""
    comp = results.components
    comp = comp[comp["component"].isin([c for c, r in roles.items() if r in ("pillar", "governance")])]
    parts = [comp[comp["published"]].assign(item=comp["component"])[["unit", "year", "item"]]]
    ind = results.indicators
    parts.append(ind[ind["score"].notna()].assign(item="ind:" + ind["indicator"])[["unit", "year", "item"]])
    both = pd.concat(parts)
    units = sorted(results.components["unit"].unique())
    years = sorted(results.components["year"].unique())
    # presence[unit, year, item], compared with the unit's previous edition (vectorised: start-up time)
    u = pd.Categorical(both["unit"], categories=units).codes
    y = pd.Categorical(both["year"], categories=years).codes
    item = pd.Categorical(both["item"])
    names = [str(n) for n in item.categories]  # sorted, as sorted() sorts strings
    keep = (u >= 0) & (y >= 0)
    present = np.zeros((len(units), len(years), len(names)), dtype=bool)
    present[u[keep], y[keep], item.codes[keep]] = True
    added, gone = present[:, 1:] & ~present[:, :-1], present[:, :-1] & ~present[:, 1:]
    text = np.full((len(units), len(years)), "", dtype=object)  # the first edition of a unit never counts as a change
    for i, j in zip(*np.nonzero(added.any(axis=2) | gone.any(axis=2))):
        text[i, j + 1] = "; ".join([f"+{names[k]}" for k in np.flatnonzero(added[i, j])]
                                   + [f"-{names[k]}" for k in np.flatnonzero(gone[i, j])])
    text = text.ravel()
    return pd.DataFrame({"unit": np.repeat(np.array(units, dtype=object), len(years)),
                         "year": np.tile(np.array(years), len(units)), "composition_changed": text != "",
                         "composition_change": text})
