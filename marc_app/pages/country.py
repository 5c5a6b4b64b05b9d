"""Country profile: headline scores, why this score, context flags, pillars against peers,
hazards, trend, strengths and weaknesses, indicators with sources, data gaps.

Each section is one function, so a section can be added (e.g. a subnational exposure map) without
touching the others.  The view (country, edition, reference) lives in the URL.
"""

import pandas as pd
import streamlit as st

from marc import charts, explain, profile, sources, views
from marc.ranking import rank_text
from marc.errors import MarcError
from marc_app import state, subnational

#: every user-facing string of this page (for the translation catalogues)
T = {
    "score_help": "Scores 0–100, higher = more ready. Percentile among the ranked countries.",
    "no_score": "no score", "rank": "{rank} · {pct:.0f}th pct", "interval": " · 90% rank interval {i}",
    "reference": "Compare with", "ref_median": "Median of all countries", "ref_region": "Median of its region",
    "why": "Why this score", "why_caption": "Each bar is what an indicator adds to (+) or takes from (−) the score, "
    "against a reference profile where every indicator sits at the median score of the reference countries, scored "
    "with this country's effective weights (indicators it lacks are left out of both). The bars add up to the gap.",
    "pillar_contrib": "By pillar", "why_table": "Table: contributions (the same data as the chart)",
    "context": "Context", "context_none": "none recorded", "context_table": "Every context flag, with its data year",
    "peers": "Pillars against peers", "peers_table": "Table: pillars against peers",
    "hazards": "Hazard profile", "hazards_table": "Table: hazard scores", "no_hazard_data": "No hazard data for this country.",
    "no_hazards": "No hazard results (hazards.yaml absent or not built).",
    "exposure": "Exposure {x:.1f} / 100 (data year {y})", "no_exposure": "No combined exposure",
    "trend": "Trend", "trend_table": "Table: scores by edition",
    "strengths": "Strengths", "weaknesses": "Weaknesses", "none_above": "No indicator above the median.",
    "none_below": "No indicator below the median.",
    "sw_caption": "Against the median score of all countries for that indicator and edition; Value is the raw "
                  "figure with its unit.",
    "indicators": "Indicators", "gaps": "Data gaps", "no_gaps": "None: every indicator has a current value.",
    "cols": {"name": "Pillar", "who": "Who", "score": "Score", "hazard": "Hazard", "year": "Edition",
             "component": "Component", "contribution": "Contribution (points)", "reference": "Reference score",
             "effective_weight": "Effective weight", "pillar": "Pillar", "flag": "Flag", "value": "Value",
             "data_year": "Data year"},
}

s = state.scored()
fw = s.outcome.framework
pillar_names = {c: fw.components[c].name for c in fw.components}
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
        value = T["no_score"] if pd.isna(r.score) else f"{r.score:.1f}"
        rank = "" if pd.isna(r.rank) else T["rank"].format(rank=rank_text(r.rank, r.n_ranked, r.n_tied), pct=r.percentile)
        if rank and r.component == fw.index.id and interval:
            rank += T["interval"].format(i=interval)
        c.metric(r.name, value, help=T["score_help"])
        c.caption(rank)
    if row is not None:  # how much of the intended method, and of the security-sector evidence, rests on data
        st.markdown(profile.coverage_words(row))


def context() -> None:
    if row is None:
        return
    me = countries[countries["unit"] == unit]
    facts = []
    if len(me):
        m = me.iloc[0]
        facts += [str(m["region"]), str(m["income_group"])]
    facts += profile.active_flags(fw, row)
    if isinstance(row.get("quadrant"), str):
        facts.append(f"Quadrant: {row['quadrant']}")
    st.markdown(f"**{T['context']}:** " + (" · ".join(facts) if facts else T["context_none"]))
    with st.expander(T["context_table"]):
        st.dataframe(profile.context_flags(fw, row).rename(columns=T["cols"]), hide_index=True, width="stretch")


def why() -> None:
    st.subheader(T["why"])
    try:
        e = explain.explain(fw, s.outcome.results, unit, year, reference=ref, countries=countries)
    except MarcError as exc:
        st.info(exc.problems[0].message)
        return
    st.markdown(f"**{e.sentence()}**")
    st.caption(T["why_caption"])
    left, right = st.columns([5, 3])
    left.altair_chart(charts.contribution_bars(e.indicators, pillar_names), width="stretch", alt=e.sentence())
    comps = e.components[e.components["role"] != "sub_pillar"][["name", "score", "reference", "contribution"]]
    right.markdown(f"**{T['pillar_contrib']}**")
    right.dataframe(comps.rename(columns={"name": T["cols"]["pillar"], "score": T["cols"]["score"],
                                         "reference": T["cols"]["reference"],
                                         "contribution": T["cols"]["contribution"]}),
                    hide_index=True, width="stretch",
                    column_config={T["cols"][c]: st.column_config.NumberColumn(format="%.1f")
                                   for c in ("score", "reference", "contribution")})
    with st.expander(T["why_table"]):
        t = e.indicators.assign(pillar=e.indicators["pillar"].map(pillar_names))
        t = t[["name", "pillar", "effective_weight", "score", "reference", "contribution"]]
        st.dataframe(t.rename(columns={**T["cols"], "name": "Indicator"}), hide_index=True, width="stretch",
                     column_config={T["cols"]["effective_weight"]: st.column_config.NumberColumn(format="%.3f"),
                                    T["cols"]["score"]: st.column_config.NumberColumn(format="%.1f"),
                                    T["cols"]["reference"]: st.column_config.NumberColumn(format="%.1f"),
                                    T["cols"]["contribution"]: st.column_config.NumberColumn(format="%+.2f")})


def peers_and_hazards() -> None:
    left, right = st.columns(2)
    with left:
        st.subheader(T["peers"])
        peers = views.peer_medians(s.table, countries, fw, unit, year)
        if len(peers):
            peers["who"] = peers["who"].replace({unit: s.name(unit)})
            st.altair_chart(charts.pillar_bars(peers), width="stretch")
            with st.expander(T["peers_table"]):
                wide = peers.pivot(index="name", columns="who", values="score").reset_index()
                st.dataframe(wide.rename(columns={"name": T["cols"]["name"]}), hide_index=True, width="stretch",
                             column_config={c: st.column_config.NumberColumn(format="%.1f") for c in wide.columns[1:]})
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
        st.altair_chart(charts.hazard_bars(values, s.hazard_labels), width="stretch")
        st.caption(T["exposure"].format(x=row["exposure"], y=int(row["exposure_year"]))
                   if pd.notna(row.get("exposure")) and pd.notna(row.get("exposure_year")) else T["no_exposure"])
        with st.expander(T["hazards_table"]):
            t = pd.DataFrame({T["cols"]["hazard"]: [s.hazard_labels[c] for c in values], T["cols"]["score"]: list(values.values())})
            st.dataframe(t, hide_index=True, width="stretch",
                         column_config={T["cols"]["score"]: st.column_config.NumberColumn(format="%.1f")})


def trend() -> None:
    st.subheader(T["trend"])
    long = views.trend(s.table, unit, [fw.index.id, *views.components(fw)])
    if not len(long):
        return
    names = {fw.index.id: fw.index.name} | pillar_names
    long = long.assign(component=long["component"].map(names).fillna(long["component"]))
    st.altair_chart(charts.trend_lines(long), width="stretch")
    with st.expander(T["trend_table"]):
        wide = long.pivot(index="year", columns="component", values="score").reset_index()
        st.dataframe(wide.rename(columns={"year": T["cols"]["year"]}), hide_index=True, width="stretch",
                     column_config={c: st.column_config.NumberColumn(format="%.1f") for c in wide.columns[1:]}
                     | {T["cols"]["year"]: st.column_config.NumberColumn(format="%d")})


def strengths() -> None:
    best, worst = profile.strengths_weaknesses(s.outcome, unit, year)
    a, b = st.columns(2)
    fmt = {c: st.column_config.NumberColumn(format="%.1f") for c in ("Score", "Median score")}
    fmt["Difference"] = st.column_config.NumberColumn(format="%+.1f")
    for col, title, table, empty in ((a, T["strengths"], best, T["none_above"]), (b, T["weaknesses"], worst, T["none_below"])):
        col.subheader(title)
        if len(table):
            col.dataframe(table, hide_index=True, width="stretch", column_config=fmt)
        else:
            col.write(empty)
    st.caption(T["sw_caption"])


def indicators() -> None:
    st.subheader(T["indicators"])
    table = profile.indicator_rows(views.indicator_table(s.outcome, unit, year, sources.load_registry()), fw)
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={"Source link": st.column_config.LinkColumn("Source link", display_text="open source ↗"),
                                "Weight": st.column_config.NumberColumn(format="%g")})
    links = table[table["Source link"] != ""].drop_duplicates("Source")
    if len(links):
        st.markdown("Sources: " + " · ".join(f"[{x['Source']}]({x['Source link']})" for _, x in links.iterrows()))


def gaps() -> None:
    st.subheader(T["gaps"])
    g = views.data_gaps(s.outcome, unit, year)
    if len(g):
        st.dataframe(profile.gap_rows(g), hide_index=True, width="stretch")
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
