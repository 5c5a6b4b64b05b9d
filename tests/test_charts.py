"""The chart builders: specs that Vega-Lite accepts, and maps that really draw (rendered to SVG
with vl-convert, the same Vega the browser runs)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from shapely.geometry import Polygon, mapping, shape

from marc.reporting import charts, views

# three squares (one counter-clockwise on purpose) and one tiny island
SQUARES = {
    "AAA": Polygon([(0, 0), (0, 20), (20, 20), (20, 0)]),           # clockwise
    "BBB": Polygon([(30, 0), (50, 0), (50, 20), (30, 20)]),         # counter-clockwise
    "CCC": Polygon([(-40, -30), (-40, -10), (-20, -10), (-20, -30)]),
    "DDD": Polygon([(60, 40), (60, 60), (80, 60), (80, 40)]),
}


def features():
    return [{"type": "Feature", "properties": {"unit": u, "name": u}, "geometry": mapping(g)} for u, g in SQUARES.items()]


def frame(values):
    f = pd.DataFrame({"unit": list(values), "name": list(values), "value": list(values.values())})
    f["rank"] = f["value"].rank(ascending=False)
    f["n_ranked"] = int(f["value"].notna().sum())
    f["data_year"] = 2024
    f["cls"] = views.classify(f["value"])
    return f


def fills(svg: str) -> list[str]:
    return re.findall(r'<path[^>]*fill="(#[0-9a-fA-F]{6})"', svg)


def test_compact_orients_clockwise_and_keeps_validity():
    out = charts.compact(features(), grid=0.5)
    for f in out:
        g = shape(f["geometry"])
        assert g.is_valid and not g.is_empty
        assert not g.exterior.is_ccw  # Vega draws a counter-clockwise ring as the globe minus it


def test_choropleth_spec():
    spec = charts.choropleth(charts.compact(features()), [], frame({"AAA": 90.0, "BBB": 10.0, "CCC": None, "DDD": 50.0}),
                             views.Metric("readiness", "Readiness", "score"))
    assert spec["usermeta"]["embedOptions"]["renderer"] == "svg"
    assert spec["projection"]["type"] == "equalEarth"
    assert len(spec["datasets"][charts.WORLD]) == 4
    base = spec["layer"][0]
    assert base["mark"]["fill"] == charts.MISSING_GREY
    scale = spec["layer"][1]["encoding"]["color"]["scale"]
    assert dict(zip(scale["domain"], scale["range"]))[views.NO_DATA] == charts.MISSING_GREY
    props = {f["properties"]["unit"]: f["properties"] for f in spec["datasets"][charts.WORLD]}
    assert props["AAA"]["value"] == 90.0 and props["CCC"]["value"] is None and props["AAA"]["cls"] == "80–100"


def render(spec) -> str:
    vlc = pytest.importorskip("vl_convert")
    return vlc.vegalite_to_svg(spec)


def test_choropleth_draws_classes_and_missing_in_grey():
    spec = charts.choropleth(charts.compact(features()), [], frame({"AAA": 90.0, "BBB": 10.0, "CCC": None, "DDD": 50.0}),
                             views.Metric("readiness", "Readiness", "score"), width=400, height=250)
    colours = fills(render(spec))
    # base layer: 4 grey paths; value layer: AAA top class, BBB bottom class, DDD middle; CCC stays grey only
    assert colours.count(charts.MISSING_GREY) >= 4
    assert charts.READY_COLOURS[4] in colours and charts.READY_COLOURS[0] in colours and charts.READY_COLOURS[2] in colours
    # the counter-clockwise input (BBB, bottom class) did not become the globe minus a square: its
    # path is a small square, not the sphere's outline (hundreds of vertices)
    svg = render(spec)
    colour = charts.READY_COLOURS[0]
    bottom = re.findall(rf'<path[^>]*d="([^"]*)"[^>]*fill="{colour}"', svg)
    bottom += re.findall(rf'<path[^>]*fill="{colour}"[^>]*d="([^"]*)"', svg)
    assert bottom and all(d.count("L") < 40 for d in bottom)


def test_bivariate_map_colours():
    f = pd.DataFrame({"unit": ["AAA", "BBB", "CCC", "DDD"], "name": list("ABCD"), "exposure": [90.0, 10, None, 50],
                      "gap": [90.0, 10, None, 50], "e_class": [3, 1, None, 2], "g_class": [3, 1, None, 2],
                      "bivariate": ["E3-G3", "E1-G1", views.NO_DATA, "E2-G2"]})
    colours = fills(render(charts.bivariate_map(charts.compact(features()), f, width=400, height=250)))
    for key in ("E3-G3", "E1-G1", "E2-G2"):
        assert charts.BIVARIATE[key] in colours


def test_matrix_and_small_charts_validate():
    f = pd.DataFrame({"unit": ["A", "B", "C"], "name": ["a", "b", "c"], "readiness": [20.0, 50, 80], "exposure": [70.0, 40, 10]})
    spec = charts.matrix(f, ["B"]).to_dict()
    rules = [layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "rule"]
    data = [spec["datasets"][r["data"]["name"]] for r in rules]
    assert data == [[{"x": 50.0}], [{"y": 40.0}]]  # median lines
    svg = render(spec)
    assert ">b<" in svg and "High exposure, low readiness" in svg
    peers = pd.DataFrame({"component": ["m"] * 3, "name": ["Mitigation"] * 3, "who": ["X", "Region", "Income"],
                          "score": [10.0, 20, 30]})
    assert render(charts.pillar_bars(peers).to_dict())
    assert render(charts.trend_lines(pd.DataFrame({"year": [2020, 2021], "component": ["r", "r"], "score": [1.0, 2]})).to_dict())


def test_save_html_is_self_contained(tmp_path):
    spec = charts.choropleth(charts.compact(features()), [], frame({"AAA": 90.0, "BBB": 10.0, "CCC": None, "DDD": 50.0}),
                             views.Metric("readiness", "Readiness", "score"))
    charts.save_html(spec, str(tmp_path / "m.html"))
    html = (tmp_path / "m.html").read_text()
    assert "cdn.jsdelivr" not in html and "equalEarth" in html and len(html) > 100_000


def test_rank_intervals_chart_orders_units_and_spans_the_interval():
    import pandas as pd

    from marc.reporting import charts

    summary = pd.DataFrame({"unit": ["BBB", "AAA", "CCC"], "rank": [2.0, 1.0, None], "rank_p05": [1.0, 1.0, None],
                            "rank_p95": [3.0, 2.0, None], "mean_abs_rank_shift": [0.5, 0.2, None]})
    spec = charts.rank_intervals(summary, {"AAA": "Aland", "BBB": "Bland"}, highlight=["BBB"]).to_dict()
    layer = spec["layer"][0]
    assert layer["encoding"]["x"]["field"] == "rank_p05" and layer["encoding"]["x2"]["field"] == "rank_p95"
    assert layer["encoding"]["y"]["sort"] == ["Aland", "Bland"]  # best first; the unranked unit is left out
    values = next(iter(spec["datasets"].values()))
    assert [v["chosen"] for v in values] == ["other", "selected"]
