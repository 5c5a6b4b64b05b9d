"""The brief's layout as a list of blocks (headings, paragraphs, tables, the chart), built from the
facts and the message catalogue.  The PDF and DOCX renderers draw the same blocks, so both formats
say the same thing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from marc.brief import (framework_line, interval_text, messages, name_of, num, pillar_chart_png, rank_text,
                        rationale)


@dataclass
class Block:
    kind: str  # title | subtitle | h1 | p | note | table | image | flagged
    text: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)  # relative column widths
    image: bytes = b""
    kind_hint: str = ""  # "small": a dense reference table


def _yes(value: Any, m: dict) -> str:
    return m["unknown"] if value is None else (m["yes"] if value else m["no"])


def _dated(text: str, year: Any, source: str) -> str:
    """A context flag's answer with the year of its data ("yes (UCDP, 2022)"): never an old flag as current."""
    return text if year is None else f"{text} ({source}, {year})"


def _window(window: list[int]) -> str:
    return str(window[0]) if window[0] == window[-1] else f"{window[0]}–{window[-1]}"


def _int(value: Any, m: dict, lang: str) -> str:
    return m["gcf_none"] if value is None else num(value, lang)


def blocks(f: dict, lang: str = "en", chart: bool = True) -> list[Block]:
    m, meta = messages(lang), f["meta"]
    out = [Block("title", m["title"].format(name=meta["name"])),
           Block("subtitle", m["subtitle"].format(year=meta["year"])),
           Block("note", framework_line(f, lang) + " " + m["generated"].format(date=meta["date"], version=meta["version"]))]
    # headline scores
    out.append(Block("h1", m["h_headline"]))
    rows = [[name_of(h["id"], lang, h["name"]), num(h["score"], lang) if h["score"] is not None else m["not_published"],
             rank_text(h, lang), interval_text(h, f, lang), f"{num(h['coverage_pct'], lang)} %",
             f"{num(h['imputed_pct'], lang)} %"] for h in f["headline"]]
    out.append(Block("table", header=[m["col_component"], m["col_score"], m["col_rank"], m["col_interval"],
                                      m["col_coverage"], m["col_imputed"]], rows=rows, widths=[3, 1.4, 1.4, 1.6, 1.4, 1.4]))
    if all(h["rank_low"] is None for h in f["headline"]):
        out.append(Block("note", m["interval_missing"].format(command=meta["uncertainty_command"])))
    if chart:
        out.append(Block("h1", m["h_chart"]))
        out.append(Block("image", image=pillar_chart_png(f, lang)))
        out.append(Block("note", m["chart_caption"].format(region=f["country"]["region"],
                                                           income=f["country"]["income_group"])))
    out.append(Block("h1", m["h_rationale"]))
    out.append(Block("p", rationale(f, lang)))
    out += _hazards(f, m, lang)
    out += _peers(f, m, lang)
    out += _extremes(f, m, lang)
    out += _context(f, m, lang)
    out += _annex(f, m, lang)
    return out


def _hazards(f: dict, m: dict, lang: str) -> list[Block]:
    hz, out = f["hazards"], [Block("h1", m["h_hazards"])]
    if hz["exposure"] is not None:
        out.append(Block("p", m["exposure_line"].format(
            value=num(hz["exposure"], lang), quadrant=name_of(hz["quadrant"] or m["unknown"], lang),
            priority=num(hz["priority"], lang), pclass=hz["priority_class"] or "–")))
    else:
        out.append(Block("p", m["exposure_none"]))
    if hz["layers"]:
        rows = [[layer["label"], num(layer["score"], lang),
                 _window(layer["window"]) if layer["window"] else str(hz["year"]), layer["source"]]
                for layer in hz["layers"]]
        out.append(Block("table", header=[m["col_hazard"], m["col_score"], m["col_year"], m["col_source"]], rows=rows,
                         widths=[5, 1.2, 1.2, 3]))
        out.append(Block("note", m["hazard_note"].format(year=hz["year"])))
    if hz["inform"]:
        raw = "; ".join(f"{name_of(i['hazard'], lang, i['hazard'].replace('_', ' '))} {num(i['value'], lang)}"
                        for i in hz["inform"])
        out.append(Block("note", m["inform_raw"].format(year=hz["inform"][0]["year"], value=raw)))
    pr = f["projections"]
    out.append(Block("h1", m["h_projections"]))
    if pr.get("baseline") is None and not pr["risk"]:
        out.append(Block("p", m["proj_none"]))
        return out
    out.append(Block("p", m["proj_intro"].format(year=pr["year"])))
    rows = [[m["proj_baseline"], num(pr.get("baseline"), lang)]]
    rows += [[m["proj_risk"].format(horizon=r["horizon"], scenario=m[f"scenario_{r['scenario']}"]), num(r["value"], lang)]
             for r in pr["risk"]]
    rows += [[m["proj_he"].format(hazard=name_of(h["hazard"], lang)), num(h["value"], lang)] for h in pr["he_change"]]
    out.append(Block("table", header=[m["col_scenario"], m["col_value"]], rows=rows, widths=[6, 1.5], kind_hint="small"))
    return out


def _peers(f: dict, m: dict, lang: str) -> list[Block]:
    p = f["peers"]
    out = [Block("h1", m["h_peers"].format(region=f["country"]["region"], income=f["country"]["income_group"]))]
    if len(p["members"]) <= 1:
        out.append(Block("p", m["peers_none"]))
    else:
        n = f["headline"][0]["n_ranked"]
        out.append(Block("note", m["peers_note"].format(n=num(n, lang))))
        rows = [[("▶ " if r["unit"] == f["meta"]["unit"] else "") + f"{r['name']} ({r['unit']})", num(r["score"], lang),
                 num(r["rank"], lang)] for r in p["members"]]
        out.append(Block("table", header=[m["col_country"], m["col_readiness"], m["col_rank"]], rows=rows, widths=[5, 2, 1.5], kind_hint="small"))
    return out


def _extremes(f: dict, m: dict, lang: str) -> list[Block]:
    out = [Block("h1", m["h_strengths"])]
    header = [m["col_indicator"], m["col_pillar"], m["col_score"], m["col_raw"], m["col_year"], m["col_source"]]
    for key in ("strengths", "weaknesses"):
        if not f[key]:
            continue
        out.append(Block("p", m[key]))
        rows = [[i["name"] + (f" ({m['imputed_flag']})" if i["imputed"] else ""), name_of(i["pillar"], lang),
                 num(i["score"], lang), f"{num(i['raw_value'], lang)} {i['measure_unit']}".strip(),
                 "–" if i["data_year"] is None else str(i["data_year"]), i["source"]] for i in f[key]]
        out.append(Block("table", header=header, rows=rows, widths=[3.6, 1.6, 1.2, 2.6, 1.1, 2.8]))
    return out


def _context(f: dict, m: dict, lang: str) -> list[Block]:
    c, g = f["context"], f["gcf"]
    out = [Block("h1", m["h_context"])]
    rows = [[m["flag_ldc"], _yes(c["ldc"], m)], [m["flag_sids"], _yes(c["sids"], m)], [m["flag_lldc"], _yes(c["lldc"], m)],
            [m["flag_conflict"], _dated(_yes(c["conflict_affected"], m), c.get("conflict_affected_year"), "UCDP")],
            [m["flag_transition"], _dated(_yes(c["transition"], m), c.get("transition_year"), "UN")],
            [m["flag_gcf"], _yes(c["gcf_eligible"], m)]]
    out.append(Block("table", header=["", ""], rows=rows, widths=[6, 1.5], kind_hint="small"))
    out.append(Block("h1", m["h_gcf"]))
    rows = [[m["gcf_readiness"], _int(g["readiness_grants"], m, lang)], [m["gcf_readiness_usd"], _int(g["readiness_usd_m"], m, lang)],
            [m["gcf_funded"], _int(g["funded_activities"], m, lang)], [m["gcf_funded_usd"], _int(g["funded_usd_m"], m, lang)],
            [m["gcf_entities"], _int(g["direct_access_entities"], m, lang)]]
    out.append(Block("table", header=["", ""], rows=rows, widths=[6, 1.5], kind_hint="small"))
    out.append(Block("note", m["gcf_asof"].format(year=g["year"] or "–")))
    cov = f["coverage"]
    out.append(Block("h1", m["h_coverage"]))
    out.append(Block("p", m["coverage_note"].format(n_data=cov["n_data"], n_ind=cov["n_ind"], n_expert=cov["n_expert"],
                                                    n_expert_slots=cov["n_expert_slots"])))
    return out


def _annex(f: dict, m: dict, lang: str) -> list[Block]:
    meth = f["method"]
    out = [Block("h1", m["h_annex"])]
    weights = ", ".join(f"{name_of(k, lang)} {num(v, lang)}" for k, v in meth["weights"].items())
    out.append(Block("p", m["annex_index"].format(aggregation=name_of(meth["aggregation"], lang), weights=weights,
                                                  coverage=num(meth["min_coverage_pct"], lang),
                                                  imputed=num(meth["max_imputed_pct"], lang))))
    out.append(Block("p", m["annex_edition"].format(max_lag=meth["max_lag"],
                                                    missing=f"{meth['missing']} ({meth['missing_years']})")))
    if meth["exposure"]:
        e = meth["exposure"]
        comps = ", ".join(f"{k} ({num(v, lang)})" for k, v in e["components"].items())
        out.append(Block("p", m["annex_exposure"].format(components=comps, combine=name_of(e["combine"], lang),
                                                         gap=", ".join(name_of(g, lang) for g in e["gap_of"]),
                                                         method=e["method"])))
    has_interval = any(h["rank_low"] is not None for h in f["headline"])
    out.append(Block("p", m["annex_uncertainty"] if has_interval
                     else m["annex_uncertainty_none"]))
    out.append(Block("p", m["annex_indicators"]))
    rows = [[i["name"], name_of(i["parent"], lang), num(i["weight"], lang), i["direction"], i["normalise"]]
            for i in meth["indicators"]]
    out.append(Block("table", header=[m["col_indicator"], m["col_pillar"], m["col_weight"], m["col_direction"],
                                      m["col_normalise"]], rows=rows, widths=[4, 1.8, 0.9, 2, 3.7], kind_hint="small"))
    out.append(Block("h1", m["h_sources"]))
    out.append(Block("p", m["sources_intro"]))
    for s in f["sources"]:
        flag = "" if s["open_licence"] else f" ⚠ {m['licence_flag']}."
        out.append(Block("flagged" if flag else "note",
                         f"{s['title']} ({s['source']}). {m['col_licence']}: {s['licence']}.{flag} "
                         f"{m['col_citation']}: {s['citation']}" + ("" if s["url"] in s["citation"] else f" {s['url']}")))
    return out
