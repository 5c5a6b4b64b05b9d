"""Map: a classed world choropleth of any metric, with filters; a click opens the country profile."""

import streamlit as st

from marc import charts, views
from marc_app import state, subnational

s = state.scored()
features, points = state.geometry()

by_col = {m.column: m for m in s.metrics}
c1, c2 = st.columns([2, 3])
with c1:
    col = st.selectbox("Metric", list(by_col), format_func=lambda c: by_col[c].label, key="map_metric")
with c2:
    year = state.pick_year(s, key="map_year")
metric = by_col[col]
if subnational.map_switch(s):  # admin-1 units for a chosen country or region
    st.stop()
st.title("MARC readiness map" if col == s.outcome.results.index_id else f"{metric.label} map")

countries = s.outcome.countries
with st.expander("Filters", expanded=False):
    f1, f2 = st.columns(2)
    regions = f1.multiselect("Region", sorted(countries["region"].dropna().unique()), key="map_regions")
    incomes = f2.multiselect("Income group", sorted(countries["income_group"].dropna().unique()), key="map_incomes")
    g = st.columns(4)
    flags = {"ldc": g[0].checkbox("LDC only", key="map_ldc"), "sids": g[1].checkbox("SIDS only", key="map_sids"),
             "conflict_affected": g[2].checkbox("Conflict-affected only", key="map_conflict"),
             "transition": g[3].checkbox("In transition only", key="map_transition")}
filtered = bool(regions or incomes or any(flags.values()))
table_year = s.table[s.table["year"] == year]
keep = views.filter_units(table_year, countries, regions=regions, incomes=incomes, flags=flags) if filtered else None

bivariate = metric.kind == "priority" and st.toggle("3×3 bivariate view (exposure × readiness gap)", value=True,
                                                    key="map_bivariate")
if bivariate:
    frame = views.priority_frame(s.table, year)
    if keep is not None:
        frame.loc[~frame["unit"].isin(keep), "bivariate"] = views.NO_DATA
    spec = charts.bivariate_map(features, frame)
    shown = int((frame["bivariate"] != views.NO_DATA).sum())
else:
    ranked = state.intervals(year) if col == s.outcome.results.index_id else None
    frame = views.map_frame(s.table, metric, year, keep=keep, years=s.data_years, intervals=ranked)
    spec = charts.choropleth(features, points, frame, metric)
    shown = int(frame["value"].notna().sum())

event = st.vega_lite_chart(spec, on_select="rerun", key=f"map_chart_{bivariate}", width="stretch")
st.caption(f"{metric.label}, edition {year}: {shown} countries with a value"
           f"{' after filters' if filtered else ''}; grey = no data. Click a country (or a dot for a small "
           "state) to open its profile. Boundaries: Natural Earth 1:50m, de facto lines; MARC takes no "
           "position on any boundary.")

picked = None
for name in ("pick", "pick_small"):
    sel = (event.selection or {}).get(name) if event else None
    if sel:
        picked = sel[0].get("unit")
if picked:
    st.session_state["country"] = picked
    st.switch_page(state.PAGES / "country.py")

with st.form("open_country", border=False):
    c1, c2 = st.columns([3, 1])
    with c1:
        unit = state.pick_country(s, key="map_country", label="Or pick a country")
    if c2.form_submit_button("Open profile"):
        st.session_state["country"] = unit
        st.switch_page(state.PAGES / "country.py")
