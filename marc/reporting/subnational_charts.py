"""Admin-1 exposure charts (Altair; no Streamlit): a classed map of a country's or region's units and
the bars of its most exposed regions.  Every admin-1 map carries the boundary vintage in its subtitle."""

from __future__ import annotations

import textwrap
from typing import Any

import altair as alt
import pandas as pd

from marc.core.i18n import t, vega_locale
from marc.reporting.charts import HAZARD_COLOURS, MISSING_GREY, SVG, _features, with_geometry
from marc.reporting.views import NO_DATA, class_labels, classify

VIEW_NOTE = "National readiness × subnational exposure: readiness is national (inherited); exposure is per region."


def admin1_map(features: list[dict], frame: pd.DataFrame, *, title: str, vintage_note: str, view_note: str = VIEW_NOTE,
               legend: str = "Admin-1 exposure", width: int = 620, height: int = 420,
               selectable: bool = False, lang: str = "en") -> dict[str, Any]:
    """Choropleth of admin-1 ``exposure`` (0–100, five magma classes, grey = no data), fitted to the
    units drawn.  *frame*: ``unit, name, exposure, population``; *features* from
    ``marc.data.boundaries.display_geojson`` of the same units; tooltips and numbers in *lang*."""
    from marc.reporting.webmap import class_words

    f = frame.assign(cls=classify(frame["exposure"]))
    scale = alt.Scale(domain=[*class_labels(), NO_DATA], range=[*HAZARD_COLOURS, MISSING_GREY])
    data = alt.Data(name="world")
    calc = {c: f"datum.properties.{c}" for c in ["unit", "name", "exposure", "population", "cls"]}
    tooltip = [alt.Tooltip("name:N", title=t("app_col_region", lang)),
               alt.Tooltip("exposure:Q", title=t("app_tip_exposure_100", lang), format=".1f"),
               alt.Tooltip("population:Q", title=t("app_tip_population_wdi", lang), format=",.0f")]
    layer = alt.Chart(data).transform_calculate(**calc).transform_calculate(
        cls=f"datum.cls == null ? '{NO_DATA}' : datum.cls").mark_geoshape(stroke="white", strokeWidth=0.4).encode(
        color=alt.Color("cls:N", scale=scale, title=legend,
                        legend=alt.Legend(orient="right", symbolType="square", labelExpr=class_words(lang))), tooltip=tooltip)
    if selectable:
        layer = layer.add_params(alt.selection_point(name="pick_region", fields=["unit"], on="click", clear="dblclick"))
    chart = layer.project(type="equalEarth").properties(
        width=width, height=height, usermeta=SVG,
        title=alt.TitleParams(title, subtitle=textwrap.wrap(vintage_note, width // 6) + textwrap.wrap(view_note, width // 6),
                              anchor="start", subtitleFontSize=10))
    spec = with_geometry(chart.configure_view(stroke=None), _features(features, f, ["exposure", "population", "cls"]))
    spec.setdefault("config", {})["locale"] = vega_locale(lang)
    return spec


def top_regions_bars(top: pd.DataFrame) -> alt.Chart:
    """Horizontal bars of the most exposed regions (``name, exposure``)."""
    return alt.Chart(top).mark_bar(color="#b73779").encode(
        y=alt.Y("name:N", sort="-x", title=None, axis=alt.Axis(labelLimit=240)),
        x=alt.X("exposure:Q", scale=alt.Scale(domain=[0, 100]), title="Admin-1 exposure (0–100)"),
        tooltip=["name:N", alt.Tooltip("exposure:Q", format=".1f"), alt.Tooltip("population:Q", format=",.0f")],
    ).properties(height=28 * max(len(top), 1) + 30, usermeta=SVG)
