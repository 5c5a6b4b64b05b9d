"""World-map specs for the app: the geometry is a static file fetched once by the browser, and
each rerun sends only the values, joined to the shapes in the browser by a Vega ``lookup``.

Plain Vega-Lite dictionaries (no Altair on the hot path: building and validating a spec with
Altair costs more than the rest of a rerun).  The spec of a given metric does not depend on the
edition or the filters, so Streamlit keeps the drawn view and only swaps the ``values`` dataset.

Layers (as in :mod:`marc.reporting.charts`; the colours of :mod:`marc.reporting.palette`): a grey base of every
country (missing data shows as missing), the classed values, and small states as dots.  "Not in
filter" is a distinct pale fill with a dashed outline; "No data" is the solid grey of the base.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from marc.core.i18n import t, vega_locale
from marc.reporting.palette import BIVARIATE, FILTERED_GREY, MISSING_GREY, SVG, palette
from marc.reporting.views import FILTERED, NO_DATA, Metric, class_labels

VALUES = "values"
DOTS = "dots"
#: Equal Earth (Šavrič, Patterson & Jenny 2018), as d3-geo's ``geoEqualEarthRaw``
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = np.sqrt(3) / 2
_DIGITS = 5  # projected units: the world is ~5.4 wide, so 1e-5 is ~0.002 px on a 900 px map


def equal_earth(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Equal Earth coordinates (unit sphere, y up) of degrees *lon*, *lat* (arrays)."""
    lam, phi = np.radians(np.asarray(lon, dtype=float)), np.radians(np.asarray(lat, dtype=float))
    t = np.arcsin(_M * np.sin(phi))
    t2 = t * t
    t6 = t2 * t2 * t2
    x = lam * np.cos(t) / (_M * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    y = t * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


def _project_coords(coords: list) -> list:
    if coords and isinstance(coords[0], (int, float)):
        x, y = equal_earth(coords[0], coords[1])
        return [round(float(x), _DIGITS), round(float(y), _DIGITS)]
    if coords and isinstance(coords[0], list) and coords[0] and isinstance(coords[0][0], (int, float)):
        xy = np.asarray(coords, dtype=float)
        x, y = equal_earth(xy[:, 0], xy[:, 1])
        return np.round(np.column_stack([x, y]), _DIGITS).tolist()
    return [_project_coords(c) for c in coords]


def planar(features: list[dict]) -> list[dict]:
    """The display features with their coordinates projected to Equal Earth once, here: the browser then
    draws them with Vega's ``identity`` projection, which costs a fraction of projecting (resampling and
    clipping on the sphere) every shape again on each redraw.  The rings keep their order (holes stay
    opposite to their exterior), so SVG's fill rule draws them as before."""
    return [{**f, "geometry": {"type": f["geometry"]["type"], "coordinates": _project_coords(f["geometry"]["coordinates"])}}
            for f in features if f.get("geometry")]


#: The projection is fitted once to the world's extent (Natural Earth's land, Antarctica included), not
#: to the drawn data: Vega-Lite's default fit depends on every layer's data, so each change of values
#: re-fitted it by streaming all the shapes through it and then redrew every layer, the grey base too.
_EXTREMES = equal_earth(np.array([-180.0, 180.0, 0.0, 0.0]), np.array([0.0, 0.0, -90.0, 83.65]))
WORLD_FIT = {"type": "Feature", "properties": {},
             "geometry": {"type": "MultiPoint",
                          "coordinates": [[round(float(x), _DIGITS), round(float(y), _DIGITS)] for x, y in zip(*_EXTREMES)]}}
PROJECTION = {"type": "identity", "reflectY": True, "fit": WORLD_FIT}
#: the words of the 3×3 bivariate classes (class 1, 2, 3)
LEVELS = ("low", "medium", "high")
#: their catalogue keys (French agrees them with "exposition" and with "déficit")
EXPOSURE_KEYS = {"low": "app_exposure_low", "medium": "app_exposure_medium", "high": "app_exposure_high"}
GAP_KEYS = {"low": "app_gap_low", "medium": "app_gap_medium", "high": "app_gap_high"}


def _geo(url: str) -> dict:
    return {"url": url, "format": {"type": "json", "property": "features"}}


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    return json.loads(frame[[c for c in columns if c in frame.columns]].to_json(orient="records"))


def _pick(name: str) -> list[dict]:
    return [{"name": name, "select": {"type": "point", "fields": ["unit"], "on": "click", "clear": "dblclick"}}]


def _base(url: str, lang: str = "en") -> dict:
    return {"data": _geo(url), "mark": {"type": "geoshape", "fill": MISSING_GREY, "stroke": "white", "strokeWidth": 0.3},
            "encoding": {"tooltip": [{"field": "properties.name", "type": "nominal", "title": t("app_col_country", lang)}]}}


def _top(layers: list[dict], width: int, height: int, lang: str = "en") -> dict:
    return {"width": width, "height": height, "projection": PROJECTION, "layer": layers, "usermeta": SVG,
            "config": {"view": {"stroke": None}, "legend": {"labelLimit": 260}, "locale": vega_locale(lang)}}


def class_words(lang: str) -> str:
    """A Vega label expression naming the two grey classes in *lang* (the data keep the English keys)."""
    no_data, filtered = t("app_no_data", lang).replace("'", "\\'"), t("app_not_in_filter", lang).replace("'", "\\'")
    return (f"datum.label == '{NO_DATA}' ? '{no_data}' : datum.label == '{FILTERED}' ? '{filtered}' : datum.label")


def _dots(points: list[dict], frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    pts = pd.DataFrame(points, columns=["unit", "lon", "lat", "area_km2"])
    x, y = equal_earth(pts["lon"].to_numpy(), pts["lat"].to_numpy())
    pts = pts.assign(x=np.round(x, _DIGITS), y=np.round(y, _DIGITS))  # drawn with the identity projection
    return frame[[c for c in ["unit", "name", *columns] if c in frame.columns]].merge(pts, on="unit", how="inner")


def choropleth_spec(url: str, metric: Metric, *, intervals: bool = False, width: int = 900, height: int = 480,
                    lang: str = "en") -> dict[str, Any]:
    """The spec of one metric's map (without its data: see :func:`choropleth_data`), its words and
    number format in *lang*.

    It depends on the metric's kind (its palette) only, not on its label: the label travels with the
    values (the ``metric`` field, shown in the tooltip) and the page's heading names the metric, so
    switching between metrics of one kind (pillars, say) swaps the data of the drawn view instead of
    embedding a new one."""
    domain = [*class_labels(), NO_DATA, FILTERED]
    scale = {"domain": domain, "range": [*palette(metric.kind), MISSING_GREY, FILTERED_GREY]}
    tooltip = [{"field": "name", "type": "nominal", "title": t("app_col_country", lang)},
               {"field": "metric", "type": "nominal", "title": t("app_map_metric", lang)},
               {"field": "value", "type": "quantitative", "title": t("app_col_value", lang), "format": ".1f"},
               {"field": "rank", "type": "quantitative", "title": t("app_col_rank", lang), "format": ".0f"},
               {"field": "n_ranked", "type": "quantitative", "title": t("app_tip_of", lang), "format": ".0f"},
               {"field": "data_year", "type": "quantitative", "title": t("app_col_data_year", lang), "format": ".0f"}]
    if intervals:
        tooltip.insert(4, {"field": "rank_interval", "type": "nominal", "title": t("app_col_rank_interval", lang)})
    fields = ["unit", "name", "metric", "value", "rank", "n_ranked", "data_year", "cls"] + (["rank_interval"] if intervals else [])
    colour = {"field": "cls", "type": "nominal", "scale": scale, "title": None,
              "legend": {"orient": "right", "direction": "vertical", "symbolType": "square", "labelExpr": class_words(lang)}}
    values = _class_layer(url, "cls", fields, colour, tooltip)
    dots = {"data": {"name": DOTS}, "mark": {"type": "circle", "size": 30, "stroke": "#333333", "strokeWidth": 0.6, "opacity": 1},
            "encoding": {"longitude": {"field": "x", "type": "quantitative"}, "latitude": {"field": "y", "type": "quantitative"},
                         "color": {**colour, "legend": None}, "tooltip": tooltip},
            "params": _pick("pick_small")}
    return _top([_base(url, lang), values, dots], width, height, lang)


def _class_layer(url: str, field: str, fields: list[str], colour: dict, tooltip: list[dict]) -> dict[str, Any]:
    """The coloured countries: the geometry joined to the values by unit (Vega lookup), units without a
    class left to the grey base, and "not in filter" drawn with a dashed grey outline."""
    filtered = f"datum.{field} == '{FILTERED}'"
    return {"data": _geo(url),
            "transform": [{"lookup": "properties.unit", "from": {"data": {"name": VALUES}, "key": "unit", "fields": fields}},
                          {"filter": f"datum.{field} != null && datum.{field} != '{NO_DATA}'"}],
            "mark": {"type": "geoshape", "stroke": "white", "strokeWidth": 0.3},
            "encoding": {"color": colour, "tooltip": tooltip,
                         "stroke": {"condition": {"test": filtered, "value": "#8c8c8c"}, "value": "white"},
                         "strokeDash": {"condition": {"test": filtered, "value": [2, 2]}, "value": [1, 0]}},
            "params": _pick("pick")}


def choropleth_data(frame: pd.DataFrame, points: list[dict], label: str | None = None) -> dict[str, list[dict]]:
    """The two datasets of :func:`choropleth_spec` from ``views.map_frame``: every unit's values (with
    the metric's *label*), and the small states with their coordinates (their class ``No data`` when
    they have no value)."""
    if label is not None:
        frame = frame.assign(metric=label)
    cols = ["unit", "name", "metric", "value", "rank", "n_ranked", "data_year", "cls", "rank_interval"]
    dots = _dots(points, frame, cols[2:])
    dots["cls"] = dots["cls"].fillna(NO_DATA)
    return {VALUES: _records(frame, cols), DOTS: _records(dots, [*cols, "lon", "lat", "x", "y"])}


def bivariate_spec(url: str, *, width: int = 900, height: int = 480, lang: str = "en") -> dict[str, Any]:
    """The 3×3 priority map (exposure class × readiness-gap class) with small states as dots: one
    layered view, so that it fits its container like the other maps.  Its legend, a 3×3 grid named
    in words, is a chart of its own (:func:`bivariate_legend_spec`)."""
    keys = list(BIVARIATE)
    scale = {"domain": [*keys, FILTERED], "range": [*BIVARIATE.values(), FILTERED_GREY]}
    country, exposure, gap = t("app_col_country", lang), t("app_col_exposure", lang), t("app_col_gap", lang)
    tooltip = [{"field": "name", "type": "nominal", "title": country},
               {"field": "words", "type": "nominal", "title": t("app_col_class", lang)},
               {"field": "exposure", "type": "quantitative", "format": ".1f", "title": exposure},
               {"field": "gap", "type": "quantitative", "format": ".1f", "title": gap}]
    fields = ["unit", "name", "bivariate", "words", "exposure", "gap"]
    colour = {"field": "bivariate", "type": "nominal", "scale": scale, "legend": None}
    layer = _class_layer(url, "bivariate", fields, colour, tooltip)
    dots = {"data": {"name": DOTS}, "transform": [{"filter": f"datum.bivariate != '{NO_DATA}'"}],
            "mark": {"type": "circle", "size": 30, "stroke": "#333333", "strokeWidth": 0.6, "opacity": 1},
            "encoding": {"longitude": {"field": "x", "type": "quantitative"}, "latitude": {"field": "y", "type": "quantitative"},
                         "color": colour, "tooltip": tooltip},
            "params": _pick("pick_small")}
    dots_missing = {"data": {"name": DOTS}, "transform": [{"filter": f"datum.bivariate == '{NO_DATA}'"}],
                    "mark": {"type": "circle", "size": 30, "stroke": "#333333", "strokeWidth": 0.6, "opacity": 1,
                             "fill": MISSING_GREY},
                    "encoding": {"longitude": {"field": "x", "type": "quantitative"},
                                 "latitude": {"field": "y", "type": "quantitative"},
                                 "tooltip": [{"field": "name", "type": "nominal", "title": country}]}}
    return _top([_base(url, lang), layer, dots_missing, dots], width, height, lang)


def bivariate_legend_spec(lang: str = "en") -> dict[str, Any]:
    """The bivariate map's legend: the nine classes as a 3×3 grid, rows and columns named in words."""
    keys = list(BIVARIATE)
    exposure, gap = t("app_col_exposure", lang), t("app_col_gap", lang)
    e_words = [t(EXPOSURE_KEYS[w], lang) for w in LEVELS]
    g_words = [t(GAP_KEYS[w], lang) for w in LEVELS]
    grid = [{"key": k, "exposure": e_words[int(k[1]) - 1], "gap": g_words[int(k[4]) - 1]} for k in keys]
    return {"data": {"values": grid}, "width": {"step": 70}, "height": {"step": 40},
            "title": {"text": t("app_priority_class", lang), "anchor": "start"},
            "mark": "rect", "encoding": {
                "x": {"field": "exposure", "type": "ordinal", "sort": e_words, "title": t("app_axis_hazard_exposure", lang),
                      "axis": {"labelAngle": 0}},
                "y": {"field": "gap", "type": "ordinal", "sort": g_words[::-1], "title": t("app_axis_gap", lang)},
                "color": {"field": "key", "type": "nominal", "scale": {"domain": keys, "range": list(BIVARIATE.values())},
                          "legend": None},
                "tooltip": [{"field": "exposure", "title": exposure}, {"field": "gap", "title": gap}]},
            "usermeta": SVG, "config": {"view": {"stroke": None}, "locale": vega_locale(lang)}}


def bivariate_words(key: object, lang: str = "en") -> str:
    """``"E3-G1"`` -> ``"high exposure, low readiness gap"`` (in *lang*); the grey classes by name."""
    if not isinstance(key, str) or len(key) != 5 or key not in BIVARIATE:
        if key == FILTERED:
            return t("app_not_in_filter", lang)
        return t("app_no_data", lang) if not isinstance(key, str) or key == NO_DATA else key
    return t("app_bivariate_words", lang, exposure=t(EXPOSURE_KEYS[LEVELS[int(key[1]) - 1]], lang),
             gap=t(GAP_KEYS[LEVELS[int(key[4]) - 1]], lang))


def bivariate_data(frame: pd.DataFrame, points: list[dict], lang: str = "en") -> dict[str, list[dict]]:
    """The datasets of :func:`bivariate_spec` from ``views.priority_frame`` (``bivariate`` may be
    ``No data`` or ``Not in filter``), the class words in *lang*."""
    frame = frame.assign(words=frame["bivariate"].map(lambda k: bivariate_words(k, lang)))
    cols = ["unit", "name", "bivariate", "words", "exposure", "gap"]
    dots = _dots(points, frame, cols[2:])
    dots["bivariate"] = dots["bivariate"].fillna(NO_DATA)
    return {VALUES: _records(frame, cols), DOTS: _records(dots, [*cols, "lon", "lat", "x", "y"])}


def with_data(spec: dict[str, Any], data: dict[str, list[dict]]) -> dict[str, Any]:
    """The spec with its named datasets (a shallow copy: the cached spec is not changed)."""
    return {**spec, "datasets": data}
