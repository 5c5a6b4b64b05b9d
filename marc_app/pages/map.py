"""Map: a classed world choropleth of any metric, with filters; a click opens the country profile.

The geometry is a static file the browser fetches once; a rerun sends only the values
(:mod:`marc.reporting.webmap`), and the controls and the map rerun as one fragment.  The view (metric,
edition, filters, bivariate toggle) lives in the URL, so a link opens the same map.
"""

import streamlit as st

from marc.reporting import views, webmap
from marc_app import lang, state, subnational
from marc_app.lang import _

#: every user-facing string of this page, from the translation catalogues (marc/core/locales, keys app_map_*)
T = {
    "metric": _("app_map_metric"), "title_index": _("app_map_title_index"), "title": _("app_map_title"),
    "filters": _("app_map_filters"), "region": _("app_map_region"), "income": _("app_map_income"),
    "ldc": _("app_map_ldc"), "sids": _("app_map_sids"), "conflict": _("app_map_conflict"),
    "transition": _("app_map_transition"), "bivariate": _("app_map_bivariate"), "caption": _("app_map_caption"),
    "after": _("app_map_after"), "pick": _("app_map_pick"), "open": _("app_map_open"), "table": _("app_map_table"),
    "cols": {"name": _("app_col_country"), "unit": _("app_col_iso3"), "value": _("app_col_value"),
             "rank": _("app_col_rank"), "data_year": _("app_col_data_year"), "cls": _("app_col_class"),
             "rank_interval": _("app_col_rank_interval"), "words": _("app_col_class"), "exposure": _("app_col_exposure"),
             "gap": _("app_col_gap")},
    "download": _("app_map_download"),
}
FLAGS = (("ldc", "ldc"), ("sids", "sids"), ("conflict_affected", "conflict"), ("transition", "transition"))


@st.cache_data(max_entries=64, show_spinner=False)
def _spec(url: str, column: str, label: str, kind: str, bivariate: bool, intervals: bool, lg: str = "en") -> dict:
    if bivariate:
        return webmap.bivariate_spec(url, lang=lg)
    return webmap.choropleth_spec(url, views.Metric(column, label, kind), intervals=intervals, lang=lg)


@st.cache_data(max_entries=4, show_spinner=False)
def _legend(lg: str) -> dict:
    return webmap.bivariate_legend_spec(lg)


s = state.scored()
countries = s.outcome.countries
by_col = {m.column: m for m in s.metrics_in(lang.current())}
regions_all = sorted(countries["region"].dropna().unique())
incomes_all = sorted(countries["income_group"].dropna().unique())


@st.fragment
def map_view() -> None:
    with state.timing("map_view"):
        _map_view()


def _map_view() -> None:
    title = st.empty()
    c1, c2 = st.columns([2, 3])
    with c1:
        state.seed("map_metric", "metric", list(by_col), fallback=s.outcome.results.index_id)
        col = st.selectbox(T["metric"], list(by_col), format_func=lambda c: by_col[c].label, key="map_metric")
        state.set_param("metric", col, s.outcome.results.index_id)
    with c2:
        year = state.pick_year(s, key="map_year")
    metric = by_col[col]
    if subnational.map_switch(s):  # admin-1 units for a chosen country or region
        title.empty()
        return
    title.title(T["title_index"] if col == s.outcome.results.index_id else T["title"].format(label=metric.label))

    state.seed("map_regions", "region", regions_all, kind="list")
    state.seed("map_incomes", "income", incomes_all, kind="list")
    flag_params = state.param_list("flags")
    for flag, short in FLAGS:
        if f"map_{short}" not in st.session_state and flag in flag_params:
            st.session_state[f"map_{short}"] = True
    # open when the link carries filters; decided once, so the expander does not fold while the user works
    opened = st.session_state.setdefault("map_filters_open", bool(state.param("region") or state.param("income") or flag_params))
    with st.expander(T["filters"], expanded=opened):
        f1, f2 = st.columns(2)
        regions = f1.multiselect(T["region"], regions_all, key="map_regions", format_func=lambda r: lang.term(r, "region"))
        incomes = f2.multiselect(T["income"], incomes_all, key="map_incomes", format_func=lambda r: lang.term(r, "income"))
        g = st.columns(4)
        flags = {flag: g[k].checkbox(T[short], key=f"map_{short}") for k, (flag, short) in enumerate(FLAGS)}
    state.set_param("region", regions)
    state.set_param("income", incomes)
    state.set_param("flags", [f for f, on in flags.items() if on])
    filtered = bool(regions or incomes or any(flags.values()))
    table_year = s.table[s.table["year"] == year]
    keep = views.filter_units(table_year, countries, regions=regions, incomes=incomes, flags=flags) if filtered else None

    bivariate = False
    if metric.kind == "priority":
        state.seed("map_bivariate", "bivariate", kind="bool", fallback=True)
        bivariate = st.toggle(T["bivariate"], key="map_bivariate")
        state.set_param("bivariate", "1" if bivariate else "0", "1")
    url = state.geometry_url()
    points = state.small_states()
    if bivariate:
        frame = views.priority_frame(s.table, year).pipe(lambda f: f.assign(name=f["unit"].map(s.names())))
        if keep is not None:
            frame.loc[~frame["unit"].isin(keep) & (frame["bivariate"] != views.NO_DATA), "bivariate"] = views.FILTERED
        data = webmap.bivariate_data(frame, points, lang.current())
        shown = int((~frame["bivariate"].isin([views.NO_DATA, views.FILTERED])).sum())
        columns = ["name", "unit", "words", "exposure", "gap"]
        frame = frame.assign(words=frame["bivariate"].map(lambda k: webmap.bivariate_words(k, lang.current())))
    else:
        ranked = state.intervals_ready(year) if col == s.outcome.results.index_id else None
        frame = views.map_frame(s.table, metric, year, keep=keep, years=s.data_years, intervals=ranked)
        frame = frame.assign(name=frame["unit"].map(s.names()))
        data = webmap.choropleth_data(frame, points, metric.label)
        shown = int(frame["value"].notna().sum())
        columns = ["name", "unit", "value", "rank", "rank_interval", "data_year", "cls"]
    spec = _spec(url, col, metric.label, metric.kind, bivariate, not bivariate and col == s.outcome.results.index_id,
                 lang.current())
    # (before its Monte Carlo run is done, an edition's rank interval is simply absent from the tooltip)
    caption = T["caption"].format(label=metric.label, year=year, shown=shown, after=T["after"] if filtered else "")
    event = st.vega_lite_chart(webmap.with_data(spec, data), on_select="rerun", key=f"map_chart_{bivariate}",
                               width="stretch", alt=caption)
    if bivariate:  # its 3×3 legend, in words, is a small chart of its own (the map fits its container)
        st.vega_lite_chart(_legend(lang.current()), key="map_bivariate_legend", width="content")
    st.caption(caption)
    state.seed("map_table", "table", kind="bool", fallback=False)
    if st.toggle(T["table"], key="map_table"):  # drawn only when asked: keeps the map's reruns light
        t = frame[[c for c in columns if c in frame.columns]]
        t = t[t["value"].notna()] if "value" in t.columns else t[t["words"] != webmap.bivariate_words(views.NO_DATA, lang.current())]
        st.dataframe(**lang.table(t.rename(columns=T["cols"]).sort_values(T["cols"]["name"], key=lambda c: c.map(lang.sort_key)),
                                 {T["cols"]["value"]: st.column_config.NumberColumn(format="%.1f"),
                                  T["cols"]["rank"]: st.column_config.NumberColumn(format="%d"),
                                  T["cols"]["data_year"]: st.column_config.NumberColumn(format="%d"),
                                  T["cols"]["exposure"]: st.column_config.NumberColumn(format="%.1f"),
                                  T["cols"]["gap"]: st.column_config.NumberColumn(format="%.1f")}),
                     hide_index=True, width="stretch")
    for name in ("pick", "pick_small"):  # a click on a country or a dot opens its profile
        sel = (event.selection or {}).get(name) if event else None
        if sel and sel[0].get("unit"):
            st.session_state["country"] = str(sel[0]["unit"])
            st.switch_page(state.PAGES / "country.py", query_params={"country": str(sel[0]["unit"])})


map_view()

with st.form("open_country", border=False):
    c1, c2 = st.columns([3, 1])
    with c1:
        unit = state.pick_country(s, key="map_country", label=T["pick"], in_url=False)
    if c2.form_submit_button(T["open"]):
        st.session_state["country"] = unit
        st.switch_page(state.PAGES / "country.py", query_params={"country": unit})
