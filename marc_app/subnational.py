"""Admin-1 drawing for the app: the Country page's admin-1 exposure map and most exposed regions, and
the Map page's switch to admin-1 units for a chosen country or region.  Logic lives in
``marc.hazards.subnational_view``; this module only caches and draws."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from marc.core.errors import MarcError
from marc_app import lang, state
from marc_app.lang import _

if TYPE_CHECKING:  # geopandas, shapely, pyproj and Altair are imported only when an admin-1 view is drawn:
    from marc.hazards import subnational_view  # the Map page imports this module, and its first map should not wait


@st.cache_resource(show_spinner=False, max_entries=2)
def _exposure(folder: str, key: str) -> subnational_view.Admin1Exposure | None:
    from marc.hazards import subnational_view

    panel, _ = state.base_data()
    return subnational_view.admin1_exposure(Path(folder), panel)


def exposure() -> subnational_view.Admin1Exposure | None:
    folder = state.framework_dir()
    try:
        key = state.fingerprint(folder)
        return state.cached(("admin1", str(folder), key), _("app_spinner_admin1"), _exposure, str(folder), key)
    except MarcError as exc:
        state.show_error(exc)
        return None


@st.cache_resource(show_spinner=False, max_entries=64)
def _features(countries: tuple[str, ...], key: str) -> list[dict]:
    from marc.data import boundaries

    exp = exposure()
    gdf = exp.geometry(list(countries))
    tolerance = 0.01 if len(countries) == 1 else 0.03
    return boundaries.display_geojson(gdf, tolerance=tolerance, small_area_km2=0.0)["features"]


def _map(exp: subnational_view.Admin1Exposure, countries: list[str], title: str) -> None:
    frame = exp.table[exp.table["country"].isin(countries)]
    if frame.empty:
        st.info(_("app_admin1_none"))
        return
    from marc.reporting import subnational_charts

    units, key = tuple(sorted(countries)), state.fingerprint(state.framework_dir())
    features = state.cached(("admin1_geometry", units, key), _("app_spinner_admin1_geometry"), _features, units, key)
    vintage = _("app_admin1_vintage", vintage=exp.vintage)
    spec = subnational_charts.admin1_map(features, frame, title=title, vintage_note=vintage, view_note=_("app_admin1_view"),
                                         legend=_("app_admin1_legend"), lang=lang.current())
    st.vega_lite_chart(spec, width="stretch", key=f"admin1_map_{'_'.join(sorted(countries))[:60]}")
    st.caption(_("app_admin1_caption", view=_("app_admin1_view_label"), vintage=vintage))


def _top_table(top: pd.DataFrame, exp: subnational_view.Admin1Exposure) -> None:
    cols = {"name": _("app_col_region"), "exposure": _("app_tip_exposure_100"), "population": _("app_col_population")}
    cols.update({k: lang.term(v, "hazard") for k, v in exp.labels.items() if k in top.columns})
    st.dataframe(**lang.table(top[list(cols)].rename(columns=cols),
                             {cols["population"]: st.column_config.NumberColumn(format="%.0f"),
                              **{v: st.column_config.NumberColumn(format="%.1f") for v in cols.values()
                                 if v not in (cols["name"], cols["population"])}}),
                 hide_index=True, width="stretch")


def country_section(s: state.Scored, unit: str) -> None:
    """Country page: the admin-1 exposure map of *unit* and its most exposed regions."""
    exp = exposure()
    if exp is None:
        return
    st.subheader(_("app_admin1_title"))
    top = exp.top(unit, 5)
    if top.empty:
        st.info(_("app_admin1_no_country"))
        return
    left, right = st.columns([3, 2])
    with left:
        _map(exp, [unit], _("app_admin1_map_title", name=s.name(unit)))
    with right:
        st.markdown(f"**{_('app_admin1_top')}**")
        _top_table(top, exp)
        if exp.disabled:
            st.caption(_("app_admin1_offline", what="; ".join(exp.disabled)))


def map_switch(s: state.Scored) -> bool:
    """Map page: a switch to admin-1 units for one country or a region; True when the admin-1 map was drawn."""
    if not st.toggle(_("app_admin1_switch"), key="map_admin1"):
        return False
    st.title(_("app_admin1_map_page_title"))
    exp = exposure()
    if exp is None:
        return True
    countries = s.outcome.countries
    by = st.radio(_("app_admin1_show"), ["Country", "Region"], horizontal=True, key="map_admin1_by",
                  format_func=lambda b: _("app_admin1_by_country") if b == "Country" else _("app_admin1_by_region"))
    if by == "Country":
        unit = state.pick_country(s, key="map_admin1_country")
        chosen, title = [unit], _("app_admin1_map_title", name=s.name(unit))
    else:
        regions = sorted(countries["region"].dropna().unique())
        region = st.selectbox(_("app_col_region"), regions, key="map_admin1_region", format_func=lambda r: lang.term(r, "region"))
        from marc.hazards import subnational_view

        chosen = subnational_view.countries_in_region(countries, region)
        title = _("app_admin1_map_title", name=lang.term(region, "region"))
    _map(exp, chosen, title)
    t = exp.table[exp.table["country"].isin(chosen)]
    st.caption(_("app_admin1_count", n=lang.num(len(t), 0), countries=lang.num(t["country"].nunique(), 0),
                 zero=lang.num(100 * t["exposure_all_zero"].mean(), 0)))
    top = t.dropna(subset=["exposure"]).sort_values(["exposure", "name"], ascending=[False, True]).head(10)
    st.markdown(f"**{_('app_admin1_top')}**")
    _top_table(top, exp)
    return True
