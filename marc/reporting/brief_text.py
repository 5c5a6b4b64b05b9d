"""Sentences and labels of a country brief in one language, built from the facts and the message
catalogues (:mod:`marc.core.i18n`): names, ranks, intervals, citations, the summary and the pillar chart."""

from __future__ import annotations

from typing import Any

from marc.core.i18n import country_name, t, tn, tr
from marc.reporting.brief_words import num


def country(f: dict, lang: str, unit: str | None = None) -> str:
    """A country's CLDR name in *lang* (the brief's own country by default)."""
    code = unit or f["meta"]["unit"]
    name = country_name(code, lang)
    return f["meta"]["name"] if name == code and unit is None else name


def name(item: dict, lang: str) -> str:
    """The name of a component or indicator item of the facts in *lang*."""
    return item.get("name_fr") if lang == "fr" and item.get("name_fr") else item["name"]


def comp_name(f: dict, cid: str, lang: str) -> str:
    for h in f["headline"]:
        if h["id"] == cid:
            return name(h, lang)
    return tr(cid, lang, "term")


def region(f: dict, lang: str) -> str:
    return tr(f["country"]["region"], lang, "region") or t("unknown", lang)


def income(f: dict, lang: str) -> str:
    return tr(f["country"]["income_group"], lang, "income") or t("unknown", lang)


def cite_line(f: dict, lang: str) -> str:
    m = f["meta"]
    return t("cite_as", lang, version=m["version"], edition=m["year"], framework=m["framework"],
             lock=m["data_lock"] or t("unknown", lang))


def framework_line(f: dict, lang: str) -> str:
    meta = f["meta"]
    if meta["is_default"]:
        return t("framework_default", lang, digest=meta["framework"])
    return t("framework_custom", lang, digest=meta["framework"], default=meta["default_framework"] or "?")


def refs(f: dict, ids: list[str | None]) -> str:
    """The reference numbers of the sources *ids* ("[3], [7]"), as listed in the sources annex."""
    numbers = {s["source"]: s["ref"] for s in f["sources"]}
    out = [f"[{numbers[i]}]" for i in dict.fromkeys(ids) if i in numbers]
    return ", ".join(out) if out else "–"


def ref(f: dict, source: str | None) -> str:
    return refs(f, [source])


def rank_text(item: dict, lang: str) -> str:
    """Competition rank in the one wording of :func:`marc.scoring.ranking.rank_text`: "119th of 190", or
    "= 1st of 195, shared with 48" for a tie."""
    if item["score"] is None:
        return t("not_published", lang)
    from marc.scoring.ranking import rank_text as words

    return words(item["rank"], int(item["n_ranked"]), item.get("n_tied"), lang)


def interval_text(item: dict, lang: str) -> str:
    if item["rank_low"] is None:
        return t("interval_short", lang)
    if item["rank_low"] == item["rank_high"]:
        return num(item["rank_low"], lang)
    return f"{num(item['rank_low'], lang)}–{num(item['rank_high'], lang)}"


def coverage_text(item: dict, lang: str) -> str:
    return "–" if item["coverage_pct"] is None else f"{num(item['coverage_pct'], lang)} %"


def security_text(item: dict, lang: str) -> str:
    """Security-sector coverage in words ("1 of 8 indicators"), or "–" where the results do not carry it."""
    if item.get("security_total") is None:
        return "–"
    return tn("security_of", item["security_observed"], lang, k=num(item["security_observed"], lang),
              n=num(item["security_total"], lang))


def period(p: list[int] | None) -> str:
    if not p:
        return "–"
    return str(p[0]) if p[0] == p[-1] else f"{p[0]}–{p[-1]}"


def value_text(i: dict, lang: str) -> str:
    """The scored value with its unit: "−3.6 percentage points of land area"."""
    value = num(i["value"], lang)
    if i["value_unit"] == "%":  # a percent change: "−43.8 % change in kg CO2 per PPP $"
        unit = tr(i.get("measure_unit") or "", lang, "unit")
        text = ("+" if i["value"] and i["value"] > 0 else "") + value + "\u00a0%"
        return f"{text} ({unit})" if unit and not unit.startswith("%") else text + unit[1:]
    unit = tr(i["value_unit"], lang, "unit")
    sign = "+" if i["level"] is not None and i["value"] and i["value"] > 0 else ""
    return f"{sign}{value} {unit}".strip()


def status_text(i: dict, lang: str) -> str:
    flags = []
    if i.get("kind") == "expert":
        flags.append(t("status_baseline" if i.get("status") in (None, "baseline") else
                       "status_disputed" if i.get("status") == "disputed" else "status_reviewed", lang))
    if i.get("imputed"):
        flags.append(t("imputed_flag", lang))
    return "; ".join(flags)


def summary(f: dict, lang: str = "en") -> str:
    """A neutral paragraph built only from numbers shown elsewhere in the brief."""
    meta, head = f["meta"], f["headline"][0]
    parts = [t("summary_score", lang, name=country(f, lang), score=num(head["score"], lang), year=meta["year"],
               rank=rank_text(head, lang)) if head["score"] is not None
             else t("summary_score_none", lang, name=country(f, lang), year=meta["year"])]
    pillars = [h for h in f["headline"][1:] if h["score"] is not None]
    if len(pillars) >= 2:
        best, worst = max(pillars, key=lambda h: h["score"]), min(pillars, key=lambda h: h["score"])
        parts.append(t("summary_pillars", lang, best=name(best, lang), best_score=num(best["score"], lang),
                       worst=name(worst, lang), worst_score=num(worst["score"], lang)))
    hz = f["hazards"]
    if hz["exposure"] is not None and hz["quadrant"]:
        parts.append(t("summary_exposure", lang, exposure=num(hz["exposure"], lang), quadrant=tr(hz["quadrant"], lang)))
    peers, idx = f["peers"], head["id"]
    if peers["region_median"].get(idx) is not None and peers["income_median"].get(idx) is not None:
        parts.append(t("summary_peers", lang, region_median=num(peers["region_median"][idx], lang),
                       income_median=num(peers["income_median"][idx], lang)))
    from marc.method.context import flag_label  # conflict and transition always say the year of their data

    flags = [t(k, lang) if key not in ("conflict_affected", "transition") else flag_label(key, f["context"].get(f"{key}_year"), lang)
             for k, key in (("flag_ldc", "ldc"), ("flag_sids", "sids"), ("flag_conflict", "conflict_affected"),
                            ("flag_transition", "transition"), ("flag_gcf", "gcf_eligible")) if f["context"][key]]
    if flags:
        parts.append(t("summary_flags", lang, flags="; ".join(flags)))
    return " ".join(parts)


def pillar_chart_png(f: dict, lang: str = "en", scale: float = 2.0) -> bytes:
    """Horizontal bars of the index and pillars, with region and income-group medians as ticks (PNG).

    Scores are labelled with the brief's own number format (decimal comma in French)."""
    import altair as alt
    import vl_convert as vlc

    rows, ticks = [], []
    groups = (("region_median", region(f, lang)), ("income_median", income(f, lang)))
    for h in f["headline"]:
        label = name(h, lang)
        rows.append({"component": label, "score": h["score"], "text": num(h["score"], lang) if h["score"] is not None else ""})
        for key, group in groups:
            value = f["peers"][key].get(h["id"])
            if value is not None and f["country"]["region"] is not None:
                ticks.append({"component": label, "score": value, "group": t("median_of", lang, group=group)})
    order = [r["component"] for r in rows]
    y = alt.Y("component:N", sort=order, title=None, axis=alt.Axis(labelLimit=260, labelFontSize=12))
    bars = alt.Chart(alt.Data(values=rows)).mark_bar(color="#9ecae1").encode(
        y=y, x=alt.X("score:Q", scale=alt.Scale(domain=[0, 100]), title=t("col_score", lang)))
    labels = bars.mark_text(align="left", dx=3, fontSize=11).encode(text="text:N")
    marks = alt.Chart(alt.Data(values=ticks)).mark_tick(thickness=3, size=22).encode(
        y=y, x="score:Q", color=alt.Color("group:N", title=None, scale=alt.Scale(range=["#d95f02", "#252525"]),
                                          legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=500)))
    layers = [bars, labels] + ([marks] if ticks else [])
    chart = alt.layer(*layers).properties(width=420, height=28 * len(rows)).configure_view(stroke=None)
    # axis ticks in the brief's locale (decimal comma in French), as in the tables
    return vlc.vegalite_to_png(chart.to_json(), scale=scale, format_locale="fr-FR" if lang == "fr" else "en-US")


def yes_no(value: Any, lang: str) -> str:
    return t("unknown", lang) if value is None else t("yes" if value else "no", lang)
