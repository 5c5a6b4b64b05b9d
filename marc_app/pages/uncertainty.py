"""Uncertainty: Monte Carlo rank intervals for every country, and Sobol sensitivity by factor group."""

import streamlit as st

from marc import charts, spreadsheet
from marc_app import state

s = state.scored()
fw = s.outcome.framework
st.title("Uncertainty")
year = state.pick_year(s, key="unc_year")
cfg = fw.uncertainty
st.caption(f"Alternatives sampled as declared in index.yaml (`uncertainty:`): weights ({cfg.weights.method}), "
           "normalisation, aggregation, missing-data policy, indicator set and published measurement error; "
           f"{cfg.replications} replications, seed {cfg.seed}. Every country's rank is recomputed in each replication.")
summary = state.intervals(year)
names = dict(zip(s.table["unit"], s.table["name"]))
ranked = summary.dropna(subset=["rank"])
c1, c2, c3 = st.columns(3)
c1.metric("Countries ranked", f"{len(ranked)}")
c2.metric("Median width of the 90% rank interval", f"{(ranked['rank_p95'] - ranked['rank_p05']).median():.0f} ranks")
c3.metric("Mean |rank shift|", f"{ranked['mean_abs_rank_shift'].mean():.1f}")

top = st.select_slider("Show", options=[25, 50, 100, len(ranked)], value=50, key="unc_top",
                       format_func=lambda k: "all" if k == len(ranked) else f"top {k}")
chosen = [st.session_state["country"]] if st.session_state.get("country") in names else []
st.altair_chart(charts.rank_intervals(summary, names, top=top, highlight=chosen), width="stretch")

table = summary.assign(name=summary["unit"].map(names))[
    ["unit", "name", "score", "score_p05", "score_p95", "rank", "median_rank", "rank_p05", "rank_p95",
     "mean_abs_rank_shift", "published_share"]].sort_values("rank", na_position="last")
st.dataframe(table, hide_index=True, width="stretch", height=360,
             column_config={c: st.column_config.NumberColumn(format="%.1f") for c in
                            ["score", "score_p05", "score_p95", "median_rank", "mean_abs_rank_shift"]}
             | {c: st.column_config.NumberColumn(format="%d") for c in ["rank", "rank_p05", "rank_p95"]}
             | {"published_share": st.column_config.NumberColumn("published in", format="%.2f")})
st.download_button("Download rank intervals (CSV)", spreadsheet.csv_bytes(table),
                   file_name=f"marc_rank_intervals_{year}.csv", mime="text/csv", key="unc_csv")

st.subheader("Sensitivity: which choices move the ranks?")
st.caption(f"First-order (S1) and total (ST) Sobol indices with confidence intervals, by factor group; "
           f"Saltelli design of N(G+2) runs with N = {cfg.sobol.n}. Same as `marc uncertainty --sobol`.")
if st.button("Run the Sobol analysis", key="unc_sobol"):
    from marc import sensitivity, uncertainty

    outcome = s.outcome
    with st.spinner("Sampling the Saltelli design…"):
        model = uncertainty.build(outcome.framework, outcome.panel, year,
                                  groups=outcome.countries.set_index("unit"),
                                  units=sorted(set(outcome.results.components["unit"])))
        result = sensitivity.sobol(model)
    st.session_state["unc_sobol_result"] = (year, result.runs, result.for_output("mean_abs_rank_shift"))
if "unc_sobol_result" in st.session_state:
    y, runs, indices = st.session_state["unc_sobol_result"]
    st.caption(f"Edition {y}: {runs:,} model runs; output: the mean absolute rank shift.")
    st.dataframe(indices, hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="%.3f") for c in ["S1", "S1_conf", "ST", "ST_conf"]})
