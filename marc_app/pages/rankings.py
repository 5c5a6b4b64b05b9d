"""Rankings (sortable, filterable, downloadable) and a side-by-side comparison."""

import streamlit as st

from marc import spreadsheet, views
from marc_app import state

s = state.scored()
fw = s.outcome.framework
st.title("Rankings & Compare")
year = state.pick_year(s, key="rank_year")
countries = s.outcome.countries
f1, f2, f3 = st.columns([2, 2, 2])
regions = f1.multiselect("Region", sorted(countries["region"].dropna().unique()), key="rank_regions")
incomes = f2.multiselect("Income group", sorted(countries["income_group"].dropna().unique()), key="rank_incomes")
query = f3.text_input("Search name or ISO3", key="rank_query")
t = s.table[s.table["year"] == year]
keep = views.filter_units(t, countries, regions=regions, incomes=incomes)
t = t[t["unit"].isin(keep)]
if query:
    q = query.strip().lower()
    t = t[t["name"].str.lower().str.contains(q, regex=False, na=False) | t["unit"].str.lower().eq(q)]
comps = views.components(fw)
extra = [c for c in ("exposure", "priority", "priority_class", "quadrant") if c in t.columns]
ranked = state.intervals(year)[["unit", "rank_p05", "rank_p95", "score_p05", "score_p95"]]
t = t.merge(ranked, on="unit", how="left")
cols = ["rank", "rank_p05", "rank_p95", "unit", "name", fw.index.id, "score_p05", "score_p95", *comps, "coverage",
        "imputed_share", *extra]
view = t[cols].sort_values(["rank", "unit"], na_position="last")
st.dataframe(view, hide_index=True, width="stretch", height=420,
             column_config={c: st.column_config.NumberColumn(format="%.1f") for c in [fw.index.id, *comps, "exposure", "priority"]}
             | {"rank": st.column_config.NumberColumn(format="%d"),
                "rank_p05": st.column_config.NumberColumn("rank 5%", format="%d", help="5–95% Monte Carlo rank interval"),
                "rank_p95": st.column_config.NumberColumn("rank 95%", format="%d"),
                "score_p05": st.column_config.NumberColumn("score 5%", format="%.1f"),
                "score_p95": st.column_config.NumberColumn("score 95%", format="%.1f"),
                "coverage": st.column_config.NumberColumn(format="%.2f"),
                "imputed_share": st.column_config.NumberColumn(format="%.2f")})
st.download_button("Download CSV", spreadsheet.csv_bytes(view), file_name=f"marc_rankings_{year}.csv",
                   mime="text/csv", key="rank_csv")
st.caption(f"{int(view[fw.index.id].notna().sum())} of {len(view)} countries have a published score; "
           f"framework {s.outcome.results.framework_digest}.")

st.subheader("Compare countries")
names = dict(zip(s.table["unit"], s.table["name"]))
default = [u for u in [st.session_state.get("country")] if u in names]
picked = st.multiselect("Countries", sorted(names, key=lambda u: str(names[u])), default=default,
                        format_func=lambda u: f"{names.get(u, u)} ({u})", key="rank_compare")
if picked:
    side = views.compare(s.table, picked, year, ["rank", fw.index.id, *comps, *extra, "coverage"])
    st.dataframe(side, width="stretch")
