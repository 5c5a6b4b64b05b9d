"""Map specs with the geometry by URL and the values joined by Vega lookup (marc.reporting.webmap)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from marc.reporting import palette, webmap
from marc.reporting.views import FILTERED, NO_DATA, Metric


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"unit": ["AAA", "BBB", "CCC", "DDD"], "name": ["A", "B", "C", "D"],
                         "value": [10.0, 90.0, np.nan, 50.0], "rank": [3, 1, np.nan, 2], "n_ranked": 3,
                         "data_year": [2024, 2024, np.nan, 2023], "cls": ["0–20", "80–100", NO_DATA, FILTERED]})


POINTS = [{"unit": "BBB", "name": "B", "lon": 1.0, "lat": 2.0, "area_km2": 300.0},
          {"unit": "CCC", "name": "C", "lon": 3.0, "lat": 4.0, "area_km2": 20.0}]


def test_choropleth_fetches_geometry_once_and_joins_values():
    spec = webmap.choropleth_spec("app/static/world-x.json", Metric("readiness", "MARC readiness", "score"))
    base, values, dots = spec["layer"]
    assert base["data"]["url"] == values["data"]["url"] == "app/static/world-x.json"
    look = values["transform"][0]["lookup"], values["transform"][0]["from"]
    assert look[0] == "properties.unit" and look[1]["data"] == {"name": webmap.VALUES} and look[1]["key"] == "unit"
    assert dots["data"] == {"name": webmap.DOTS} and [p["name"] for p in dots["params"]] == ["pick_small"]
    scale = values["encoding"]["color"]["scale"]
    assert scale["range"][-2:] == [palette.MISSING_GREY, palette.FILTERED_GREY] and scale["domain"][-1] == FILTERED
    assert "datasets" not in spec  # the values travel separately: the spec is the same for every edition


def test_choropleth_data_has_values_and_small_state_dots():
    data = webmap.choropleth_data(_frame(), POINTS)
    assert [r["unit"] for r in data[webmap.VALUES]] == ["AAA", "BBB", "CCC", "DDD"]
    assert data[webmap.VALUES][2]["value"] is None  # NaN travels as null
    dots = {r["unit"]: r for r in data[webmap.DOTS]}
    assert set(dots) == {"BBB", "CCC"} and dots["BBB"]["lon"] == 1.0 and dots["CCC"]["cls"] == NO_DATA


def test_bivariate_dots_words_and_filtered_class():
    frame = pd.DataFrame({"unit": ["AAA", "BBB", "CCC"], "name": ["A", "B", "C"], "exposure": [80.0, 10.0, np.nan],
                          "gap": [70.0, 5.0, np.nan], "bivariate": ["E3-G3", FILTERED, NO_DATA]})
    data = webmap.bivariate_data(frame, POINTS)
    words = {r["unit"]: r["words"] for r in data[webmap.VALUES]}
    assert words == {"AAA": "high exposure, high readiness gap", "BBB": FILTERED, "CCC": NO_DATA}
    assert {r["unit"] for r in data[webmap.DOTS]} == {"BBB", "CCC"}
    world, legend = webmap.bivariate_spec("g.json"), webmap.bivariate_legend_spec()
    assert "vconcat" not in world and "layer" in world  # one view: it stretches to its container like the other maps
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in world["layer"]]
    assert marks == ["geoshape", "geoshape", "circle", "circle"]  # base, classes, small states without and with data
    assert {r["exposure"] for r in legend["data"]["values"]} == set(webmap.LEVELS)
    assert world["layer"][1]["encoding"]["color"]["scale"]["range"][-1] == palette.FILTERED_GREY


def test_equal_earth_matches_the_published_extent():
    """Equal Earth on the unit sphere: half-width π / (√3/2 · A1) at the equator, the pole at y ≈ 1.3174
    (Šavrič et al. 2018: a width-to-height ratio of about 2.05)."""
    x, y = webmap.equal_earth(np.array([180.0, -180.0, 0.0, 0.0]), np.array([0.0, 0.0, 90.0, -90.0]))
    assert np.allclose(x[:2], [np.pi / (np.sqrt(3) / 2 * 1.340264), -np.pi / (np.sqrt(3) / 2 * 1.340264)])
    assert np.allclose(y[2:], [1.31736, -1.31736], atol=1e-4) and np.allclose(y[:2], 0)
    assert 2.04 < x[0] / y[2] < 2.06


def _signed_area(ring: list[list[float]]) -> float:
    xy = np.asarray(ring)
    return 0.5 * float(np.sum(xy[:-1, 0] * xy[1:, 1] - xy[1:, 0] * xy[:-1, 1]))


def test_planar_projects_every_ring_and_keeps_holes_opposite():
    square = [[0, 0], [0, 10], [10, 10], [10, 0], [0, 0]]  # clockwise exterior (as oriented for Vega)
    hole = [[2, 2], [8, 2], [8, 8], [2, 8], [2, 2]]
    features = [{"type": "Feature", "properties": {"unit": "AAA"}, "geometry": {"type": "Polygon", "coordinates": [square, hole]}},
                {"type": "Feature", "properties": {"unit": "BBB"},
                 "geometry": {"type": "MultiPolygon", "coordinates": [[square], [hole]]}}]
    out = webmap.planar(features)
    assert [f["properties"]["unit"] for f in out] == ["AAA", "BBB"] and features[0]["geometry"]["coordinates"][0] == square
    ext, inner = out[0]["geometry"]["coordinates"]
    x, y = webmap.equal_earth(np.array([10.0]), np.array([10.0]))
    assert ext[2] == [round(float(x[0]), 5), round(float(y[0]), 5)]
    assert _signed_area(ext) * _signed_area(inner) < 0  # the hole still winds against its exterior
    assert len(out[1]["geometry"]["coordinates"]) == 2


def test_maps_use_the_planar_geometry_with_a_fixed_fit():
    spec = webmap.choropleth_spec("g.json", Metric("readiness", "MARC readiness", "score"))
    assert spec["projection"]["type"] == "identity" and spec["projection"]["reflectY"] is True
    assert spec["projection"]["fit"]["geometry"]["type"] == "MultiPoint"  # not refitted to the data on each change
    dots = spec["layer"][2]["encoding"]
    assert dots["longitude"]["field"] == "x" and dots["latitude"]["field"] == "y"
    data = webmap.choropleth_data(_frame(), POINTS)
    bbb = next(r for r in data[webmap.DOTS] if r["unit"] == "BBB")
    x, y = webmap.equal_earth(np.array([1.0]), np.array([2.0]))
    assert (bbb["x"], bbb["y"]) == (round(float(x[0]), 5), round(float(y[0]), 5))
    world = webmap.bivariate_spec("g.json")
    assert world["projection"] == spec["projection"]


def test_metrics_of_one_kind_share_a_spec_and_carry_their_label_in_the_data():
    """Switching from one pillar to another swaps the values of the drawn view (same spec); the tooltip
    still names the metric, from the data."""
    one = webmap.choropleth_spec("g.json", Metric("adaptation", "Adaptation", "score"))
    two = webmap.choropleth_spec("g.json", Metric("mitigation", "Mitigation", "score"))
    hazard = webmap.choropleth_spec("g.json", Metric("exposure", "Exposure", "hazard"))
    assert one == two and one != hazard
    data = webmap.choropleth_data(_frame(), POINTS, "Adaptation")
    assert {r["metric"] for r in data[webmap.VALUES]} == {"Adaptation"}
    assert any(t["field"] == "metric" for t in one["layer"][1]["encoding"]["tooltip"])
