"""Why a country scores as it does: contributions of each indicator and component to the gap
between its score and a reference profile's score.

The reference profile gives every indicator the median score of all scored countries that edition
(``reference="median"``) or of the country's region (``reference="region"``).  The reference
profile is aggregated through the same tree **with the country's effective weights**: only the
children the country has (missing-data renormalisation), each weighted ``wᵢ / Σ w`` over those.
So ``score − reference_score`` is split exactly:

* arithmetic level: ``dᵢ = w̃ᵢ (sᵢ − rᵢ)``;
* geometric level (log-ratio split): ``dᵢ = L(X, R) · w̃ᵢ · ln(s'ᵢ / r'ᵢ)``, with ``s' = max(s, ε)``
  and ``L(x, y) = (x − y) / (ln x − ln y)`` the logarithmic mean (``L(x, x) = x``), since
  ``ln X − ln R = Σ w̃ᵢ ln(s'ᵢ / r'ᵢ)``;
* harmonic level: ``dᵢ = X · R · w̃ᵢ · (1/r'ᵢ − 1/s'ᵢ)``.

A child's own split is scaled by ``dᵢ / (sᵢ − rᵢ)`` (its analytic limit when the two are equal),
so the indicator contributions add up to ``score − reference_score`` at every level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from marc.core.errors import MarcError
from marc.method.loader import Framework
from marc.scoring.engine import Results

Reference = Literal["median", "region"]
TINY = 1e-9


@dataclass
class Explanation:
    """One unit's breakdown for one edition against one reference profile."""

    unit: str
    year: int
    reference: str            # "median" or "region: <name>"
    score: float              # the unit's published index score
    reference_score: float    # the reference profile scored with the unit's effective weights
    indicators: pd.DataFrame  # indicator, name, pillar, parent, effective_weight, score, reference, contribution
    components: pd.DataFrame  # component, name, role, parent, score, reference, contribution

    @property
    def gap(self) -> float:
        return self.score - self.reference_score

    def drivers(self, n: int = 3) -> pd.DataFrame:
        """The *n* indicators with the largest absolute contribution."""
        t = self.indicators.assign(size=self.indicators["contribution"].abs())
        return t.sort_values(["size", "indicator"], ascending=[False, True]).head(n).drop(columns="size")

    def sentence(self, n: int = 3, lang: str = "en", names: dict[str, str] | None = None) -> str:
        """The main drivers in one sentence, in *lang* (the catalogue's ``app_why_*`` messages; *names*:
        indicator id -> name in that language)."""
        if lang != "en":
            return self._sentence_in(n, lang, names or {})
        parts = [f"{r.name} ({r.contribution:+.1f})" for r in self.drivers(n).itertuples()]
        ref = "the median profile" if self.reference == "median" else f"the {self.reference.split(': ', 1)[-1]} median profile"
        direction = "above" if self.gap >= 0 else "below"
        return (f"Scores {abs(self.gap):.1f} points {direction} {ref} ({self.reference_score:.1f}); "
                f"the main drivers are {_join(parts)} points.")

    def _sentence_in(self, n: int, lang: str, names: dict[str, str]) -> str:
        from marc.core.i18n import fmt_number, t, tr
        from marc.method.framework import name_in

        parts = [f"{names.get(r.indicator) or name_in(r.name, lang)} ({fmt_number(r.contribution, lang, 1, sign=True)})"
                 for r in self.drivers(n).itertuples()]
        joined = (parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + t("app_and", lang) + parts[-1]) if parts \
            else t("app_none", lang)
        ref = (t("app_why_ref_median", lang) if self.reference == "median"
               else t("app_why_ref_region", lang, region=tr(self.reference.split(": ", 1)[-1], lang, "region")))
        key = "app_why_above" if self.gap >= 0 else "app_why_below"
        return t(key, lang, gap=fmt_number(abs(self.gap), lang, 1), ref=ref,
                 ref_score=fmt_number(self.reference_score, lang, 1), drivers=joined)


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1] if parts else "none"


def _logmean(x: float, y: float) -> float:
    return x if abs(x - y) <= TINY * max(1.0, abs(x)) else (x - y) / (math.log(x) - math.log(y))


def _aggregate(values: np.ndarray, w: np.ndarray, method: str, eps: float) -> float:
    if method == "arithmetic":
        return float((w * values).sum())
    v = np.maximum(values, eps)
    if method == "geometric":
        return float(np.exp((w * np.log(v)).sum()))
    if method == "harmonic":
        return float(1.0 / (w / v).sum())
    raise ValueError(f"unknown aggregation {method!r}")


def _split(s: np.ndarray, r: np.ndarray, w: np.ndarray, method: str, eps: float, x: float, ref: float
           ) -> tuple[np.ndarray, np.ndarray]:
    """Per child: its share ``d`` of ``x − ref`` and the factor ``k`` that scales its own split."""
    if method == "arithmetic":
        d = w * (s - r)
        limit = w.copy()
    elif method == "geometric":
        sp, rp = np.maximum(s, eps), np.maximum(r, eps)
        lm = _logmean(x, ref)
        d = lm * w * (np.log(sp) - np.log(rp))
        limit = lm * w / np.array([_logmean(a, b) for a, b in zip(sp, rp)])
    else:  # harmonic
        sp, rp = np.maximum(s, eps), np.maximum(r, eps)
        d = x * ref * w * (1.0 / rp - 1.0 / sp)
        limit = x * ref * w / (sp * rp)
    diff = s - r
    k = np.where(np.abs(diff) > TINY, d / np.where(np.abs(diff) > TINY, diff, 1.0), limit)
    return d, k


def explain(fw: Framework, results: Results, unit: str, year: int, *, reference: Reference = "median",
            countries: pd.DataFrame | None = None) -> Explanation:
    """Contributions of *unit*'s indicators and components to its index score minus the reference
    profile's score in edition *year*.  MarcError when the unit has no published index score."""
    ind = results.indicators[(results.indicators["year"] == year) & results.indicators["score"].notna()]
    comp = results.components[results.components["year"] == year]
    label = "median"
    pool = ind
    if reference == "region":
        if countries is None or "region" not in countries.columns:
            raise MarcError.single("countries", "no-region", "the region reference needs the country table's region column")
        region = countries.set_index("unit")["region"].get(unit)
        if region is None or pd.isna(region):
            raise MarcError.single(unit, "no-region", "this country has no region; use the median reference")
        peers = set(countries.loc[countries["region"] == region, "unit"])
        pool = ind[ind["unit"].isin(peers)]
        label = f"region: {region}"
    med = pool.groupby("indicator")["score"].median()
    mine_ind = ind[ind["unit"] == unit].set_index("indicator")["score"]
    mine_comp = comp[comp["unit"] == unit].set_index("component")["score"]
    index_score = mine_comp.get(fw.index.id, np.nan)
    if pd.isna(index_score):
        raise MarcError.single(unit, "no-score", f"{unit} has no published index score in {year}; nothing to explain")
    weights = {i.id: float(i.weight) for i in fw.indicators} | {c.id: float(c.weight) for c in fw.components.values()}
    indicator_ids = {i.id for i in fw.indicators}

    def own(node: str) -> float:
        return float(mine_ind.get(node, np.nan)) if node in indicator_ids else float(mine_comp.get(node, np.nan))

    refs: dict[str, float] = {}
    local: dict[str, dict[str, float]] = {}   # node -> {leaf: share of (own − ref) of node}
    local_comp: dict[str, dict[str, float]] = {}  # node -> {descendant component: share}
    eff: dict[str, dict[str, float]] = {}     # node -> {leaf: product of effective weights below node}

    def visit(node: str) -> None:
        if node in indicator_ids:
            refs[node] = float(med.get(node, np.nan))
            local[node] = {node: own(node) - refs[node]}
            local_comp[node] = {}
            eff[node] = {node: 1.0}
            return
        agg = fw.index if node == fw.index.id else fw.components[node]
        kids = [k for k in fw.children(node) if weights.get(k, 0) > 0]
        for k in kids:
            visit(k)
        present = [k for k in kids if not math.isnan(own(k)) and not math.isnan(refs[k])]
        if not present or math.isnan(own(node)):
            refs[node] = np.nan if not present else _aggregate(
                np.array([refs[k] for k in present]), _norm([weights[k] for k in present]), agg.aggregation, agg.epsilon)
            local[node], local_comp[node], eff[node] = {}, {}, {}
            return
        w = _norm([weights[k] for k in present])
        s = np.array([own(k) for k in present])
        r = np.array([refs[k] for k in present])
        x = own(node)
        refs[node] = _aggregate(r, w, agg.aggregation, agg.epsilon)
        d, k = _split(s, r, w, agg.aggregation, agg.epsilon, x, refs[node])
        local[node], local_comp[node], eff[node] = {}, {}, {}
        for child, dk, kk, wk in zip(present, d, k, w):
            if child not in indicator_ids:
                local_comp[node][child] = float(dk)
                for c2, v in local_comp[child].items():
                    local_comp[node][c2] = float(kk * v)
            for leaf, v in local[child].items():
                local[node][leaf] = float(kk * v) if child not in indicator_ids else float(dk)
            for leaf, v in eff[child].items():
                eff[node][leaf] = float(wk * v)

    visit(fw.index.id)
    top = fw.index.id
    pillar_of = {}
    for leaf in indicator_ids:
        node = leaf
        while fw.parents.get(node) not in (top, None):
            node = fw.parents[node]
        pillar_of[leaf] = node
    names = {i.id: i.name for i in fw.indicators} | {c.id: c.name for c in fw.components.values()}
    rows = [{"indicator": leaf, "name": names.get(leaf, leaf), "pillar": pillar_of.get(leaf), "parent": fw.parents.get(leaf),
             "effective_weight": eff[top].get(leaf, 0.0), "score": own(leaf), "reference": refs.get(leaf, np.nan),
             "contribution": v} for leaf, v in local[top].items()]
    indicators = pd.DataFrame(rows, columns=["indicator", "name", "pillar", "parent", "effective_weight", "score",
                                             "reference", "contribution"])
    crow = [{"component": c, "name": names.get(c, c), "role": fw.roles.get(c), "parent": fw.parents.get(c),
             "score": own(c), "reference": refs.get(c, np.nan), "contribution": v} for c, v in local_comp[top].items()]
    components = pd.DataFrame(crow, columns=["component", "name", "role", "parent", "score", "reference", "contribution"])
    return Explanation(unit=unit, year=int(year), reference=label, score=float(index_score),
                       reference_score=float(refs[top]), indicators=indicators.sort_values(
                           ["pillar", "contribution"], ascending=[True, False], ignore_index=True),
                       components=components)


def _norm(ws: list[float]) -> np.ndarray:
    w = np.asarray(ws, dtype=float)
    return w / w.sum()


def explain_all(fw: Framework, results: Results, year: int, *, reference: Reference = "median",
                countries: pd.DataFrame | None = None) -> pd.DataFrame:
    """Long table for every unit with a published score: ``unit, reference, reference_score, score,
    level, id, name, pillar, effective_weight, unit_value, reference_value, contribution``."""
    comp = results.components[results.components["year"] == year]
    ind = results.indicators[results.indicators["year"] == year]
    results = Results(indicators=ind, components=comp, index_id=results.index_id, framework_digest=results.framework_digest)
    units = comp[(comp["component"] == fw.index.id) & comp["published"]]["unit"]
    frames = []
    for unit in sorted(units):
        e = explain(fw, results, unit, year, reference=reference, countries=countries)
        head = {"unit": unit, "year": e.year, "reference": e.reference, "score": e.score, "reference_score": e.reference_score}
        c = e.components.rename(columns={"component": "id", "parent": "pillar"}).assign(level="component")
        c["pillar"] = c["pillar"].where(c["pillar"] != fw.index.id, c["id"])
        i = e.indicators.rename(columns={"indicator": "id"}).assign(level="indicator")
        both = pd.concat([c.drop(columns="role"), i.drop(columns="parent")], ignore_index=True)
        frames.append(both.rename(columns={"score": "unit_value", "reference": "reference_value"}).assign(**head))
    cols = ["unit", "year", "reference", "score", "reference_score", "level", "id", "name", "pillar", "effective_weight",
            "unit_value", "reference_value", "contribution"]
    return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)


def write_sheet(xl: pd.ExcelWriter, outcome, year: int, sheet: str = "explain") -> None:
    """The breakdown of every scored country (against the median profile) as an XLSX sheet."""
    table = explain_all(outcome.framework, outcome.results, year, countries=outcome.countries)
    note = pd.DataFrame({"note": [
        "Contribution = points each pillar (level component) and indicator adds to or takes from the country's score "
        "against the median profile (every indicator at its median score this edition), with the country's effective "
        "weights after missing-data renormalisation; indicator contributions add up to score - reference_score."]})
    note.to_excel(xl, sheet_name=sheet, index=False)
    table.to_excel(xl, sheet_name=sheet, index=False, startrow=3, freeze_panes=(4, 1))
