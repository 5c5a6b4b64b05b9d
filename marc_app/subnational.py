"""Admin-1 drawing for the app: the Country page's admin-1 exposure map and most exposed regions, and
the Map page's switch to admin-1 units for a chosen country or region.  Logic lives in
``marc.subnational_view``; this module only caches and draws."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from marc.errors import MarcError
from marc_app import state

if TYPE_CHECKING:  # geopandas, shapely, pyproj and Altair are imported only when an admin-1 view is drawn:
    from marc import subnational_view  # the Map page imports this module, and its first map should not wait


@st.cache_resource(show_spinner="Building admin-1 exposure (once; cached on disk)…", max_entries=2)
def _exposure(folder: str, key: str) -> subnational_view.Admin1Exposure | None:
    from marc import subnational_view

    panel, _ = state.base_data()
    return subnational_view.admin1_exposure(Path(folder), panel)


def exposure() -> subnational_view.Admin1Exposure | None:
    folder = state.framework_dir()
    try:
        return _exposure(str(folder), state.fingerprint(folder))
    except MarcError as exc:
        state.show_error(exc)
        return None


@st.cache_resource(show_spinner="Preparing the admin-1 geometry…", max_entries=64)
def _features(countries: tuple[str, ...], key: str) -> list[dict]:
    from marc import boundaries

    exp = exposure()
    gdf = exp.geometry(list(countries))
    tolerance = 0.01 if len(countries) == 1 else 0.03
    return boundaries.display_geojson(gdf, tolerance=tolerance, small_area_km2=0.0)["features"]


def _map(exp: subnational_view.Admin1Exposure, countries: list[str], title: str) -> None:
    frame = exp.table[exp.table["country"].isin(countries)]
    if frame.empty:
        st.info("No admin-1 units for this selection.")
        return
    from marc import subnational_charts

    features = _features(tuple(sorted(countries)), state.fingerprint(state.framework_dir()))
    spec = subnational_charts.admin1_map(features, frame, title=title, vintage_note=exp.vintage_note)
    st.vega_lite_chart(spec, width="stretch", key=f"admin1_map_{'_'.join(sorted(countries))[:60]}")
    st.caption(f"{exp.view}. {exp.vintage_note} Population: GPWv4 2020 shares within each country, scaled to the "
               "WDI national total. MARC takes no position on any boundary.")


def _top_table(top: pd.DataFrame, exp: subnational_view.Admin1Exposure) -> None:
    cols = {"name": "Region", "exposure": "Exposure (0–100)", "population": "Population"}
    cols.update({k: v for k, v in exp.labels.items() if k in top.columns})
    st.dataframe(top[list(cols)].rename(columns=cols), hide_index=True, width="stretch",
                 column_config={"Population": st.column_config.NumberColumn(format="%.0f"),
                                **{v: st.column_config.NumberColumn(format="%.1f") for v in cols.values()
                                   if v not in ("Region", "Population")}})


def country_section(s: state.Scored, unit: str) -> None:
    """Country page: the admin-1 exposure map of *unit* and its most exposed regions."""
    exp = exposure()
    if exp is None:
        return
    st.subheader("Admin-1 exposure")
    top = exp.top(unit, 5)
    if top.empty:
        st.info("No admin-1 exposure for this country.")
        return
    left, right = st.columns([3, 2])
    with left:
        _map(exp, [unit], f"{s.name(unit)}: exposure by admin-1 region")
    with right:
        st.markdown("**Most exposed regions**")
        _top_table(top, exp)
        if exp.disabled:
            st.caption("Not available offline: " + "; ".join(exp.disabled))


def map_switch(s: state.Scored) -> bool:
    """Map page: a switch to admin-1 units for one country or a region; True when the admin-1 map was drawn."""
    if not st.toggle("Admin-1 units (national readiness × subnational exposure)", key="map_admin1"):
        return False
    st.title("Admin-1 exposure map")
    exp = exposure()
    if exp is None:
        return True
    countries = s.outcome.countries
    by = st.radio("Show", ["Country", "Region"], horizontal=True, key="map_admin1_by")
    if by == "Country":
        unit = state.pick_country(s, key="map_admin1_country")
        chosen, title = [unit], f"{s.name(unit)}: exposure by admin-1 region"
    else:
        regions = sorted(countries["region"].dropna().unique())
        region = st.selectbox("Region", regions, key="map_admin1_region")
        from marc import subnational_view

        chosen, title = subnational_view.countries_in_region(countries, region), f"{region}: exposure by admin-1 region"
    _map(exp, chosen, title)
    t = exp.table[exp.table["country"].isin(chosen)]
    st.caption(f"{len(t)} admin-1 units in {t['country'].nunique()} countries; {t['exposure_all_zero'].mean():.0%} "
               "have every exposure layer at zero.")
    top = t.dropna(subset=["exposure"]).sort_values(["exposure", "name"], ascending=[False, True]).head(10)
    st.markdown("**Most exposed regions**")
    _top_table(top, exp)
    return True
