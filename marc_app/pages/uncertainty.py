"""Uncertainty: Monte Carlo rank intervals for every country, and Sobol sensitivity by factor group."""

import streamlit as st

from marc.reporting import charts, spreadsheet
from marc_app import lang, state
from marc_app.lang import _

s = state.scored()
fw = s.outcome.framework
st.title(_("app_unc_title"))
year = state.pick_year(s, key="unc_year")
cfg = fw.uncertainty
st.caption(_("app_unc_caption", method=cfg.weights.method, n=lang.num(cfg.replications, 0),
             seed=cfg.seed))
summary = state.intervals(year)
names = s.names()
ranked = summary.dropna(subset=["rank"])
c1, c2, c3 = st.columns(3)
c1.metric(_("app_unc_ranked"), lang.num(len(ranked), 0))
c2.metric(_("app_unc_width"), _("app_unc_ranks", n=lang.num((ranked["rank_p95"] - ranked["rank_p05"]).median(), 0)))
c3.metric(_("app_unc_shift"), lang.num(ranked["mean_abs_rank_shift"].mean()))

top = st.select_slider(_("app_admin1_show"), options=[25, 50, 100, len(ranked)], value=50, key="unc_top",
                       format_func=lambda k: _("app_unc_all") if k == len(ranked) else _("app_unc_top", n=k))
chosen = [st.session_state["country"]] if st.session_state.get("country") in names else []
st.altair_chart(charts.rank_intervals(summary, names, top=top, highlight=chosen, lang=lang.current()), width="stretch")

table = summary.assign(name=summary["unit"].map(names))[
    ["unit", "name", "score", "score_p05", "score_p95", "rank", "median_rank", "rank_p05", "rank_p95",
     "mean_abs_rank_shift", "published_share"]].sort_values("rank", na_position="last")
number = st.column_config.NumberColumn
st.dataframe(**lang.table(table, {"unit": st.column_config.TextColumn(_("app_col_iso3")),
                                  "name": st.column_config.TextColumn(_("app_col_country")),
                                  "score": number(_("app_col_score"), format="%.1f"),
                                  "score_p05": number(_("app_col_score_p05"), format="%.1f"),
                                  "score_p95": number(_("app_col_score_p95"), format="%.1f"),
                                  "median_rank": number(_("app_col_median_rank"), format="%.1f"),
                                  "mean_abs_rank_shift": number(_("app_col_shift"), format="%.1f"),
                                  "rank": number(_("app_col_rank"), format="%d"),
                                  "rank_p05": number(_("app_col_rank_p05"), format="%d"),
                                  "rank_p95": number(_("app_col_rank_p95"), format="%d"),
                                  "published_share": number(_("app_col_published_share"), format="%.2f")}),
             hide_index=True, width="stretch", height=360)
st.download_button(_("app_unc_download"), spreadsheet.csv_bytes(table),
                   file_name=f"marc_rank_intervals_{year}.csv", mime="text/csv", key="unc_csv")

st.subheader(_("app_unc_sensitivity"))
st.caption(_("app_unc_sobol_caption", n=lang.num(cfg.sobol.n, 0)))
if st.button(_("app_unc_sobol_run"), key="unc_sobol"):
    from marc.analysis import sensitivity, uncertainty

    outcome = s.outcome
    with st.spinner(_("app_unc_sobol_spinner")):
        model = uncertainty.build(outcome.framework, outcome.panel, year,
                                  groups=outcome.countries.set_index("unit"),
                                  units=sorted(set(outcome.results.components["unit"])))
        result = sensitivity.sobol(model)
    st.session_state["unc_sobol_result"] = (year, result.runs, result.for_output("mean_abs_rank_shift"))
if "unc_sobol_result" in st.session_state:
    y, runs, indices = st.session_state["unc_sobol_result"]
    st.caption(_("app_unc_sobol_done", year=y, runs=lang.num(runs, 0)))
    indices = indices.reset_index()
    if "factor" in indices.columns:  # the factor group, in words
        indices["factor"] = indices["factor"].map(lambda g: lang.term(g, "factor"))
    st.dataframe(**lang.table(indices, {"factor": st.column_config.TextColumn(_("app_col_factor"))}
                              | {c: st.column_config.NumberColumn(format="%.3f") for c in ["S1", "S1_conf", "ST", "ST_conf"]}),
                 hide_index=True, width="stretch")
