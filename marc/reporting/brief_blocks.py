"""The brief's layout as a list of blocks (headings, paragraphs, tables, boxes, the chart), built from
the facts and the message catalogues.  The PDF and DOCX renderers draw the same blocks, so both
formats say the same thing."""

from __future__ import annotations

from dataclasses import dataclass, field

from marc.core.i18n import t, tn, tr
from marc.reporting import brief_text as bt
from marc.reporting import subnational_brief
from marc.reporting.brief_words import messages, num


@dataclass
class Block:
    kind: str  # title | subtitle | h1 | h2 | p | note | box | table | image | flagged
    text: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)  # relative column widths
    image: bytes = b""
    kind_hint: str = ""  # "small": a dense reference table


def blocks(f: dict, lang: str = "en", chart: bool = True) -> list[Block]:
    meta = f["meta"]
    out = [Block("title", t("title", lang, name=bt.country(f, lang))),
           Block("subtitle", t("subtitle", lang, year=meta["year"])),
           Block("note", " ".join([bt.framework_line(f, lang), t("generated", lang, date=meta["date"]), bt.cite_line(f, lang)]))]
    out += _headline(f, lang)
    if chart:
        out.append(Block("h1", t("h_chart", lang)))
        out.append(Block("image", image=bt.pillar_chart_png(f, lang)))
        out.append(Block("note", t("chart_caption", lang, region=bt.region(f, lang), income=bt.income(f, lang))))
    out.append(Block("h1", t("h_summary", lang)))
    out.append(Block("p", bt.summary(f, lang)))
    out += _gcf_context(f, lang)
    out += admin1_blocks(f, messages(lang), lang, chart)  # admin-1 map and most exposed regions
    out += _peers(f, lang)
    out += _extremes(f, lang)
    out += _limits(f, lang)
    out += _annex(f, lang)
    return out


def _headline(f: dict, lang: str) -> list[Block]:
    out = [Block("h1", t("h_headline", lang))]
    intended = all(h["coverage_kind"] == "intended" for h in f["headline"])
    rows = [[bt.name(h, lang), num(h["score"], lang) if h["score"] is not None else t("not_published", lang),
             bt.rank_text(h, lang), bt.interval_text(h, lang), bt.coverage_text(h, lang), f"{num(h['imputed_pct'], lang)} %"]
            + ([bt.security_text(h, lang)] if any(x["security_total"] is not None for x in f["headline"]) else [])
            for h in f["headline"]]
    header = [t("col_component", lang), t("col_score", lang), t("col_rank", lang), t("col_interval", lang),
              t("col_coverage_intended" if intended else "col_coverage", lang), t("col_imputed", lang)]
    widths = [2.8, 1.2, 2.6, 1.5, 1.4, 1.2]
    if len(rows[0]) > len(header):
        header.append(t("col_security", lang))
        widths = [2.7, 1.1, 2.0, 1.4, 1.4, 1.2, 1.8]
    out.append(Block("table", header=header, rows=rows, widths=widths))
    head = f["headline"][0]
    notes = [t("rank_rule", lang)]
    u = f.get("uncertainty")
    if u and any(h["rank_low"] is not None for h in f["headline"]):
        factors = ", ".join(tr(x, lang, "factor") for x in u["factors"])
        notes.append(t("interval_defined", lang, low=u["low"], high=u["high"], n=num(u["replications"], lang),
                       factors=factors))
    elif any(h["rank_low"] is not None for h in f["headline"]):
        notes.append(t("interval_defined_file", lang))
    else:
        notes.append(t("interval_missing", lang, command=f["meta"]["uncertainty_command"]))
    notes.append(t("coverage_intended_note" if intended else "coverage_present_note", lang))
    if head.get("security_total") is not None:
        notes.append(tn("security_note", head["security_observed"], lang, k=num(head["security_observed"], lang),
                        n=num(head["security_total"], lang)))
    out.append(Block("note", " ".join(notes)))
    return out


def _gcf_context(f: dict, lang: str) -> list[Block]:
    hz, pr, g = f["hazards"], f["projections"], f["gcf"]
    out = [Block("h1", t("h_gcf_context", lang)), Block("p", t("gcf_context_intro", lang)),
           Block("h2", t("h_needs", lang))]
    if hz["exposure"] is not None:
        out.append(Block("p", t("exposure_line", lang, value=num(hz["exposure"], lang), quadrant=tr(hz["quadrant"] or "", lang),
                                priority=num(hz["priority"], lang), pclass=hz["priority_class"] or "–")))
    else:
        out.append(Block("p", t("exposure_none", lang)))
    rows = [[tr(layer["label"], lang, "hazard"), num(layer["score"], lang), bt.period(layer["window"] or [hz["year"]]),
             bt.refs(f, layer["sources"])] for layer in hz["layers"]]
    rows += [[t("inform_hazard", lang, hazard=tr(i["hazard"], lang)), num(i["value"], lang), str(i["year"]), bt.ref(f, i["source"])]
             for i in hz["inform"]]
    if rows:
        out.append(Block("table", header=[t("col_hazard", lang), t("col_score_or_value", lang), t("col_period", lang),
                                          t("col_source", lang)], rows=rows, widths=[5.6, 1.4, 1.3, 1.2]))
        out.append(Block("note", t("hazard_note", lang)))
    # projected risk change
    if pr.get("baseline") is not None or pr["risk"]:
        rows = [[t("proj_baseline", lang), num(pr.get("baseline"), lang)]]
        rows += [[t("proj_risk", lang, horizon=r["horizon"], scenario=t(f"scenario_{r['scenario']}", lang)), num(r["value"], lang)]
                 for r in pr["risk"]]
        rows += [[t("proj_he", lang, hazard=tr(h["hazard"], lang).lower()), num(h["value"], lang)] for h in pr["he_change"]]
        out.append(Block("p", t("proj_intro", lang, year=pr["year"], ref=bt.ref(f, pr["source"]))))
        out.append(Block("table", header=[t("col_measure", lang), t("col_value", lang)], rows=rows, widths=[6, 1.5],
                         kind_hint="small"))
    else:
        out.append(Block("p", t("proj_none", lang)))
    # readiness and security-sector gaps
    weak = ", ".join(f"{bt.name(i, lang)} ({num(i['score'], lang)})" for i in f["weaknesses"]) or "–"
    missing = [bt.name(i, lang) for i in f["coverage"]["missing"] if i["kind"] == "expert"]
    out.append(Block("p", t("gaps_line", lang, weak=weak, n=len(missing), missing="; ".join(missing) or "–")))
    # country ownership
    out.append(Block("h2", t("h_ownership", lang)))
    ndc = g["ndc"]
    ndc_text = (t("ndc_generation", lang, generation=ndc["generation"]) if ndc["generation"] else t("gcf_none", lang)) + \
        ("" if ndc["ndc3"] is None else "; " + t("ndc3_yes" if ndc["ndc3"] else "ndc3_no", lang))
    gref, nref = bt.ref(f, g["source"]), bt.ref(f, ndc["source"])
    rows = [[t("own_ndc", lang), ndc_text, str(ndc["year"] or "–"), nref],
            [t("own_nda", lang), t("own_nda_value", lang), "–", "–"],
            [t("gcf_entities", lang), _int(g["direct_access_entities"], lang), str(g["year"] or "–"), gref],
            [t("gcf_readiness", lang), _int(g["readiness_grants"], lang), str(g["year"] or "–"), gref],
            [t("gcf_readiness_usd", lang), _int(g["readiness_usd_m"], lang), str(g["year"] or "–"), gref],
            [t("gcf_funded", lang), _int(g["funded_activities"], lang), str(g["year"] or "–"), gref],
            [t("gcf_funded_usd", lang), _int(g["funded_usd_m"], lang), str(g["year"] or "–"), gref],
            [t("flag_gcf", lang), bt.yes_no(f["context"]["gcf_eligible"], lang), "–", "–"]]
    out.append(Block("table", header=[t("col_item", lang), t("col_value", lang), t("col_year", lang), t("col_source", lang)],
                     rows=rows, widths=[4.6, 2.6, 1.1, 1.0], kind_hint="small"))
    out.append(Block("note", t("gcf_asof", lang)))
    out.append(Block("box", t("climate_rationale_box", lang)))
    return out


def _int(value, lang: str) -> str:
    return t("gcf_none", lang) if value is None else num(value, lang)


def _peers(f: dict, lang: str) -> list[Block]:
    p = f["peers"]
    out = [Block("h1", t("h_peers", lang, region=bt.region(f, lang), income=bt.income(f, lang)))]
    if len(p["members"]) <= 1:
        out.append(Block("p", t("peers_none", lang)))
        return out
    out.append(Block("note", t("peers_note", lang, n=num(f["headline"][0]["n_ranked"], lang))))
    rows = [[("▶ " if r["unit"] == f["meta"]["unit"] else "") + f"{bt.country(f, lang, r['unit'])} ({r['unit']})",
             num(r["score"], lang), bt.rank_text({**r, "n_ranked": f["headline"][0]["n_ranked"]}, lang)]
            for r in p["members"]]
    out.append(Block("table", header=[t("col_country", lang), t("col_readiness", lang), t("col_rank", lang)], rows=rows,
                     widths=[5, 2, 2.5], kind_hint="small"))
    return out


def _extremes(f: dict, lang: str) -> list[Block]:
    out = [Block("h1", t("h_strengths", lang))]
    header = [t("col_indicator", lang), t("col_pillar", lang), t("col_score", lang), t("col_scored_value", lang),
              t("col_period", lang), t("col_source", lang)]
    for key in ("strengths", "weaknesses"):
        if not f[key]:
            continue
        out.append(Block("h2", t(key, lang)))
        rows = []
        for i in f[key]:
            flags = bt.status_text(i, lang)
            rows.append([bt.name(i, lang) + (f" ({flags})" if flags else ""), bt.comp_name(f, i["pillar"], lang),
                         num(i["score"], lang), bt.value_text(i, lang), bt.period(i["period"]),
                         bt.refs(f, i["sources"]) if i["sources"] else t("expert_source", lang)])
        out.append(Block("table", header=header, rows=rows, widths=[3.6, 1.7, 1.1, 2.7, 1.3, 1.2]))
    out.append(Block("note", t("scored_value_note", lang)))
    return out


def _limits(f: dict, lang: str) -> list[Block]:
    c, cov = f["context"], f["coverage"]
    out = [Block("h1", t("h_context", lang))]
    def dated(key: str, source: str) -> str:  # a flag's answer with the year of its data: never an old flag as current
        year = c.get(f"{key}_year")
        return bt.yes_no(c[key], lang) if year is None else f"{bt.yes_no(c[key], lang)} ({source}, {int(year)})"

    rows = [[t(k, lang), dated(key, src) if src else bt.yes_no(c[key], lang)] for k, key, src in (
        ("flag_ldc", "ldc", None), ("flag_sids", "sids", None), ("flag_lldc", "lldc", None),
        ("flag_conflict", "conflict_affected", "UCDP"), ("flag_transition", "transition", "UN"),
        ("flag_gcf", "gcf_eligible", None))]
    out.append(Block("table", header=[t("col_flag", lang), t("col_value", lang)], rows=rows, widths=[6, 1.5], kind_hint="small"))
    out.append(Block("h1", t("h_coverage", lang)))
    out.append(Block("p", t("coverage_note", lang, n_data=cov["n_data"], n_ind=cov["n_ind"], n_expert=cov["n_expert"],
                            n_expert_slots=cov["n_expert_slots"])))
    out.append(Block("p", t("not_measured", lang)))
    out.append(Block("p", t("do_no_harm", lang)))
    return out


def _annex(f: dict, lang: str) -> list[Block]:
    meth = f["method"]
    out = [Block("h1", t("h_annex", lang))]
    weights = ", ".join(f"{bt.comp_name(f, k, lang)} {num(v, lang)}" for k, v in meth["weights"].items())
    out.append(Block("p", t("annex_index", lang, aggregation=tr(meth["aggregation"], lang), weights=weights,
                            coverage=num(meth["min_coverage_pct"], lang), imputed=num(meth["max_imputed_pct"], lang))))
    out.append(Block("p", t("annex_edition", lang, max_lag=meth["max_lag"], missing=tr(meth["missing"], lang),
                            years=meth["missing_years"])))
    if meth["exposure"]:
        e = meth["exposure"]
        comps = ", ".join(f"{tr(k, lang)} ({num(v, lang)})" for k, v in e["components"].items())
        out.append(Block("p", t("annex_exposure", lang, components=comps, combine=t(f"combine_{e['combine']}", lang),
                                gap=", ".join(bt.comp_name(f, g, lang) for g in e["gap_of"]), method=tr(e["method"], lang))))
    out.append(Block("p", t("annex_indicators", lang)))
    rows = [[i["name_fr"] if lang == "fr" else i["name"], bt.comp_name(f, i["parent"], lang), num(i["weight"], lang),
             tr(i["direction"], lang), _normalise(i["normalise"], lang)] for i in meth["indicators"]]
    out.append(Block("table", header=[t("col_indicator", lang), t("col_pillar", lang), t("col_weight", lang),
                                      t("col_direction", lang), t("col_normalise", lang)], rows=rows,
                     widths=[4.2, 1.8, 0.9, 1.9, 3.0], kind_hint="small"))
    out.append(Block("h1", t("h_sources", lang)))
    out.append(Block("p", t("sources_intro", lang)))
    for s in f["sources"]:
        flag = "" if s["open_licence"] else f" ⚠ {t('licence_flag', lang)}."
        out.append(Block("flagged" if flag else "note",
                         f"[{s['ref']}] {s['publisher']}. {s['title']}. {s['citation']}"
                         + ("" if s["url"] in s["citation"] else f" {s['url']}")
                         + " " + t("licence_is", lang, licence=s["licence"].rstrip(".")) + flag))
    out.append(Block("note", bt.cite_line(f, lang) + " " + t("reproduce", lang, edition=f["meta"]["year"])))
    return out


def _normalise(spec: dict, lang: str) -> str:
    """"goalposts 0 → 100"-style text of a normalisation in *lang*."""
    if not spec:
        return tr("expert scale", lang)
    method = spec.get("method", "")
    if method == "goalposts":
        return t("norm_goalposts", lang, min=num(spec["min"], lang), max=num(spec["max"], lang))
    return tr(method, lang)


def admin1_blocks(f: dict, m: dict, lang: str = "en", chart: bool = True) -> list:
    """Heading, a flat map, and one note naming the most exposed regions (empty without admin-1 facts).
    Kept to about a sixth of a page so the brief stays within four pages."""
    a = f.get("admin1")
    if not a:
        return []
    out = [Block("h1", m["h_admin1"])]
    if chart:
        out.append(Block("image", image=subnational_brief.map_png(f, lang)))
    top = "; ".join(m["admin1_top_item"].format(
        name=t["name"] or m["admin1_unnamed"].format(unit=t["unit"]),  # Natural Earth's unassigned parts ("+99?")
        exposure=num(t["exposure"], lang), population=num(t["population"], lang)) for t in a["top"])
    out.append(Block("note", " ".join([m["admin1_top"].format(top=top), m["admin1_intro"].format(n=num(a["n_units"], lang)),
                                        m["admin1_vintage"].format(vintage=a["vintage"]),
                                        m["admin1_note"].format(zero=num(a["n_zero"], lang), n=num(a["n_units"], lang))])))
    return out
