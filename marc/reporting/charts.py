"""Altair chart builders for the app and the exports (no Streamlit here).

The world map takes GeoJSON features (``marc.data.boundaries.display_geojson``: simplified, clockwise
rings) as ``alt.Data(values=features)`` with fields under ``properties.``; a GeoDataFrame cannot be
serialised by Arrow and would draw an empty map.  Every country is drawn on a grey base layer, so
missing data shows as missing (never as zero, never as a hole); values are classed and coloured
with a colour-blind-safe palette (viridis for readiness, magma for exposure); small states are drawn
as points.  Charts ask for the SVG renderer (``usermeta.embedOptions``) so the browser tests can
count paths; Streamlit would otherwise switch big charts to canvas.
"""

from __future__ import annotations

import json
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from marc.core.i18n import t, tr, vega_locale
from marc.reporting.palette import BIVARIATE, FILTERED_GREY, HAZARD_COLOURS, MISSING_GREY, OCEAN, READY_COLOURS, SVG  # noqa: F401 (re-exported)
from marc.reporting.views import FILTERED, NO_DATA, Metric, class_labels

PROJECTION = {"type": "equalEarth"}
WORLD = "world"


def localised(chart: alt.TopLevelMixin, lang: str = "en") -> alt.TopLevelMixin:
    """*chart* with the number format of *lang* (``1 234,5`` in French) for its axes, legends and tooltips."""
    return chart if lang == "en" else chart.configure(locale=vega_locale(lang))


def palette(metric: Metric) -> list[str]:
    return READY_COLOURS if metric.kind == "score" else HAZARD_COLOURS


def _features(features: list[dict], frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    """Copies of the features with *columns* of *frame* (keyed by unit) added to their properties."""
    records = json.loads(frame[["unit", *columns]].to_json(orient="records"))  # plain JSON types, NaN -> null
    lookup = {r.pop("unit"): r for r in records}
    out = []
    for f in features:
        props = dict(f["properties"])
        props.update(lookup.get(props["unit"], {}))
        out.append({"type": "Feature", "geometry": f["geometry"], "properties": props})
    return out


def _base(data: alt.Data, width: int, height: int) -> alt.Chart:
    return alt.Chart(data).mark_geoshape(
        fill=MISSING_GREY, fillOpacity=1, stroke="white", strokeWidth=0.3).encode(
        tooltip=[alt.Tooltip("properties.name:N", title="Country")]).project(**PROJECTION).properties(
        width=width, height=height)


def choropleth(features: list[dict], points: list[dict], frame: pd.DataFrame, metric: Metric, *,
               width: int = 900, height: int = 480, title: str | None = None, selectable: bool = True) -> dict[str, Any]:
    """World map of *frame* (``views.map_frame``): grey base, classed colours, small states as points.

    Returns the Vega-Lite spec (for ``st.vega_lite_chart`` or :func:`save_html`). Clicking a country
    (polygon or point) selects its ``unit`` in the selection parameters ``pick`` / ``pick_small``.
    """
    labels = class_labels()
    domain = [*labels, NO_DATA, FILTERED]
    scale = alt.Scale(domain=domain, range=[*palette(metric), MISSING_GREY, FILTERED_GREY])
    colour = alt.Color("cls:N", scale=scale, title=metric.label,
                       legend=alt.Legend(orient="right", direction="vertical", symbolType="square"))
    cols = ["value", "rank", "n_ranked", "data_year", "cls"] + (["rank_interval"] if "rank_interval" in frame else [])
    joined = alt.Data(name=WORLD)  # one dataset, shared by both layers, filled in by with_geometry
    tooltip = [alt.Tooltip("name:N", title="Country"), alt.Tooltip("value:Q", title=metric.label, format=".1f"),
               alt.Tooltip("rank:Q", title="Rank", format=".0f"), alt.Tooltip("n_ranked:Q", title="of", format=".0f"),
               alt.Tooltip("data_year:Q", title="Data year", format=".0f")]
    if "rank_interval" in frame:
        tooltip.insert(3, alt.Tooltip("rank_interval:N", title="Rank interval (5–95%)"))
    pick = alt.selection_point(name="pick", fields=["unit"], on="click", clear="dblclick")
    calc = {c: f"datum.properties.{c}" for c in ["unit", "name", *cols]}
    layer = alt.Chart(joined).transform_filter(
        f"datum.properties.value != null || datum.properties.cls == '{FILTERED}'").transform_calculate(**calc).mark_geoshape(
        fillOpacity=1, stroke="white", strokeWidth=0.3).encode(color=colour, tooltip=tooltip)
    pts = frame.merge(pd.DataFrame(points, columns=["unit", "lon", "lat", "area_km2"]), on="unit", how="inner")
    pts = pts.assign(cls=pts["cls"].fillna(NO_DATA))
    dots = alt.Chart(pts).mark_circle(size=28, stroke="#333333", strokeWidth=0.6, opacity=1).encode(
        longitude="lon:Q", latitude="lat:Q", color=alt.Color("cls:N", scale=scale, legend=None), tooltip=tooltip)
    if selectable:
        layer = layer.add_params(pick)
        dots = dots.add_params(alt.selection_point(name="pick_small", fields=["unit"], on="click", clear="dblclick"))
    chart = alt.layer(_base(joined, width, height), layer, dots).project(**PROJECTION).properties(
        width=width, height=height, usermeta=SVG)
    if title:
        chart = chart.properties(title=title)
    return with_geometry(chart.configure_view(stroke=None), _features(features, frame, cols))


def bivariate_map(features: list[dict], frame: pd.DataFrame, *, width: int = 900, height: int = 480) -> dict[str, Any]:
    """3×3 priority map (exposure class × readiness-gap class) with its 3×3 legend."""
    keys = list(BIVARIATE)
    scale = alt.Scale(domain=keys, range=list(BIVARIATE.values()))
    joined = alt.Data(name=WORLD)
    layer = alt.Chart(joined).transform_filter(f"datum.properties.bivariate != null && datum.properties.bivariate != '{NO_DATA}'"
                                               ).transform_calculate(
        unit="datum.properties.unit", name="datum.properties.name", bivariate="datum.properties.bivariate",
        exposure="datum.properties.exposure", gap="datum.properties.gap").mark_geoshape(
        stroke="white", strokeWidth=0.3).encode(
        color=alt.Color("bivariate:N", scale=scale, legend=None),
        tooltip=[alt.Tooltip("name:N", title="Country"), alt.Tooltip("bivariate:N", title="Class"),
                 alt.Tooltip("exposure:Q", format=".1f", title="Exposure"),
                 alt.Tooltip("gap:Q", format=".1f", title="Readiness gap")]).add_params(
        alt.selection_point(name="pick", fields=["unit"], on="click", clear="dblclick"))
    world = alt.layer(_base(joined, width, height), layer).project(**PROJECTION).properties(width=width, height=height)
    grid = pd.DataFrame([{"key": k, "exposure": int(k[1]), "gap": int(k[4])} for k in keys])
    legend = alt.Chart(grid).mark_rect().encode(
        x=alt.X("exposure:O", title="Exposure →"), y=alt.Y("gap:O", title="Readiness gap →", sort="descending"),
        color=alt.Color("key:N", scale=scale, legend=None)).properties(width=90, height=90)
    chart = alt.vconcat(world, legend).properties(usermeta=SVG).configure_view(stroke=None)
    return with_geometry(chart, _features(features, frame, ["bivariate", "exposure", "gap"]))


def pillar_bars(peers: pd.DataFrame, lang: str = "en") -> alt.Chart:
    """Grouped bars: each pillar's score for the unit and its region and income-group medians."""
    return localised(alt.Chart(peers).mark_bar().encode(
        y=alt.Y("name:N", title=None, sort=list(dict.fromkeys(peers["name"])), axis=alt.Axis(labelLimit=220)),
        x=alt.X("score:Q", scale=alt.Scale(domain=[0, 100]), title=t("app_axis_score_100", lang)),
        yOffset=alt.YOffset("who:N", sort=list(dict.fromkeys(peers["who"]))),
        color=alt.Color("who:N", title=None, sort=list(dict.fromkeys(peers["who"])),
                        scale=alt.Scale(range=["#21918c", "#9e9ac8", "#fdae6b"]),
                        legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=400)),
        tooltip=[alt.Tooltip("name:N", title=t("app_col_pillar", lang)), alt.Tooltip("who:N", title=t("app_col_who", lang)),
                 alt.Tooltip("score:Q", format=".1f", title=t("app_col_score", lang))]).properties(
        height=60 * peers["name"].nunique() + 40, usermeta=SVG), lang)


#: matrix colours by context group (colour-blind-safe Okabe–Ito), in marc.reporting.matrix.GROUPS order
GROUP_COLOURS = {"Conflict-affected": "#D55E00", "In transition": "#E69F00", "Small island developing state": "#0072B2",
                 "Least developed country": "#CC79A7", "Other": "#999999"}
#: the catalogue keys of the context groups' names
GROUP_KEYS = {"Conflict-affected": "app_group_conflict", "In transition": "app_group_transition",
              "Small island developing state": "app_group_sids", "Least developed country": "app_group_ldc",
              "Other": "app_group_other"}


def matrix(frame: pd.DataFrame, highlight: list[str] | None = None, *, x_line: float | None = None,
           y_line: float | None = None, index_label: str = "Readiness", labels: list[str] | None = None,
           lang: str = "en") -> alt.LayerChart:
    """Readiness (x) against exposure (y): points (coloured by ``group`` when the frame has one),
    quadrant lines (medians unless given), quadrant labels, and the names of the highlighted units
    (bold) and of the *labels* units.  *frame*: ``unit, name, readiness, exposure[, group, quadrant]``."""
    f = frame.dropna(subset=["readiness", "exposure"]).copy()
    xl = float(f["readiness"].median()) if x_line is None else x_line
    yl = float(f["exposure"].median()) if y_line is None else y_line
    f["selected"] = f["unit"].isin(highlight or [])
    f["labelled"] = f["unit"].isin(labels or []) & ~f["selected"]
    groups = {g: t(GROUP_KEYS[g], lang) if g in GROUP_KEYS else g for g in GROUP_COLOURS}
    if "group" in f.columns:
        f["group"] = f["group"].map(groups).fillna(f["group"])
    if "quadrant" in f.columns:
        f["quadrant"] = f["quadrant"].map(lambda q: tr(q, lang) if isinstance(q, str) else q)
    base = alt.Chart(f)
    context = t("app_col_context", lang)
    tooltip = [alt.Tooltip("name:N", title=t("app_col_country", lang)), alt.Tooltip("readiness:Q", format=".1f", title=index_label),
               alt.Tooltip("exposure:Q", format=".1f", title=t("app_col_exposure", lang))]
    if "group" in f.columns:
        colour = alt.Color("group:N", title=context, scale=alt.Scale(domain=list(groups.values()), range=list(GROUP_COLOURS.values())),
                           legend=alt.Legend(orient="bottom", labelLimit=300))
        tooltip.append(alt.Tooltip("group:N", title=context))
    else:
        colour = alt.value("#5b7fa6")
    if "quadrant" in f.columns:
        tooltip.append(alt.Tooltip("quadrant:N", title=t("app_col_quadrant", lang)))
    pts = base.mark_circle(size=55).encode(
        x=alt.X("readiness:Q", title=t("app_axis_readiness", lang, index=index_label), scale=alt.Scale(domain=[0, 100])),
        y=alt.Y("exposure:Q", title=t("app_axis_exposure_100", lang), scale=alt.Scale(domain=[0, 100])),
        color=colour, size=alt.condition("datum.selected", alt.value(160), alt.value(55)),
        stroke=alt.condition("datum.selected", alt.value("#000000"), alt.value("white")),
        opacity=alt.condition("datum.selected", alt.value(1.0), alt.value(0.8)), tooltip=tooltip)
    chosen = base.transform_filter("datum.selected").mark_text(align="left", dx=8, dy=-4, fontWeight="bold").encode(
        x="readiness:Q", y="exposure:Q", text="name:N")
    named = base.transform_filter("datum.labelled").mark_text(align="left", dx=6, dy=-3, fontSize=10, color="#333").encode(
        x="readiness:Q", y="exposure:Q", text="name:N")
    vline = alt.Chart(pd.DataFrame({"x": [xl]})).mark_rule(strokeDash=[4, 4], color="#555").encode(x="x:Q")
    hline = alt.Chart(pd.DataFrame({"y": [yl]})).mark_rule(strokeDash=[4, 4], color="#555").encode(y="y:Q")
    quads = pd.DataFrame([
        {"x": 2, "y": 98, "t": _upper(tr("high exposure, low readiness", lang)), "a": "left"},
        {"x": 98, "y": 98, "t": _upper(tr("high exposure, high readiness", lang)), "a": "right"},
        {"x": 2, "y": 2, "t": _upper(tr("low exposure, low readiness", lang)), "a": "left"},
        {"x": 98, "y": 2, "t": _upper(tr("low exposure, high readiness", lang)), "a": "right"}])
    qtext = alt.layer(*[alt.Chart(quads[quads["a"] == a]).mark_text(align=a, color="#777", fontStyle="italic").encode(
        x="x:Q", y="y:Q", text="t:N") for a in ("left", "right")])
    return localised(alt.layer(vline, hline, qtext, pts, named, chosen).properties(height=560, usermeta=SVG), lang)


#: a trend point is drawn hollow when more than this share of its component's weight is imputed
IMPUTED_HOLLOW = 0.5


def _upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def trend_lines(long: pd.DataFrame, lang: str = "en") -> alt.Chart:
    """Lines of ``score`` by ``year`` per ``component`` (from ``views.trend``); a point whose component is
    mostly imputed (``imputed_share`` above IMPUTED_HOLLOW, e.g. a pillar held back from a later single
    release) is hollow, with its imputed share in the tooltip; an edition where the unit's composition
    changed (a pillar or indicator appeared or disappeared) gets a dashed rule and a "composition
    changed" label, with what changed in its tooltip."""
    edition = t("app_col_edition", lang)
    x = alt.X("year:O", title=edition)
    y = alt.Y("score:Q", scale=alt.Scale(domain=[0, 100]), title=t("app_col_score", lang))
    tooltip = [alt.Tooltip("component:N", title=t("app_col_component", lang)), alt.Tooltip("year:O", title=edition),
               alt.Tooltip("score:Q", format=".1f", title=t("app_col_score", lang))]
    if "imputed_share" in long.columns:
        long = long.assign(mostly_imputed=long["imputed_share"].fillna(0) > IMPUTED_HOLLOW)
        tooltip.append(alt.Tooltip("imputed_share:Q", title=t("app_col_imputed_share", lang), format=".0%"))
    lines = alt.Chart(long).mark_line().encode(x=x, y=y, color=alt.Color("component:N", title=None))
    points = alt.Chart(long).mark_point(size=40).encode(  # hollow: more than half of the weight imputed
        x=x, y=y, color=alt.Color("component:N", title=None), fill=alt.Color("component:N", legend=None),
        fillOpacity=alt.condition("datum.mostly_imputed", alt.value(0), alt.value(1))
        if "mostly_imputed" in long.columns else alt.value(1), tooltip=tooltip)
    if "composition_changed" not in long.columns or not long["composition_changed"].any():
        return localised(alt.layer(lines, points).properties(height=300, usermeta=SVG), lang)
    marks = long[long["composition_changed"]].drop_duplicates("year")[["year", "composition_change"]].assign(
        label=t("app_composition_changed", lang), y=100.0)
    rule = alt.Chart(marks).mark_rule(strokeDash=[4, 3], color="#555").encode(
        x=x, tooltip=[alt.Tooltip("year:O", title=edition),
                      alt.Tooltip("composition_change:N", title=_upper(t("app_composition_changed", lang)))])
    text = alt.Chart(marks).mark_text(align="left", dx=3, dy=6, fontSize=10, color="#555").encode(
        x=x, y=alt.Y("y:Q", scale=alt.Scale(domain=[0, 100])), text="label:N")
    return localised(alt.layer(lines, points, rule, text).properties(height=300, usermeta=SVG), lang)


def hazard_bars(values: dict[str, float], labels: dict[str, str], lang: str = "en") -> alt.Chart:
    """Horizontal bars of one unit's hazard scores (0–100); hazard names in *lang* (the catalogue's terms)."""
    df = pd.DataFrame([{"hazard": tr(labels.get(k, k), lang, "hazard"), "score": v} for k, v in values.items() if pd.notna(v)])
    return localised(alt.Chart(df).mark_bar(color="#b73779").encode(
        y=alt.Y("hazard:N", title=None, sort="-x", axis=alt.Axis(labelLimit=320)),
        x=alt.X("score:Q", scale=alt.Scale(domain=[0, 100]), title=t("app_axis_score_100", lang)),
        tooltip=[alt.Tooltip("hazard:N", title=t("app_col_hazard", lang)),
                 alt.Tooltip("score:Q", format=".1f", title=t("app_col_score", lang))]).properties(
        height=28 * max(len(df), 1) + 30, usermeta=SVG), lang)


def with_geometry(chart: alt.TopLevelMixin, features: list[dict]) -> dict[str, Any]:
    """The chart's Vega-Lite dict with the GeoJSON features as the named dataset ``world``.

    The features are added after ``to_dict``: Altair deep-copies and walks inline values, which
    takes seconds for ~1 MB of coordinates; the chart itself is validated without them.
    """
    spec = chart.to_dict()
    spec.setdefault("datasets", {})[WORLD] = features
    return spec


def compact(features: list[dict], grid: float = 0.01) -> list[dict]:
    """Features snapped to a *grid* in degrees (0.01° ≈ 1 km, below the display simplification) with
    ``shapely.set_precision`` (which keeps them valid) and re-oriented clockwise for Vega: a smaller
    payload on every rerun.  A geometry that would vanish on the grid is kept as it was."""
    import shapely
    from shapely.geometry import mapping, shape

    geoms = [shape(f["geometry"]) for f in features]
    snapped = shapely.set_precision(geoms, grid)
    snapped = [g if not g.is_empty and g.area > 0 else o for g, o in zip(snapped, geoms)]
    oriented = shapely.orient_polygons(snapped, exterior_cw=True)
    return [{"type": "Feature", "properties": f["properties"], "geometry": mapping(g)}
            for f, g in zip(features, oriented)]


def save_html(spec: dict[str, Any], path: str) -> None:
    """A self-contained HTML file of a spec (the Vega libraries inlined, as ``chart.save(inline=True)``)."""
    from altair.utils.html import spec_to_html

    from marc.core.atomic import write_text

    html = spec_to_html(spec, mode="vega-lite", vega_version=alt.VEGA_VERSION, vegaembed_version=alt.VEGAEMBED_VERSION,
                        vegalite_version=alt.VEGALITE_VERSION, template="inline", embed_options={"renderer": "svg"})
    write_text(path, html, keep_backup=False)


def rank_intervals(summary: pd.DataFrame, names: dict[str, str], *, top: int | None = None,
                   highlight: list[str] | None = None, lang: str = "en") -> alt.Chart:
    """Nominal rank (dot) and 5–95% Monte Carlo rank interval (bar) per unit, best first."""
    df = summary.dropna(subset=["rank"]).sort_values("rank")
    if top:
        df = df.head(top)
    df = df.assign(name=df["unit"].map(names).fillna(df["unit"]),
                   chosen=df["unit"].isin(highlight or []).map({True: "selected", False: "other"}))
    order = df["name"].tolist()
    y = alt.Y("name:N", sort=order, title=None, axis=alt.Axis(labelOverlap=False, labelLimit=180))
    tooltip = [alt.Tooltip("name:N", title=t("app_col_country", lang)),
               alt.Tooltip("rank:Q", format=".0f", title=t("app_col_rank", lang)),
               alt.Tooltip("rank_p05:Q", title=t("app_col_rank_p05", lang), format=".0f"),
               alt.Tooltip("rank_p95:Q", title=t("app_col_rank_p95", lang), format=".0f"),
               alt.Tooltip("mean_abs_rank_shift:Q", title=t("app_col_shift", lang), format=".1f")]
    colour = alt.Color("chosen:N", scale=alt.Scale(domain=["selected", "other"], range=["#d95f02", "#1b9e77"]), legend=None)
    bars = alt.Chart(df).mark_rule(strokeWidth=3, opacity=0.6).encode(
        x=alt.X("rank_p05:Q", title=t("app_axis_rank_interval", lang)), x2="rank_p95:Q", y=y,
        color=colour, tooltip=tooltip)
    dots = alt.Chart(df).mark_point(filled=True, size=40, color="#333333").encode(x="rank:Q", y=y, tooltip=tooltip)
    return localised((bars + dots).properties(height=max(16 * len(df), 120), usermeta=SVG), lang)


#: colour-blind-safe pair for contributions: adds (blue) / takes away (orange)
CONTRIBUTION_COLOURS = {"adds": "#2166ac", "takes away": "#d6604d"}


def contribution_bars(indicators: pd.DataFrame, pillar_names: dict[str, str] | None = None, lang: str = "en") -> alt.Chart:
    """Horizontal bars of each indicator's contribution (points) to the score minus the reference
    profile's score (``marc.analysis.explain.Explanation.indicators``), grouped by pillar, signed colours."""
    df = indicators.dropna(subset=["contribution"]).copy()
    df["pillar_name"] = df["pillar"].map(pillar_names or {}).fillna(df["pillar"])
    effects = {"adds": t("app_effect_adds", lang), "takes away": t("app_effect_takes", lang)}
    df["effect"] = np.where(df["contribution"] >= 0, effects["adds"], effects["takes away"])
    df = df.sort_values(["pillar_name", "contribution"], ascending=[True, False])
    df["label"] = df["pillar_name"] + " · " + df["name"]
    scale = alt.Scale(domain=[effects[k] for k in CONTRIBUTION_COLOURS], range=list(CONTRIBUTION_COLOURS.values()))
    bars = alt.Chart(df).mark_bar().encode(
        y=alt.Y("label:N", sort=df["label"].tolist(), title=None, axis=alt.Axis(labelLimit=380, labelOverlap=False)),
        x=alt.X("contribution:Q", title=t("app_axis_contribution", lang)),
        color=alt.Color("effect:N", scale=scale, title=None, legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("name:N", title=t("app_col_indicator", lang)), alt.Tooltip("pillar_name:N", title=t("app_col_pillar", lang)),
                 alt.Tooltip("score:Q", title=t("app_col_score", lang), format=".1f"),
                 alt.Tooltip("reference:Q", title=t("app_col_reference", lang), format=".1f"),
                 alt.Tooltip("effective_weight:Q", title=t("app_col_effective_weight", lang), format=".3f"),
                 alt.Tooltip("contribution:Q", title=t("app_col_contribution", lang), format="+.2f")])
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="#333333").encode(x="x:Q")
    return localised((bars + zero).properties(height=24 * max(len(df), 1) + 40, usermeta=SVG), lang)
