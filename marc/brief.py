"""The country brief as facts: one JSON-serialisable dict per country, built only from the results
table and the panel, then rendered (PDF: :mod:`marc.brief_pdf`, DOCX: :mod:`marc.brief_docx`).

Every number in the facts is rounded to the precision it is shown at, so the rendered text can be
checked against the facts and the facts against the results table (tests/test_brief.py).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from marc import export, views
from marc.errors import MarcError
from marc.project import Outcome

LOCALES = Path(__file__).parent / "locales"
LANGS = ("en", "fr")
UNCERTAINTY_COMMAND = "marc uncertainty --out ranks.csv"
INFORM_HAZARDS = ("river_flood", "coastal_flood", "drought", "tropical_cyclone")
PROJECTED = ("flood", "coastal_flood", "drought", "epidemic")
N_PEERS, N_EXTREMES = 8, 3


@lru_cache(maxsize=4)
def messages(lang: str = "en") -> dict[str, Any]:
    """The message catalogue of *lang* (marc/locales/<lang>.yaml, YAML 1.2)."""
    from ruamel.yaml import YAML

    if lang not in LANGS:
        raise MarcError.single("--lang", "bad-language", f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    return YAML(typ="safe").load((LOCALES / f"{lang}.yaml").read_text(encoding="utf-8"))


def num(value: Any, lang: str = "en") -> str:
    """A number as shown in a brief: exactly as stored in the facts; decimal comma in French."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,}" if isinstance(value, int) or "e" not in repr(float(value)) else f"{value:.3g}"
    if lang == "fr":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text.replace("-", "−") if text.startswith("-") else text


def _r(value: Any, digits: int = 1) -> float | None:
    if value is None or pd.isna(value):
        return None
    return round(float(value), digits)


def _sig(value: Any, sig: int = 3) -> float | None:
    """Round to *sig* significant digits (raw values span many magnitudes)."""
    if value is None or pd.isna(value):
        return None
    v = float(value)
    return 0.0 if v == 0 else round(v, max(0, sig - 1 - int(math.floor(math.log10(abs(v))))))


def _latest(panel: pd.DataFrame, unit: str, variable: str, year: int) -> tuple[float | None, int | None, str | None]:
    rows = panel[(panel["unit"] == unit) & (panel["variable"] == variable) & (panel["year"] <= year)]
    if rows.empty:
        return None, None, None
    row = rows.loc[rows["year"].idxmax()]
    return float(row["value"]), int(row["year"]), str(row["source"])


def _source_of(panel: pd.DataFrame | None, variable: str | None) -> str | None:
    if panel is None or not variable:
        return None
    hit = panel.loc[panel["variable"] == variable, "source"]
    return str(hit.iloc[0]) if len(hit) else None


def _text(value: Any) -> str | None:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _flag(value: Any) -> bool | None:
    return None if value is None or pd.isna(value) else bool(value)


def _headline(outcome: Outcome, table: pd.DataFrame, unit: str, year: int, intervals: pd.DataFrame | None) -> list[dict]:
    comp = outcome.results.components
    comp = comp[(comp["unit"] == unit) & (comp["year"] == year)].set_index("component")
    ids = [outcome.results.index_id, *views.components(outcome.framework)]
    out = []
    for cid in ids:
        scores = pd.to_numeric(table.set_index("unit")[cid], errors="coerce")
        value = scores.get(unit)
        ranks = views.competition_rank(scores)[0]
        row = comp.loc[cid] if cid in comp.index else None
        item = {"id": cid, "name": outcome.framework.components[cid].name if cid in outcome.framework.components
                else outcome.framework.index.name,
                "score": _r(value), "rank": None if pd.isna(value) else int(ranks[unit]), "n_ranked": int(scores.notna().sum()),
                "coverage_pct": None if row is None else _r(100 * row["coverage"], 0),
                "imputed_pct": None if row is None else _r(100 * row["imputed_share"], 0),
                "rank_low": None, "rank_high": None}
        if intervals is not None and ("component" in intervals.columns or cid == outcome.results.index_id):
            mask = intervals["unit"] == unit
            if "component" in intervals.columns:
                mask &= intervals["component"] == cid
            hit = intervals[mask].dropna(subset=["rank_low", "rank_high"])
            if len(hit):
                item["rank_low"], item["rank_high"] = int(hit["rank_low"].iloc[0]), int(hit["rank_high"].iloc[0])
        out.append(item)
    return out


def _year(value: Any) -> int | None:
    """A data year as an int, or None."""
    return None if value is None or pd.isna(value) else int(value)


def _peers(outcome: Outcome, table: pd.DataFrame, unit: str, info: pd.Series) -> dict:
    idx = outcome.results.index_id
    cols = [idx, *views.components(outcome.framework)]
    groups = outcome.countries.set_index("unit") if outcome.countries is not None else pd.DataFrame()
    t = table.assign(region=table["unit"].map(groups.get("region", pd.Series(dtype=str))),
                     income_group=table["unit"].map(groups.get("income_group", pd.Series(dtype=str))))
    t = t.assign(rank_all=views.competition_rank(t[idx])[0])
    same = t[(t["region"] == info.get("region")) & (t["income_group"] == info.get("income_group")) & t[idx].notna()]
    same = same.sort_values(idx, ascending=False)
    if len(same) > N_PEERS:  # the nearest in rank, the country included
        mine = same.loc[same["unit"] == unit, "rank_all"]
        if len(mine):
            same = same.assign(dist=(same["rank_all"] - mine.iloc[0]).abs()).nsmallest(N_PEERS, "dist", keep="first")
        same = same.head(N_PEERS).sort_values(idx, ascending=False)
    members = [{"unit": r.unit, "name": r.name, "score": _r(getattr(r, idx)), "rank": int(r.rank_all)}
               for r in same.itertuples()]

    if _text(info.get("region")) is None or _text(info.get("income_group")) is None:
        t = t.assign(region=None, income_group=None)  # no groups known: no peers, no medians

    def medians(mask: pd.Series) -> dict:
        sub = t[mask]
        return {"n": int(sub[idx].notna().sum()), **{c: _r(pd.to_numeric(sub[c], errors="coerce").median()) for c in cols}}

    return {"members": members, "region_median": medians(t["region"] == info.get("region")),
            "income_median": medians(t["income_group"] == info.get("income_group"))}


def _indicators(outcome: Outcome, unit: str, year: int) -> tuple[list[dict], dict]:
    ind = outcome.results.indicators
    rows = ind[(ind["unit"] == unit) & (ind["year"] == year)]
    fw = outcome.framework
    kinds = {i.id: i.kind for i in fw.indicators}
    names = {i.id: i.name for i in fw.indicators}
    have = rows[rows["score"].notna()].sort_values(["score", "indicator"], ascending=[False, True])
    items = [{"id": r.indicator, "name": names.get(r.indicator, r.indicator), "pillar": r.parent,
              "score": _r(r.score), "raw_value": _sig(r.raw_value), "measure_unit": r.measure_unit or "",
              "data_year": None if pd.isna(r.data_year) else int(r.data_year), "source": r.source or "expert",
              "imputed": bool(r.imputed)} for r in have.itertuples()]
    data_ids = [i for i, k in kinds.items() if k == "data"]
    expert_ids = [i for i, k in kinds.items() if k == "expert"]
    scored = set(have["indicator"])
    coverage = {"n_ind": len(data_ids), "n_data": len(scored & set(data_ids)),
                "n_expert_slots": len(expert_ids), "n_expert": len(scored & set(expert_ids))}
    return items, coverage


def _hazards(outcome: Outcome, table_row: pd.Series, unit: str, year: int) -> dict:
    out: dict[str, Any] = {"exposure": _r(table_row.get("exposure")), "priority": _r(table_row.get("priority")),
                           "gap": _r(table_row.get("gap")), "priority_class": _text(table_row.get("priority_class")),
                           "quadrant": _text(table_row.get("quadrant")), "year": None, "layers": [], "inform": []}
    hz, config = outcome.hazard_table, outcome.hazards
    if hz is not None and config is not None:
        rows = hz[(hz["unit"] == unit) & (hz["year"] <= year)]
        if len(rows):
            row = rows.loc[rows["year"].idxmax()]
            out["year"] = int(row["year"])
            for layer in config.layers:
                if layer.enabled and layer.id in row.index and pd.notna(row[layer.id]):
                    src = layer.source.dataset if layer.source is not None else _source_of(outcome.panel, layer.variable)
                    if layer.statistic is not None and layer.statistic.kind == "population_share":
                        src = f"{src}, {config.population.dataset}"
                    window = list(layer.time.window) if layer.time.window else None
                    out["layers"].append({"id": layer.id, "label": layer.label, "score": _r(row[layer.id]),
                                          "window": window, "source": src})
    if outcome.panel is not None:
        for h in INFORM_HAZARDS:
            value, y, src = _latest(outcome.panel, unit, f"inform/{h}", year)
            if value is not None:
                out["inform"].append({"hazard": h, "value": _r(value), "year": y, "source": src})
    return out


def _projections(panel: pd.DataFrame | None, unit: str, year: int) -> dict:
    out: dict[str, Any] = {"year": None, "source": "inform_climate_change", "risk": [], "he_change": []}
    if panel is None:
        return out
    base, y, _ = _latest(panel, unit, "informcc/risk", year)
    out["year"], out["baseline"] = y, _r(base)
    for horizon in (2050, 2080):
        for scen in ("optimistic", "pessimistic"):
            value, _, _ = _latest(panel, unit, f"informcc/risk_{horizon}_{scen}", year)
            if value is not None:
                out["risk"].append({"horizon": horizon, "scenario": scen, "value": _r(value)})
    for h in PROJECTED:
        value, _, _ = _latest(panel, unit, f"informcc/{h}_he_change_2050_pessimistic", year)
        if value is not None:
            out["he_change"].append({"hazard": h, "value": _r(value)})
    return out


def _gcf(panel: pd.DataFrame | None, unit: str, year: int) -> dict:
    out: dict[str, Any] = {"year": None, "source": "gcf_open_data"}
    for key, var, digits in (("readiness_grants", "readiness_grants", 0), ("readiness_usd_m", "readiness_usd", 1),
                             ("funded_activities", "funded_activities", 0), ("funded_usd_m", "fa_usd", 1),
                             ("direct_access_entities", "direct_access_entities", 0)):
        value, y, _ = _latest(panel, unit, f"gcf/{var}", year) if panel is not None else (None, None, None)
        if value is not None and var.endswith("usd"):
            value = value / 1e6
        out[key] = None if value is None else (int(round(value)) if digits == 0 else _r(value, digits))
        out["year"] = out["year"] or y
    return out


def _method(outcome: Outcome) -> dict:
    fw = outcome.framework
    weights = {c: fw.components[c].weight for c in fw.children(fw.index.id) if c in fw.components}
    config = outcome.hazards
    return {"aggregation": fw.index.aggregation, "weights": weights,
            "min_coverage_pct": _r(100 * fw.index.min_coverage, 0), "max_imputed_pct": _r(100 * fw.index.max_imputed_share, 0),
            "max_lag": fw.defaults.max_lag, "missing": fw.defaults.missing.policy,
            "missing_years": fw.defaults.missing.max_years,
            "exposure": None if config is None else {
                "combine": config.exposure.combine, "components": {c: config.exposure.weight(c) for c in config.exposure.components},
                "gap_of": list(config.priority.gap_of), "method": config.priority.method},
            "indicators": _indicator_method(outcome)}


def _indicator_method(outcome: Outcome) -> list[dict]:
    table = export.method_table(outcome)
    table = table[table["level"].str.startswith("indicator")]
    return table[["id", "name", "parent", "weight", "direction", "normalise"]].fillna("").to_dict("records")


def facts(outcome: Outcome, unit: str, year: int | None = None, *, intervals: pd.DataFrame | None = None,
          table: pd.DataFrame | None = None, today: str | None = None) -> dict[str, Any]:
    """The facts of one country's brief (JSON-serialisable). *intervals*: rank intervals per unit
    (``unit, [component,] rank_low, rank_high``) from :mod:`marc.uncertainty`; None shows "not computed"."""
    y = export.edition(outcome, year)
    table = outcome.table(y) if table is None else table
    unit = unit.strip().upper()
    hit = table[table["unit"] == unit]
    if hit.empty:
        raise MarcError.single("brief", "unknown-unit", f"{unit!r} is not a scored unit in edition {y}; use an ISO3 "
                               f"code such as CIV (see `marc score --out scores.csv` for the list)")
    row = hit.iloc[0]
    info = outcome.countries.set_index("unit").loc[unit] if outcome.countries is not None and unit in set(
        outcome.countries["unit"]) else pd.Series(dtype=object)
    indicators, coverage = _indicators(outcome, unit, y)
    from importlib.metadata import PackageNotFoundError, version

    try:
        marc_version = version("marc")
    except PackageNotFoundError:
        marc_version = "dev"
    return {
        "meta": {"unit": unit, "name": str(row.get("name") or info.get("name") or unit), "year": y,
                 "date": today or _dt.date.today().isoformat(), "version": marc_version,
                 "framework": outcome.framework.digest, "default_framework": export.default_digest(),
                 "is_default": export.is_default(outcome), "uncertainty_command": UNCERTAINTY_COMMAND},
        "country": {"region": _text(info.get("region")), "income_group": _text(info.get("income_group"))},
        "headline": _headline(outcome, table, unit, y, intervals),
        "peers": _peers(outcome, table, unit, info),
        "hazards": _hazards(outcome, row, unit, y),
        "projections": _projections(outcome.panel, unit, y),
        "strengths": indicators[:N_EXTREMES],
        "weaknesses": indicators[::-1][:N_EXTREMES] if len(indicators) > N_EXTREMES else [],
        "context": {"ldc": _flag(info.get("ldc")), "sids": _flag(info.get("sids")), "lldc": _flag(info.get("lldc")),
                    "conflict_affected": _flag(row.get("conflict_affected")), "transition": _flag(row.get("transition")),
                    "conflict_affected_year": _year(row.get("conflict_affected_year")),
                    "transition_year": _year(row.get("transition_year")),
                    "gcf_eligible": _flag(info.get("non_annex_i"))},
        "gcf": _gcf(outcome.panel, unit, y),
        "coverage": coverage,
        "method": _method(outcome),
        "sources": export.sources_table(export.used_sources(outcome, ("inform_climate_change", "gcf_open_data")))
        .to_dict("records"),
    }


# --------------------------------------------------------------------------- shared by the renderers


def name_of(key: str, lang: str, fallback: str | None = None) -> str:
    return messages(lang).get("names", {}).get(key, fallback or key)


def framework_line(f: dict, lang: str) -> str:
    m, meta = messages(lang), f["meta"]
    if meta["is_default"]:
        return m["framework_default"].format(digest=meta["framework"])
    return m["framework_custom"].format(digest=meta["framework"], default=meta["default_framework"] or "?")


def rank_text(item: dict, lang: str) -> str:
    m = messages(lang)
    if item["score"] is None:
        return m["not_published"]
    return m["rank_of"].format(rank=num(item["rank"], lang), n=num(item["n_ranked"], lang))


def interval_text(item: dict, f: dict, lang: str) -> str:
    if item["rank_low"] is None:
        return messages(lang)["interval_short"]
    return f"{num(item['rank_low'], lang)}–{num(item['rank_high'], lang)}"


def rationale(f: dict, lang: str = "en") -> str:
    """A neutral paragraph built only from numbers shown elsewhere in the brief."""
    m, meta = messages(lang), f["meta"]
    head = f["headline"][0]
    parts = [m["rationale_score"].format(name=meta["name"], score=num(head["score"], lang), year=meta["year"],
                                         rank=num(head["rank"], lang), n=num(head["n_ranked"], lang))
             if head["score"] is not None else m["rationale_score_none"].format(name=meta["name"], year=meta["year"])]
    pillars = [h for h in f["headline"][1:] if h["score"] is not None]
    if len(pillars) >= 2:
        best, worst = max(pillars, key=lambda h: h["score"]), min(pillars, key=lambda h: h["score"])
        parts.append(m["rationale_pillars"].format(best=name_of(best["id"], lang, best["name"]), best_score=num(best["score"], lang),
                                                   worst=name_of(worst["id"], lang, worst["name"]),
                                                   worst_score=num(worst["score"], lang)))
    hz = f["hazards"]
    if hz["exposure"] is not None and hz["quadrant"]:
        parts.append(m["rationale_exposure"].format(exposure=num(hz["exposure"], lang),
                                                    quadrant=name_of(hz["quadrant"], lang)))
    proj = {(r["horizon"], r["scenario"]): r["value"] for r in f["projections"]["risk"]}
    if f["projections"].get("baseline") is not None and (2050, "pessimistic") in proj and (2080, "pessimistic") in proj:
        parts.append(m["rationale_projection"].format(base=num(f["projections"]["baseline"], lang),
                                                      r2050=num(proj[(2050, "pessimistic")], lang),
                                                      r2080=num(proj[(2080, "pessimistic")], lang)))
    peers = f["peers"]
    idx = f["headline"][0]["id"]
    if peers["region_median"].get(idx) is not None and peers["income_median"].get(idx) is not None:
        parts.append(m["rationale_peers"].format(region_median=num(peers["region_median"][idx], lang),
                                                 income_median=num(peers["income_median"][idx], lang)))
    g = f["gcf"]
    if g["readiness_grants"] is not None and g["funded_activities"] is not None:
        parts.append(m["rationale_gcf"].format(readiness=num(g["readiness_grants"], lang),
                                               funded=num(g["funded_activities"], lang)))
    from marc.context import flag_label

    flags = [m[k] if key not in ("conflict_affected", "transition") else flag_label(key, f["context"].get(f"{key}_year"), lang)
             for k, key in (("flag_ldc", "ldc"), ("flag_sids", "sids"), ("flag_conflict", "conflict_affected"),
                            ("flag_transition", "transition"), ("flag_gcf", "gcf_eligible")) if f["context"][key]]
    if flags:
        parts.append(m["rationale_flags"].format(flags="; ".join(flags)))
    return " ".join(parts)


def pillar_chart_png(f: dict, lang: str = "en", scale: float = 2.0) -> bytes:
    """Horizontal bars of the index and pillars, with region and income-group medians as ticks (PNG)."""
    import altair as alt
    import vl_convert as vlc

    m = messages(lang)
    rows, ticks = [], []
    for h in f["headline"]:
        label = name_of(h["id"], lang, h["name"])
        rows.append({"component": label, "score": h["score"]})
        for key, group in (("region_median", f["country"]["region"]), ("income_median", f["country"]["income_group"])):
            value = f["peers"][key].get(h["id"])
            if value is not None and group is not None:
                ticks.append({"component": label, "score": value, "group": f"{m['median']}: {group}"})
    order = [r["component"] for r in rows]
    y = alt.Y("component:N", sort=order, title=None, axis=alt.Axis(labelLimit=220, labelFontSize=12))
    bars = alt.Chart(alt.Data(values=rows)).mark_bar(color="#9ecae1").encode(
        y=y, x=alt.X("score:Q", scale=alt.Scale(domain=[0, 100]), title=m["col_score"]))
    labels = bars.mark_text(align="left", dx=3, fontSize=11).encode(text=alt.Text("score:Q", format=".1f"))
    marks = alt.Chart(alt.Data(values=ticks)).mark_tick(thickness=3, size=22).encode(
        y=y, x="score:Q", color=alt.Color("group:N", title=None, legend=alt.Legend(orient="bottom"),
                                          scale=alt.Scale(range=["#d95f02", "#252525"])))
    layers = [bars, labels] + ([marks] if ticks else [])
    chart = alt.layer(*layers).properties(width=420, height=28 * len(rows)).configure_view(stroke=None)
    return vlc.vegalite_to_png(chart.to_json(), scale=scale)


def intervals_from(summary: pd.DataFrame) -> pd.DataFrame:
    """Rank intervals for :func:`facts` from ``marc uncertainty --out`` (``UncertaintyResult.summary()``):
    the 5–95 % rank interval of the index, as whole ranks."""
    need = {"unit", "rank_p05", "rank_p95"}
    if not need <= set(summary.columns):
        raise MarcError.single("--intervals", "missing-columns", f"the rank-interval table lacks {sorted(need - set(summary.columns))}; "
                               f"write it with `{UNCERTAINTY_COMMAND}`")
    out = summary.dropna(subset=["rank_p05", "rank_p95"])
    return pd.DataFrame({"unit": out["unit"].astype(str), "rank_low": out["rank_p05"].round().astype(int),
                         "rank_high": out["rank_p95"].round().astype(int)})


BRIEF_FORMATS = ("pdf", "docx", "json")


def read_table(path: Path) -> pd.DataFrame:
    """A CSV, XLSX or Parquet table (the rank intervals written by ``marc uncertainty --out``)."""
    path = Path(path)
    if not path.exists():
        raise MarcError.single(path, "not-found", "file does not exist; write it with " + UNCERTAINTY_COMMAND)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_excel(path) if suffix == ".xlsx" else pd.read_csv(path)


def select_units(outcome: Outcome, units: list[str], region: str | None = None) -> list[str]:
    """The ISO3 codes named, plus every scored country of *region* (checked, in order, without repeats)."""
    scored = set(outcome.results.components["unit"])
    chosen = [u.strip().upper() for u in units]
    bad = [u for u in chosen if u not in scored]
    if bad:
        raise MarcError.single("brief", "unknown-unit", f"not scored: {', '.join(bad)}; use ISO3 codes such as CIV, HTI")
    if region:
        table = outcome.countries if outcome.countries is not None else pd.DataFrame(columns=["unit", "region"])
        members = table.loc[table["region"].astype(str).str.lower() == region.strip().lower(), "unit"]
        if members.empty:
            names = sorted(table["region"].dropna().astype(str).unique())
            raise MarcError.single("--region", "unknown-region", f"no country in region {region!r}; use one of {names}")
        chosen += sorted(set(members) & scored)
    return list(dict.fromkeys(chosen))


def render(f: dict, fmt: str, lang: str = "en") -> bytes:
    """The brief as PDF, DOCX or the facts JSON."""
    if fmt == "pdf":
        from marc.brief_pdf import render_pdf

        return render_pdf(f, lang)
    if fmt == "docx":
        from marc.brief_docx import render_docx

        return render_docx(f, lang)
    if fmt == "json":
        import json

        return json.dumps(f, ensure_ascii=False, indent=1, allow_nan=False).encode("utf-8")
    raise MarcError.single("--format", "bad-format", f"unknown brief format {fmt!r}; use one of {', '.join(BRIEF_FORMATS)}")


def write_brief(outcome: Outcome, unit: str, fmt: str, out_dir: Path, *, lang: str = "en", year: int | None = None,
                intervals: pd.DataFrame | None = None, table: pd.DataFrame | None = None) -> Path:
    """Build the facts of *unit* and write ``<out_dir>/MARC-brief-<ISO3>-<year>-<lang>.<fmt>`` atomically."""
    from marc.atomic import write_bytes

    f = facts(outcome, unit, year, intervals=intervals, table=table)
    path = Path(out_dir) / f"MARC-brief-{f['meta']['unit']}-{f['meta']['year']}-{lang}.{fmt}"
    write_bytes(path, render(f, fmt, lang))
    return path


NUMBER = re.compile(r"(?<![\w.,])[-−]?\d[\d\u00a0\u202f,.]*\d|(?<![\w.,])[-−]?\d")


def numbers_in(text: str) -> list[str]:
    """The numeric tokens of a text (for the traceability tests)."""
    return [t.rstrip(".,") for t in NUMBER.findall(text)]
