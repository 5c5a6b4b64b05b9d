"""The data behind the app's views: plain functions over the scored tables (no Streamlit here).

Every function takes the wide table of :meth:`marc.pipeline.project.Outcome.table` (one row per unit and
edition: index, components, ranks, names, and hazard columns when present), the tidy results, or
the country table, and returns a small DataFrame or dict that a page draws as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from marc.core.errors import MarcError
from marc.method.loader import Framework
from marc.method.orientation import orientation_of
from marc.pipeline.project import Outcome
from marc.scoring.ranking import competition_rank, rank_text  # noqa: F401  (one ranking rule; re-exported)

#: class breaks (0–100 scores) for the choropleth: five equal classes, stable across editions
BREAKS = (0.0, 20.0, 40.0, 60.0, 80.0, 100.0)
NO_DATA = "No data"
FILTERED = "Not in filter"
#: hazard-related columns the app knows how to show when the hazard results are present
HAZARD_COLUMNS = ("exposure", "priority", "priority_class", "quadrant", "gap", "conflict_affected", "transition")
FLAG_FILTERS = ("ldc", "sids", "conflict_affected", "transition")


#: the brief's order of the components (others follow in declaration order)
ORDER = ("mitigation", "adaptation", "response", "cooperation", "governance")


def components(fw: Framework) -> list[str]:
    """Pillars and governance in MARC order."""
    comps = [c for c, r in fw.roles.items() if r in ("pillar", "governance")]
    return sorted(comps, key=lambda c: (ORDER.index(c) if c in ORDER else len(ORDER), comps.index(c)))


@dataclass(frozen=True)
class Metric:
    column: str
    label: str
    kind: str  # "score" (higher = more ready), "risk" (a risk-oriented score: higher = worse),
    #            "hazard" (higher = more exposed) or "priority"


def class_labels(breaks: tuple[float, ...] = BREAKS) -> list[str]:
    return [f"{breaks[k]:g}–{breaks[k + 1]:g}" for k in range(len(breaks) - 1)]


def classify(values: pd.Series, breaks: tuple[float, ...] = BREAKS) -> pd.Series:
    """Class label per value (lower bound inclusive, the top class closed); NaN -> ``No data``."""
    labels = class_labels(breaks)
    idx = np.searchsorted(np.asarray(breaks[1:-1]), values.to_numpy(dtype=float), side="right")
    out = pd.Series(np.asarray(labels, dtype=object)[np.clip(idx, 0, len(labels) - 1)], index=values.index)
    return out.where(values.notna(), NO_DATA)


def hazard_labels(framework_dir: Path) -> dict[str, str]:
    """Layer id -> label from hazards.yaml (empty when there is none or the hazard code is absent)."""
    path = Path(framework_dir) / "hazards.yaml"
    if not path.exists():
        return {}
    try:
        from marc.hazards import load_hazards
    except ImportError:
        return {}
    return {layer.id: layer.label for layer in load_hazards(path).enabled}


def metrics(fw: Framework, table: pd.DataFrame, hazards: dict[str, str] | None = None, lang: str = "en") -> list[Metric]:
    """What the map can show: readiness, each pillar, governance, then exposure, each hazard and
    priority when those columns are in *table*; labels in *lang* (the YAML's bilingual names, the
    catalogue's hazard terms)."""
    from marc.core.i18n import t, tr
    from marc.method.framework import name_in

    def metric(node: str, name: str) -> Metric:
        if orientation_of(fw, node) == "risk":
            return Metric(node, t("app_metric_risk", lang, name=name_in(name, lang)), "risk")
        return Metric(node, name_in(name, lang), "score")

    out = [metric(fw.index.id, fw.index.name)]
    for comp_id in components(fw):
        if comp_id in table.columns:
            out.append(metric(comp_id, fw.components[comp_id].name))
    if "exposure" in table.columns:
        out.append(Metric("exposure", t("app_metric_exposure", lang), "hazard"))
    for layer, label in (hazards or {}).items():
        if layer in table.columns:
            out.append(Metric(layer, tr(label, lang, "hazard"), "hazard"))
    if "priority" in table.columns:
        out.append(Metric("priority", t("app_metric_priority", lang), "priority"))
    if "security_coverage_pct" in table.columns:
        out.append(Metric("security_coverage_pct", t("app_metric_security_coverage", lang), "score"))
    if "coverage_intended_pct" in table.columns:
        out.append(Metric("coverage_intended_pct", t("app_metric_coverage", lang), "score"))
    return out


def with_hazard_layers(outcome: Outcome, table: pd.DataFrame) -> pd.DataFrame:
    """*table* plus each hazard layer's 0–100 score as of each edition (the latest dated at or before
    it) and the year it comes from (``exposure_year``), from ``outcome.hazard_table``."""
    haz = getattr(outcome, "hazard_table", None)
    if haz is None or not len(haz):
        return table
    cols = [c for c in haz.columns if c not in ("unit", "year", "exposure") and not c.endswith("_capped")
            and c not in table.columns]
    h = haz[["unit", "year", *cols]].astype({"unit": object, "year": "int64"}).sort_values("year")
    h["unit"] = h["unit"].map(str).astype(object)
    h["exposure_year"] = h["year"]
    left = table.astype({"year": "int64"}).reset_index().sort_values("year")
    left["unit"] = left["unit"].map(str).astype(object)
    merged = pd.merge_asof(left, h, on="year", by="unit", direction="backward")
    return merged.sort_values("index").drop(columns="index").reset_index(drop=True)


def data_years(outcome: Outcome) -> pd.DataFrame:
    """``unit, year, component, data_year``: the newest data year among the scored indicators under
    each component (and the index)."""
    fw = outcome.framework
    ind = outcome.results.indicators
    ind = ind[ind["score"].notna()][["unit", "year", "indicator", "data_year"]]
    frames = []
    for comp in [fw.index.id, *fw.components]:
        kids = [i.id for i in fw.indicators if _under(fw, i.id, comp)]
        sub = ind[ind["indicator"].isin(kids)].groupby(["unit", "year"], as_index=False)["data_year"].max()
        frames.append(sub.assign(component=comp))
    return pd.concat(frames, ignore_index=True)


def _under(fw: Framework, node: str, ancestor: str) -> bool:
    while node in fw.parents:
        node = fw.parents[node]
        if node == ancestor:
            return True
    return False


def filter_units(table: pd.DataFrame, countries: pd.DataFrame, *, regions: list[str] | None = None,
                 incomes: list[str] | None = None, flags: dict[str, bool] | None = None) -> set[str]:
    """Units of *table* passing the filters (an empty list means "all"; a flag True keeps only units
    with that flag)."""
    extra = [c for c in countries.columns if c != "unit" and c not in table.columns]
    t = table.merge(countries[["unit", *extra]], on="unit", how="left")
    keep = pd.Series(True, index=t.index)
    if regions:
        keep &= t["region"].isin(regions)
    if incomes:
        keep &= t["income_group"].isin(incomes)
    for flag, on in (flags or {}).items():
        if on and flag in t.columns:
            keep &= t[flag].fillna(False).astype(bool)
    return set(t.loc[keep, "unit"])


def rank_interval_text(summary: pd.DataFrame | None) -> pd.Series:
    """``unit -> "12–31"`` from an uncertainty summary (5–95% rank interval), empty when absent."""
    if summary is None or summary.empty:
        return pd.Series(dtype=object)
    ok = summary.dropna(subset=["rank_p05", "rank_p95"])
    text = ok["rank_p05"].round().astype(int).astype(str) + "–" + ok["rank_p95"].round().astype(int).astype(str)
    return pd.Series(text.to_numpy(), index=ok["unit"].astype(str).to_numpy())


def map_frame(table: pd.DataFrame, metric: Metric, year: int, *, keep: set[str] | None = None,
              years: pd.DataFrame | None = None, intervals: pd.DataFrame | None = None) -> pd.DataFrame:
    """``unit, name, value, rank, n_ranked, data_year, cls`` for one metric and edition.  Rank 1 is the
    most ready (scores) or the most exposed / highest priority (hazards, priority)."""
    t = table[table["year"] == year]
    value = t[metric.column].astype(float) if metric.column in t.columns else pd.Series(np.nan, index=t.index)
    out = pd.DataFrame({"unit": t["unit"].astype(str), "name": t.get("name", t["unit"]), "value": value})
    if keep is not None:
        out.loc[~out["unit"].isin(keep), "value"] = np.nan
    if "ranked_among" in t.columns:  # territories are ranked apart from sovereign states (marc.data.territories)
        out["ranked_among"] = t["ranked_among"].astype(str).to_numpy()
        parts = [competition_rank(v) for _, v in out.groupby("ranked_among")["value"]]
        out["rank"], out["n_tied"] = pd.concat([r for r, _ in parts]), pd.concat([n for _, n in parts])
        out["n_ranked"] = out.groupby("ranked_among")["value"].transform("count").astype(int)
    else:
        out["rank"], out["n_tied"] = competition_rank(out["value"])
        out["n_ranked"] = int(out["value"].notna().sum())
    if metric.kind in ("score", "risk") and years is not None:
        dy = years[(years["year"] == year) & (years["component"] == metric.column)][["unit", "data_year"]]
        out = out.merge(dy, on="unit", how="left")
    elif "exposure_year" in t.columns:
        out["data_year"] = t["exposure_year"].to_numpy()
    else:
        out["data_year"] = np.nan
    out["cls"] = classify(out["value"])
    if keep is not None:
        out.loc[~out["unit"].isin(keep), "cls"] = FILTERED
    if intervals is not None:  # rank intervals are for the unfiltered index ranking
        out["rank_interval"] = out["unit"].map(rank_interval_text(intervals))
    return out.reset_index(drop=True)


def priority_frame(table: pd.DataFrame, year: int) -> pd.DataFrame:
    """``unit, name, exposure, gap, e_class, g_class, bivariate`` for the 3×3 priority map
    (classes 1–3 from ``priority_class`` "E<e>-G<g>")."""
    t = table[table["year"] == year]
    cls = t["priority_class"].astype(object) if "priority_class" in t.columns else pd.Series(None, index=t.index)
    parts = cls.str.extract(r"E(\d)-G(\d)")
    return pd.DataFrame({"unit": t["unit"].astype(str), "name": t.get("name", t["unit"]),
                         "exposure": t.get("exposure"), "gap": t.get("gap"),
                         "e_class": pd.to_numeric(parts[0]), "g_class": pd.to_numeric(parts[1]),
                         "bivariate": cls.where(cls.notna(), NO_DATA)}).reset_index(drop=True)


def same_group(table: pd.DataFrame, unit: str) -> pd.DataFrame:
    """The rows ranked with *unit*: all of them, or its group (``ranked_among``) when territories are
    ranked apart from sovereign states (:mod:`marc.data.territories`)."""
    if "ranked_among" not in table.columns or not (table["unit"] == unit).any():
        return table
    group = table.loc[table["unit"] == unit, "ranked_among"].iloc[0]
    return table[table["ranked_among"] == group]


def headline(table: pd.DataFrame, fw: Framework, unit: str, year: int) -> pd.DataFrame:
    """``component, name, score, rank, n_ranked, percentile`` of one unit for the index, pillars and
    governance (ranks among the units with a score that edition, within the unit's group when
    territories are ranked apart)."""
    t = same_group(table[table["year"] == year], unit)
    rows = []
    for comp in [fw.index.id, *components(fw)]:
        if comp not in t.columns:
            continue
        col = t[comp].astype(float)
        rank, tied = competition_rank(col)
        pct = col.rank(pct=True) * 100
        mine = t["unit"] == unit
        if not mine.any():
            continue
        rows.append({"component": comp, "name": fw.index.name if comp == fw.index.id else fw.components[comp].name,
                     "score": float(col[mine].iloc[0]), "rank": rank[mine].iloc[0], "n_tied": tied[mine].iloc[0], "n_ranked": int(col.notna().sum()),
                     "percentile": pct[mine].iloc[0]})
    return pd.DataFrame(rows)


def peer_medians(table: pd.DataFrame, countries: pd.DataFrame, fw: Framework, unit: str, year: int,
                 lang: str = "en") -> pd.DataFrame:
    """Long ``component, name, who, score`` with the unit, its region's median and its income group's median
    (names and groups in *lang*)."""
    from marc.core.i18n import t as msg
    from marc.core.i18n import tr
    from marc.method.framework import name_in

    t = table[table["year"] == year].drop(columns=["region", "income_group"], errors="ignore")
    t = t.merge(countries[["unit", "region", "income_group"]], on="unit", how="left")
    me = t[t["unit"] == unit]
    if me.empty:
        return pd.DataFrame(columns=["component", "name", "who", "score"])
    region, income = me["region"].iloc[0], me["income_group"].iloc[0]
    rows = []
    for comp in components(fw):
        name = name_in(fw.components[comp].name, lang)
        rows.append({"component": comp, "name": name, "who": str(me["unit"].iloc[0]), "score": float(me[comp].iloc[0])})
        rows.append({"component": comp, "name": name, "who": msg("app_region_median", lang, region=tr(region, lang, "region")),
                     "score": float(t.loc[t["region"] == region, comp].median())})
        rows.append({"component": comp, "name": name, "who": msg("app_income_median", lang, income=tr(income, lang, "income")),
                     "score": float(t.loc[t["income_group"] == income, comp].median())})
    return pd.DataFrame(rows)


def indicator_table(outcome: Outcome, unit: str, year: int, registry=None) -> pd.DataFrame:
    """The unit's indicators: name, pillar, raw value, unit, data year, score, flags, source and a
    citation link (from data/sources.yaml)."""
    fw = outcome.framework
    ind = outcome.results.indicators
    t = ind[(ind["unit"] == unit) & (ind["year"] == year)].copy()
    names = {i.id: i.name for i in fw.indicators}
    t.insert(0, "name", t["indicator"].map(names))
    flags = np.where(t["imputed"].astype(bool) & ~t["carried_forward"].astype(bool), "imputed", "")
    flags = np.where(t["carried_forward"].astype(bool), "carried forward", flags)
    t["flags"] = np.where(t["capped"].astype(bool), np.char.add(flags.astype(str), " capped"), flags)
    t["flags"] = t["flags"].str.strip()
    if "status" in t.columns:  # expert values: baseline desk coding is unreviewed; disputed rows are left out
        note = t["status"].map({"baseline": "unreviewed desk coding", "approved": "approved evidence"}).fillna("")
        note = note.where(t.get("disputed", 0).fillna(0).astype(int) == 0, note + "; disputed value(s) excluded")
        t["flags"] = (t["flags"] + " " + note).str.strip()
    if registry is not None:
        def link(src: object) -> str | None:
            try:
                s = registry.get(str(src))
            except MarcError:  # expert:<id>, custom:<name> or an unknown id
                return None
            return s.homepage or (s.urls[0].url if s.urls else None)

        def cite(src: object) -> str | None:
            try:
                return registry.get(str(src)).citation
            except MarcError:
                return None

        t["link"] = t["source"].map(link)
        t["citation"] = t["source"].map(cite)
    cols = ["indicator", "name", "parent", "raw_value", "measure_unit", "data_year", "score", "flags", "weight",
            "source", "link", "citation"]
    return t[[c for c in cols if c in t.columns]].reset_index(drop=True)


def strengths_weaknesses(outcome: Outcome, unit: str, year: int, n: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The unit's *n* strongest and weakest indicators, judged by score minus the median score of
    all units that edition (so a weak-for-everyone indicator is not called a weakness of this unit)."""
    ind = outcome.results.indicators
    y = ind[(ind["year"] == year) & ind["score"].notna()]
    med = y.groupby("indicator")["score"].median()
    me = y[y["unit"] == unit][["indicator", "score"]].copy()
    me["median"] = me["indicator"].map(med)
    me["vs_median"] = me["score"] - me["median"]
    names = {i.id: i.name for i in outcome.framework.indicators}
    me.insert(1, "name", me["indicator"].map(names))
    ordered = me.sort_values(["vs_median", "indicator"], ascending=[False, True])
    return ordered.head(n).reset_index(drop=True), ordered.tail(n).iloc[::-1].reset_index(drop=True)


def data_gaps(outcome: Outcome, unit: str, year: int) -> pd.DataFrame:
    """Indicators with no score for the unit, or whose score is imputed or carried forward."""
    ind = outcome.results.indicators
    t = ind[(ind["unit"] == unit) & (ind["year"] == year)]
    gap = t[t["score"].isna() | t["imputed"].astype(bool) | t["carried_forward"].astype(bool)]
    names = {i.id: i.name for i in outcome.framework.indicators}
    status = np.where(gap["score"].isna(), "missing", np.where(gap["carried_forward"].astype(bool),
                                                               "carried forward", "imputed"))
    return pd.DataFrame({"indicator": gap["indicator"].to_numpy(), "name": gap["indicator"].map(names).to_numpy(),
                         "status": status, "data_year": gap["data_year"].to_numpy()})


def trend(table: pd.DataFrame, unit: str, columns: list[str]) -> pd.DataFrame:
    """Long ``year, component, score, imputed_share, composition_changed, composition_change`` for the unit
    across editions.  ``imputed_share`` is the share of the component's weight that is imputed (carried
    forward, held back from a later release, group mean); the last two say where what is measured
    changed (:mod:`marc.scoring.editions`)."""
    t = table[table["unit"] == unit]
    long = t[["year", *[c for c in columns if c in table.columns]]].melt(
        id_vars="year", var_name="component", value_name="score").dropna(subset=["score"])
    by_year = t.set_index("year")
    imputed = pd.Series(np.nan, index=long.index)
    for comp in long["component"].unique():  # the index's own share is ``imputed_share`` (columns[0] is the index)
        col = "imputed_share" if comp == columns[0] else f"{comp}_imputed_share"
        if col in by_year.columns:
            sel = long["component"] == comp
            imputed[sel] = long.loc[sel, "year"].map(by_year[col]).to_numpy()
    long["imputed_share"] = imputed
    flags = t.set_index("year")
    changed = flags["composition_changed"] if "composition_changed" in flags else pd.Series(False, index=flags.index)
    text = flags["composition_change"] if "composition_change" in flags else pd.Series("", index=flags.index)
    long["composition_changed"] = long["year"].map(changed.fillna(False).astype(bool)).fillna(False).astype(bool)
    long["composition_change"] = long["year"].map(text.fillna("")).fillna("")
    return long.reset_index(drop=True)


def rank_changes(before: pd.DataFrame, after: pd.DataFrame, index_id: str, year: int, n: int = 10) -> pd.DataFrame:
    """Rank of every unit before and after a framework change for one edition, the biggest movers first.
    ``change`` > 0 means the unit moved up (a smaller rank number)."""
    def ranks(t: pd.DataFrame) -> pd.DataFrame:
        t = t[t["year"] == year]
        return pd.DataFrame({"unit": t["unit"], "name": t.get("name", t["unit"]), "score": t[index_id],
                             "rank": competition_rank(t[index_id])[0]})

    b, a = ranks(before), ranks(after)
    m = b.merge(a.drop(columns=["name"]), on="unit", how="outer", suffixes=("_saved", "_edited"))
    m["change"] = m["rank_saved"] - m["rank_edited"]
    m["abs_change"] = m["change"].abs()
    m = m.sort_values(["abs_change", "unit"], ascending=[False, True]).drop(columns="abs_change")
    return m.head(n).reset_index(drop=True) if n else m.reset_index(drop=True)


def compare(table: pd.DataFrame, units: list[str], year: int, columns: list[str]) -> pd.DataFrame:
    """Side-by-side: one column per unit (named), one row per component."""
    t = table[(table["year"] == year) & table["unit"].isin(units)]
    t = t.set_index(t.get("name", t["unit"]).fillna(t["unit"]))
    return t[[c for c in columns if c in t.columns]].T


def sources_table(registry, lock: dict, report: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per source: title, publisher, licence, open, vintage (retrieved date from the lock),
    origin, and coverage (variables, last year, mean coverage of the last year) from the quality report."""
    entries = lock.get("sources", {}) if isinstance(lock, dict) else {}
    rows = []
    for sid, s in registry.sources.items():
        e = entries.get(sid, {})
        row = {"id": sid, "title": s.title, "publisher": s.publisher, "licence": s.licence,
               "open_licence": s.open_licence, "retrieved": e.get("retrieved"), "origin": e.get("origin"),
               "homepage": s.homepage, "citation": s.citation}
        if report is not None and len(report):
            r = report[report["source"] == sid]
            cov = [c for c in r.columns if c.startswith("coverage_")]
            row["variables"] = len(r)
            row["last_year"] = int(r["last_year"].max()) if len(r) else None
            row["coverage_latest"] = float(r[cov[-1]].mean()) if len(r) and cov else None
        rows.append(row)
    return pd.DataFrame(rows)
