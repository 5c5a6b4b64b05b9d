"""Rankings (sortable, filterable, downloadable) and a side-by-side comparison."""

import streamlit as st

from marc.reporting import spreadsheet, views
from marc_app import lang, state
from marc_app.lang import _

s = state.scored()
fw = s.outcome.framework
st.title(_("app_rank_title"))
year = state.pick_year(s, key="rank_year")
countries = s.outcome.countries
f1, f2, f3 = st.columns([2, 2, 2])
regions_all = sorted(countries["region"].dropna().unique())
incomes_all = sorted(countries["income_group"].dropna().unique())
state.seed("rank_regions", "region", regions_all, kind="list")
state.seed("rank_incomes", "income", incomes_all, kind="list")
state.seed("rank_query", "q")
regions = f1.multiselect(_("app_map_region"), regions_all, key="rank_regions", format_func=lambda r: lang.term(r, "region"))
incomes = f2.multiselect(_("app_map_income"), incomes_all, key="rank_incomes", format_func=lambda r: lang.term(r, "income"))
query = f3.text_input(_("app_rank_search"), key="rank_query")
state.set_param("region", regions)
state.set_param("income", incomes)
state.set_param("q", query)
t = s.table[s.table["year"] == year]
keep = views.filter_units(t, countries, regions=regions, incomes=incomes)
t = t[t["unit"].isin(keep)]
names = s.names()
t = t.assign(name=t["unit"].map(names).fillna(t["name"]))
if query:
    q = lang.sort_key(query.strip())
    t = t[t["name"].map(lang.sort_key).str.contains(q, regex=False, na=False) | t["unit"].str.lower().eq(query.strip().lower())]
comps = views.components(fw)
extra = [c for c in ("exposure", "priority", "priority_class", "quadrant") if c in t.columns]
ranked = state.intervals(year)[["unit", "rank_p05", "rank_p95", "score_p05", "score_p95"]]
t = t.merge(ranked, on="unit", how="left")
if "quadrant" in t.columns:
    t["quadrant"] = t["quadrant"].map(lambda q: lang.term(q) if isinstance(q, str) else q)
cov = [c for c in ("coverage_intended", "security_coverage", "security_observed", "security_total") if c in t.columns]
cols = ["rank", "rank_p05", "rank_p95", "unit", "name", fw.index.id, "score_p05", "score_p95", *comps, "coverage",
        *cov, "imputed_share", *extra]
view = t[cols].sort_values(["rank", "unit"], na_position="last")
labels = {fw.index.id: lang.name(fw.index.name)} | {c: lang.name(fw.components[c].name) for c in comps}
number = st.column_config.NumberColumn
config = ({c: number(labels.get(c), format="%.1f") for c in [fw.index.id, *comps]}
          | {"exposure": number(_("app_col_exposure"), format="%.1f"), "priority": number(_("app_metric_priority"), format="%.1f"),
             "rank": number(_("app_col_rank"), format="%d"), "unit": st.column_config.TextColumn(_("app_col_iso3")),
             "name": st.column_config.TextColumn(_("app_col_country")),
             "rank_p05": number(_("app_col_rank_p05"), format="%d", help=_("app_rank_interval_help")),
             "rank_p95": number(_("app_col_rank_p95"), format="%d"),
             "score_p05": number(_("app_col_score_p05"), format="%.1f"),
             "score_p95": number(_("app_col_score_p95"), format="%.1f"),
             "coverage": number(_("app_col_coverage"), format="%.2f"),
             "coverage_intended": number(_("app_col_coverage_intended"), format="%.2f", help=_("app_col_coverage_intended_help")),
             "security_coverage": number(_("app_col_security_coverage"), format="%.2f", help=_("app_col_security_coverage_help")),
             "security_observed": number(_("app_col_security_observed"), format="%d"),
             "security_total": number(_("app_col_security_total"), format="%d"),
             "imputed_share": number(_("app_col_imputed_share"), format="%.2f"),
             "priority_class": st.column_config.TextColumn(_("app_priority_class")),
             "quadrant": st.column_config.TextColumn(_("app_col_quadrant"))})
st.dataframe(**lang.table(view, config), hide_index=True, width="stretch", height=420)
st.download_button(_("app_rank_download"), spreadsheet.csv_bytes(view), file_name=f"marc_rankings_{year}.csv",
                   mime="text/csv", key="rank_csv")
st.caption(_("app_rank_caption", n=int(view[fw.index.id].notna().sum()), total=len(view),
             digest=s.outcome.results.framework_digest))

st.subheader(_("app_rank_compare"))
options = sorted(names, key=lambda u: lang.sort_key(names[u]))
state.seed("rank_compare", "compare", options, kind="list",
           fallback=[u for u in [st.session_state.get("country")] if u in names])
picked = st.multiselect(_("app_rank_countries"), options, format_func=lambda u: f"{names.get(u, u)} ({u})", key="rank_compare")
state.set_param("compare", picked)
if picked:
    side = views.compare(s.table, picked, year, ["rank", fw.index.id, *comps, *extra, "coverage"])
    if "quadrant" in side.index:
        side.loc["quadrant"] = side.loc["quadrant"].map(lambda q: lang.term(q) if isinstance(q, str) else q)
    unit_of = dict(zip(s.table["name"], s.table["unit"]))
    if lang.current() != "en":  # mixed rows (numbers and classes): written out, with the language's decimal mark
        digits = {"rank": 0, "coverage": 2}
        side = side.apply(lambda row: row.map(lambda v: lang.num(v, digits.get(row.name, 1))
                                              if isinstance(v, (int, float)) and not isinstance(v, bool) else v), axis=1)
    st.dataframe(side.rename(index=labels | {"rank": _("app_col_rank"), "exposure": _("app_col_exposure"),
                                                          "priority": _("app_metric_priority"), "priority_class": _("app_priority_class"),
                                                          "quadrant": _("app_col_quadrant"), "coverage": _("app_col_coverage")},
                                          columns=lambda c: names.get(unit_of.get(c, c), c)), width="stretch")
