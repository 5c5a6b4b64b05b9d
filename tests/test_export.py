"""Exports: CSV, XLSX (four sheets), GeoJSON, GeoPackage, PNG/SVG/HTML maps, with framework and licences."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from marc import export
from marc.errors import MarcError


def test_describe_is_short_text():
    assert export._describe({"method": "goalposts", "min": 0.0, "max": 1.0}) == "goalposts min 0.0 max 1.0"
    assert export._describe({"change": {"years": 10, "kind": "percent"}}) == "change (years 10 kind percent)"


def test_sources_table_flags_non_open_licences():
    table = export.sources_table(["inform_risk", "gcf_open_data", "sipri_milex"]).set_index("source")
    assert table.loc["inform_risk", "licence_flag"] == ""
    assert table.loc["gcf_open_data", "licence_flag"] == export.NON_OPEN_FLAG
    assert table.loc["sipri_milex", "open_licence"] == False  # noqa: E712
    assert "Green Climate Fund" in table.loc["gcf_open_data", "citation"]


@pytest.fixture(scope="session")
def outcome(real_outcome):
    return real_outcome


def test_default_framework_is_named_and_a_changed_one_is_flagged(outcome, monkeypatch):
    assert export.is_default(outcome)
    assert export.framework_label(outcome) == f"MARC default framework {outcome.framework.digest}"
    monkeypatch.setattr(export, "default_digest", lambda folder=None: "0000000000")
    assert export.framework_label(outcome).startswith(f"NON-DEFAULT framework {outcome.framework.digest}")


def test_bad_format_metric_and_year(outcome):
    for call in (lambda: export.export_bytes(outcome, "doc"), lambda: export.map_bytes(outcome, "png", metric="nope"),
                 lambda: export.scores_table(outcome, 1900)):
        with pytest.raises(MarcError):
            call()


def test_csv_matches_the_results(outcome):
    csv = pd.read_csv(io.BytesIO(export.export_bytes(outcome, "csv"))).set_index("unit")
    table = outcome.table(outcome.years[-1]).set_index("unit")
    assert len(csv) == len(table) and csv.loc["CIV", "readiness"] == pytest.approx(table.loc["CIV", "readiness"])
    assert (csv["framework"] == outcome.framework.digest).all()
    tidy = pd.read_csv(io.BytesIO(export.export_bytes(outcome, "csv", tidy=True)))
    assert {"raw_value", "data_year", "imputed", "source", "indicator_name"} <= set(tidy.columns)
    assert tidy["unit"].nunique() == outcome.n_units


def test_xlsx_has_four_sheets_with_provenance_method_and_licences(outcome):
    import openpyxl

    data = export.export_bytes(outcome, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert book.sheetnames == ["scores", "indicators", "framework", "sources", "explain"]
    scores = pd.read_excel(io.BytesIO(data), sheet_name=None)
    assert scores["scores"]["unit"].nunique() == len(outcome.table(outcome.years[-1]))
    assert {"raw_value", "data_year", "source", "variable"} <= set(scores["indicators"].columns)
    fw = " ".join(scores["framework"].fillna("").astype(str).stack())
    assert f"MARC default framework {outcome.framework.digest}" in fw
    assert all(i.id in fw for i in outcome.framework.indicators)
    src = scores["sources"].set_index("source")
    assert src.loc["gcf_open_data", "licence_flag"] == export.NON_OPEN_FLAG
    assert src.loc["nd_gain", "licence_flag"] == export.NON_OPEN_FLAG
    assert pd.isna(src.loc["wb_wgi", "licence_flag"]) and "Kaufmann" in src.loc["wb_wgi", "citation"]


def test_geojson_and_gpkg_carry_scores(outcome, tmp_path):
    import geopandas as gpd

    data = json.loads(export.export_bytes(outcome, "geojson"))
    props = {f["properties"]["unit"]: f["properties"] for f in data["features"]}
    table = outcome.table(outcome.years[-1]).set_index("unit")
    assert props["CIV"]["readiness"] == pytest.approx(table.loc["CIV", "readiness"])
    assert props["NOR"]["framework"].startswith("MARC default framework")
    path = export.export(outcome, "gpkg", tmp_path / "marc.gpkg")
    gdf = gpd.read_file(path, layer="marc_scores")
    assert len(gdf) == len(data["features"]) and gdf.crs.to_epsg() == 4326
    assert gdf.set_index("unit").loc["HTI", "readiness"] == pytest.approx(table.loc["HTI", "readiness"])


def test_png_map_is_not_blank_and_svg_html_are_complete(outcome):
    from PIL import Image, ImageStat

    png = Image.open(io.BytesIO(export.export_bytes(outcome, "png", metric="exposure"))).convert("L")
    assert png.width > 1000 and ImageStat.Stat(png).var[0] > 500
    svg = export.export_bytes(outcome, "svg").decode()
    assert svg.lstrip().startswith("<svg") and "MARC readiness" in svg and "<path" in svg
    html = export.export_bytes(outcome, "html").decode()
    assert "vega" in html and "cdn.jsdelivr" not in html and "<script src=" not in html
    assert outcome.framework.digest in html
