"""Country profile: headline scores, why this score, context flags, pillars against peers,
hazards, trend, strengths and weaknesses, indicators with sources, data gaps.

Each section is one function, so a section can be added (e.g. a subnational exposure map) without
touching the others.  The view (country, edition, reference) lives in the URL.
"""

import pandas as pd
import streamlit as st

from marc.analysis import explain
from marc.core.errors import MarcError
from marc.data import sources
from marc.reporting import charts, profile, views
from marc.scoring.ranking import rank_text
from marc_app import lang, state, subnational
from marc_app.lang import _

#: every user-facing string of this page, from the translation catalogues (marc/core/locales, keys app_country_*)
T = {
    "score_help": _("app_country_score_help"), "no_score": _("app_country_no_score"), "rank": _("app_country_rank"),
    "interval": _("app_country_interval"), "reference": _("app_country_reference"), "ref_median": _("app_country_ref_median"),
    "ref_region": _("app_country_ref_region"), "why": _("app_country_why"), "why_caption": _("app_country_why_caption"),
    "pillar_contrib": _("app_country_pillar_contrib"), "why_table": _("app_country_why_table"),
    "context": _("app_country_context"), "context_none": _("app_country_context_none"),
    "context_table": _("app_country_context_table"), "quadrant": _("app_country_quadrant"),
    "peers": _("app_country_peers"), "peers_table": _("app_country_peers_table"),
    "hazards": _("app_country_hazards"), "hazards_table": _("app_country_hazards_table"),
    "no_hazard_data": _("app_country_no_hazard_data"), "no_hazards": _("app_country_no_hazards"),
    "exposure": _("app_country_exposure"), "no_exposure": _("app_country_no_exposure"),
    "trend": _("app_country_trend"), "trend_table": _("app_country_trend_table"),
    "strengths": _("app_country_strengths"), "weaknesses": _("app_country_weaknesses"),
    "none_above": _("app_country_none_above"), "none_below": _("app_country_none_below"),
    "sw_caption": _("app_country_sw_caption"), "indicators": _("app_country_indicators"),
    "open_source": _("app_country_open_source"), "sources": _("app_country_sources"),
    "gaps": _("app_country_gaps"), "no_gaps": _("app_country_no_gaps"),
    "cols": {"name": _("app_col_pillar"), "who": _("app_col_who"), "score": _("app_col_score"),
             "hazard": _("app_col_hazard"), "year": _("app_col_edition"), "component": _("app_col_component"),
             "contribution": _("app_col_contribution"), "reference": _("app_col_reference"),
             "effective_weight": _("app_col_effective_weight"), "pillar": _("app_col_pillar"), "flag": _("app_col_flag"),
             "value": _("app_col_value"), "data_year": _("app_col_data_year")},
}

s = state.scored()
fw = s.outcome.framework
lg = lang.current()
pillar_names = {c: lang.name(fw.components[c].name) for c in fw.components}
c1, c2, c3 = st.columns([2, 3, 2])
with c1:
    unit = state.pick_country(s, key="country_pick")
with c2:
    year = state.pick_year(s, key="country_year")
with c3:
    state.seed("country_ref", "ref", ["median", "region"], fallback="median")
    ref = st.radio(T["reference"], ["median", "region"], key="country_ref", horizontal=True,
                   format_func=lambda r: T["ref_median"] if r == "median" else T["ref_region"])
    state.set_param("ref", ref, "median")
st.title(s.name(unit))
countries = s.outcome.countries
row_df = s.table[(s.table["unit"] == unit) & (s.table["year"] == year)]
row = row_df.iloc[0] if len(row_df) else None


def headline() -> None:
    head = views.headline(s.table, fw, unit, year)
    interval = views.rank_interval_text(state.intervals(year)).get(unit)
    cols = st.columns(max(len(head), 1))
    for c, r in zip(cols, head.itertuples()):
        value = T["no_score"] if pd.isna(r.score) else lang.num(r.score)
        rank = "" if pd.isna(r.rank) else T["rank"].format(rank=rank_text(r.rank, r.n_ranked, r.n_tied, lg),
                                                           pct=lang.num(r.percentile, 0))
        if rank and r.component == fw.index.id and interval:
            rank += T["interval"].format(i=interval)
        c.metric(lang.name(fw.index.name if r.component == fw.index.id else fw.components[r.component].name), value,
                 help=T["score_help"])
        c.caption(rank)
    if row is not None:  # how much of the intended method, and of the security-sector evidence, rests on data
        st.markdown(profile.coverage_words(row, lg))


def context() -> None:
    if row is None:
        return
    me = countries[countries["unit"] == unit]
    facts = []
    if len(me):
        m = me.iloc[0]
        facts += [lang.term(m["region"], "region"), lang.term(m["income_group"], "income")]
    facts += profile.active_flags(fw, row, lg)
    if isinstance(row.get("quadrant"), str):
        facts.append(T["quadrant"].format(quadrant=lang.term(row["quadrant"])))
    st.markdown(_("app_country_context_line", label=T["context"], facts=" · ".join(facts) if facts else T["context_none"]))
    with st.expander(T["context_table"]):
        st.dataframe(profile.context_flags(fw, row, lg).rename(columns=T["cols"]), hide_index=True, width="stretch")


def why() -> None:
    st.subheader(T["why"])
    try:
        e = explain.explain(fw, s.outcome.results, unit, year, reference=ref, countries=countries)
    except MarcError as exc:
        st.info(_("app_country_why_none", message=exc.problems[0].message))
        return
    ind_names = {i.id: lang.name(i.name) for i in fw.indicators}
    inds = e.indicators.assign(name=e.indicators["indicator"].map(ind_names).fillna(e.indicators["name"]))
    st.markdown(f"**{e.sentence(lang=lg, names=ind_names)}**")
    st.caption(T["why_caption"])
    left, right = st.columns([5, 3])
    left.altair_chart(charts.contribution_bars(inds, pillar_names, lg), width="stretch", alt=e.sentence(lang=lg, names=ind_names))
    comps = e.components[e.components["role"] != "sub_pillar"]
    comp_names = {fw.index.id: lang.name(fw.index.name)} | pillar_names
    comps = comps.assign(name=comps["component"].map(comp_names).fillna(comps["name"]))[["name", "score", "reference", "contribution"]]
    right.markdown(f"**{T['pillar_contrib']}**")
    right.dataframe(**lang.table(comps.rename(columns={"name": T["cols"]["pillar"], "score": T["cols"]["score"],
                                                     "reference": T["cols"]["reference"],
                                                     "contribution": T["cols"]["contribution"]}),
                                {T["cols"][c]: st.column_config.NumberColumn(format="%.1f")
                                 for c in ("score", "reference", "contribution")}),
                    hide_index=True, width="stretch")
    with st.expander(T["why_table"]):
        t = inds.assign(pillar=inds["pillar"].map(pillar_names))
        t = t[["name", "pillar", "effective_weight", "score", "reference", "contribution"]]
        st.dataframe(**lang.table(t.rename(columns={**T["cols"], "name": _("app_col_indicator")}),
                                 {T["cols"]["effective_weight"]: st.column_config.NumberColumn(format="%.3f"),
                                  T["cols"]["score"]: st.column_config.NumberColumn(format="%.1f"),
                                  T["cols"]["reference"]: st.column_config.NumberColumn(format="%.1f"),
                                  T["cols"]["contribution"]: st.column_config.NumberColumn(format="%+.2f")}),
                     hide_index=True, width="stretch")


def peers_and_hazards() -> None:
    left, right = st.columns(2)
    with left:
        st.subheader(T["peers"])
        peers = views.peer_medians(s.table, countries, fw, unit, year, lg)
        if len(peers):
            peers["who"] = peers["who"].replace({unit: s.name(unit)})
            st.altair_chart(charts.pillar_bars(peers, lg), width="stretch")
            with st.expander(T["peers_table"]):
                wide = peers.pivot(index="name", columns="who", values="score").reset_index()
                st.dataframe(**lang.table(wide.rename(columns={"name": T["cols"]["name"]}),
                                         {c: st.column_config.NumberColumn(format="%.1f") for c in wide.columns[1:]}),
                             hide_index=True, width="stretch")
    with right:
        st.subheader(T["hazards"])
        layer_cols = [c for c in s.hazard_labels if c in s.table.columns]
        if row is None or not layer_cols:
            st.info(T["no_hazards"])
            return
        values = {c: float(row[c]) for c in layer_cols if pd.notna(row[c])}
        if not values:
            st.info(T["no_hazard_data"])
            return
        st.altair_chart(charts.hazard_bars(values, s.hazard_labels, lg), width="stretch")
        st.caption(T["exposure"].format(x=lang.num(row["exposure"]), y=int(row["exposure_year"]))
                   if pd.notna(row.get("exposure")) and pd.notna(row.get("exposure_year")) else T["no_exposure"])
        with st.expander(T["hazards_table"]):
            t = pd.DataFrame({T["cols"]["hazard"]: [lang.term(s.hazard_labels[c], "hazard") for c in values],
                              T["cols"]["score"]: list(values.values())})
            st.dataframe(**lang.table(t, {T["cols"]["score"]: st.column_config.NumberColumn(format="%.1f")}),
                         hide_index=True, width="stretch")


def trend() -> None:
    st.subheader(T["trend"])
    long = views.trend(s.table, unit, [fw.index.id, *views.components(fw)])
    if not len(long):
        return
    names = {fw.index.id: lang.name(fw.index.name)} | pillar_names
    long = long.assign(component=long["component"].map(names).fillna(long["component"]))
    st.altair_chart(charts.trend_lines(long, lg), width="stretch")
    with st.expander(T["trend_table"]):
        wide = long.pivot(index="year", columns="component", values="score").reset_index()
        st.dataframe(**lang.table(wide.rename(columns={"year": T["cols"]["year"]}),
                                 {c: st.column_config.NumberColumn(format="%.1f") for c in wide.columns[1:]}
                                 | {T["cols"]["year"]: st.column_config.NumberColumn(format="%d")}),
                     hide_index=True, width="stretch")


def strengths() -> None:
    best, worst = profile.strengths_weaknesses(s.outcome, unit, year, lang=lg)
    a, b = st.columns(2)
    fmt = {c: st.column_config.NumberColumn(format="%.1f") for c in (_("app_col_score"), _("app_col_median_score"))}
    fmt[_("app_col_difference")] = st.column_config.NumberColumn(format="%+.1f")
    for col, title, table, empty in ((a, T["strengths"], best, T["none_above"]), (b, T["weaknesses"], worst, T["none_below"])):
        col.subheader(title)
        if len(table):
            col.dataframe(**lang.table(table, fmt), hide_index=True, width="stretch")
        else:
            col.write(empty)
    st.caption(T["sw_caption"])


def indicators() -> None:
    st.subheader(T["indicators"])
    table = profile.indicator_rows(views.indicator_table(s.outcome, unit, year, sources.load_registry()), fw, lg)
    heads = profile.indicator_columns(lg)
    link, source = heads["link"], heads["source"]
    st.dataframe(**lang.table(table, {link: st.column_config.LinkColumn(link, display_text=T["open_source"]),
                                     heads["weight"]: st.column_config.NumberColumn(format="%g")}),
                 hide_index=True, width="stretch")
    links = table[table[link] != ""].drop_duplicates(source)
    if len(links):
        st.markdown(T["sources"] + " " + " · ".join(f"[{x[source]}]({x[link]})" for _i, x in links.iterrows()))


def gaps() -> None:
    st.subheader(T["gaps"])
    g = views.data_gaps(s.outcome, unit, year)
    if len(g):
        st.dataframe(profile.gap_rows(g, lg, fw), hide_index=True, width="stretch")
    else:
        st.write(T["no_gaps"])


headline()
context()
why()
peers_and_hazards()
subnational.country_section(s, unit)  # admin-1 exposure map and most exposed regions
trend()
strengths()
indicators()
gaps()
