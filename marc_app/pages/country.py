"""Country profile: headline scores, pillars against peers, indicators with sources, hazards, trend."""

import pandas as pd
import streamlit as st

from marc import charts, context, sources, views
from marc_app import state

s = state.scored()
fw = s.outcome.framework
c1, c2 = st.columns([2, 3])
with c1:
    unit = state.pick_country(s, key="country_pick")
with c2:
    year = state.pick_year(s, key="country_year")
st.title(s.name(unit))

head = views.headline(s.table, fw, unit, year)
interval = views.rank_interval_text(state.intervals(year)).get(unit)
cols = st.columns(max(len(head), 1))
for c, row in zip(cols, head.itertuples()):
    value = "no score" if pd.isna(row.score) else f"{row.score:.1f}"
    rank = "" if pd.isna(row.rank) else f"rank {int(row.rank)} of {row.n_ranked} · {row.percentile:.0f}th pct"
    if rank and row.component == fw.index.id and interval:
        rank += f" · 90% rank interval {interval}"
    c.metric(row.name, value, help="Scores 0–100, higher = more ready. Percentile among the ranked countries.")
    c.caption(rank)

countries = s.outcome.countries
me = countries[countries["unit"] == unit]
row = s.table[(s.table["unit"] == unit) & (s.table["year"] == year)]
flags = []
if len(me):
    m = me.iloc[0]
    flags += [f"Region: {m['region']}", f"Income group: {m['income_group']}"]
    flags += [label for key, label in (("ldc", "Least developed country"), ("sids", "Small island developing state"),
                                       ("lldc", "Landlocked developing country")) if bool(m.get(key))]
if len(row):
    r = row.iloc[0]
    for key in ("conflict_affected", "transition"):  # dated: "conflict-affected (UCDP, 2022)"
        if key in r and r[key] is True:
            flags.append(context.flag_label(key, r.get(f"{key}_year")).capitalize())
    if "quadrant" in r and isinstance(r["quadrant"], str):
        flags.append(f"Quadrant: {r['quadrant']}")
st.markdown("**Context:** " + " · ".join(flags) if flags else "**Context:** none recorded")

left, right = st.columns(2)
with left:
    st.subheader("Pillars against peers")
    peers = views.peer_medians(s.table, countries, fw, unit, year)
    if len(peers):
        peers["who"] = peers["who"].replace({unit: s.name(unit)})
        st.altair_chart(charts.pillar_bars(peers), width="stretch")
with right:
    st.subheader("Hazard profile")
    layer_cols = [c for c in s.hazard_labels if c in s.table.columns]
    if len(row) and layer_cols:
        r = row.iloc[0]
        values = {c: float(r[c]) for c in layer_cols if pd.notna(r[c])}
        if values:
            st.altair_chart(charts.hazard_bars(values, s.hazard_labels), width="stretch")
            st.caption(f"Exposure {r['exposure']:.1f} / 100 (data year {int(r['exposure_year'])})"
                       if pd.notna(r.get("exposure")) and pd.notna(r.get("exposure_year")) else "No combined exposure")
        else:
            st.info("No hazard data for this country.")
    else:
        st.info("No hazard results (hazards.yaml absent or not built).")

st.subheader("Trend")
long = views.trend(s.table, unit, [fw.index.id, *views.components(fw)])
if len(long):
    st.altair_chart(charts.trend_lines(long), width="stretch")

best, worst = views.strengths_weaknesses(s.outcome, unit, year)
a, b = st.columns(2)
a.subheader("Strengths")
a.dataframe(best[["name", "score", "median", "vs_median"]], hide_index=True, width="stretch")
b.subheader("Weaknesses")
b.dataframe(worst[["name", "score", "median", "vs_median"]], hide_index=True, width="stretch")
st.caption("Judged against the median of all countries for that indicator and edition.")

st.subheader("Indicators")
table = views.indicator_table(s.outcome, unit, year, sources.load_registry())
st.dataframe(table, hide_index=True, width="stretch",
             column_config={"link": st.column_config.LinkColumn("source link"),
                            "raw_value": st.column_config.NumberColumn("raw value", format="%.4g"),
                            "score": st.column_config.NumberColumn(format="%.1f"),
                            "data_year": st.column_config.NumberColumn("data year", format="%d")})
gaps = views.data_gaps(s.outcome, unit, year)
st.subheader("Data gaps")
if len(gaps):
    st.dataframe(gaps, hide_index=True, width="stretch")
else:
    st.write("None: every indicator has a current value.")
