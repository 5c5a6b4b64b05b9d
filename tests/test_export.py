"""Exports: CSV, XLSX (four sheets), GeoJSON, GeoPackage, PNG/SVG/HTML maps, with framework and licences."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from marc.core.errors import MarcError
from marc.reporting import export, export_tables


def test_describe_is_short_text():
    assert export_tables._describe({"method": "goalposts", "min": 0.0, "max": 1.0}) == "goalposts min 0.0 max 1.0"
    assert export_tables._describe({"change": {"years": 10, "kind": "percent"}}) == "change (years 10 kind percent)"


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
    monkeypatch.setattr(export_tables, "default_digest", lambda folder=None: "0000000000")
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


def test_xlsx_has_a_readme_formats_and_provenance_method_and_licences(outcome):
    import openpyxl

    data = export.export_bytes(outcome, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["README", "scores", "indicators", "hazards", "framework", "sources", "explain"]
    readme = {r[0]: r[1] for r in book["README"].iter_rows(min_row=2, values_only=True) if r[0]}
    assert readme["framework hash"] == outcome.framework.digest and readme["edition"] == outcome.years[-1]
    assert "non-open terms" in readme["licence"] and "0-100" in readme["units"]
    assert readme["cite as"].startswith("cite as: MARC v") and f"framework {outcome.framework.digest}" in readme["cite as"]
    assert {"sheet: scores", "sheet: hazards", "sheet: sources"} <= set(readme)
    assert readme["unit: scores.coverage"] == "share 0-1" and "0-100" in readme["unit: scores.ind:*"]
    assert readme["unit: indicators.raw_value"].startswith("see the measure_unit column")
    ws = book["scores"]
    header = [c.value for c in ws[1]]
    cell = ws.cell(row=2, column=header.index("readiness") + 1)
    assert cell.number_format == "0.0" and cell.value != round(cell.value, 1)  # unrounded, shown rounded
    assert ws.cell(row=2, column=header.index("coverage") + 1).number_format == "0%"
    assert ws.cell(row=2, column=header.index("rank") + 1).number_format == "0"
    assert not any(c.data_type == "f" for sheet in book for row in sheet.iter_rows() for c in row)
    scores = pd.read_excel(io.BytesIO(data), sheet_name=None)
    assert scores["scores"]["unit"].nunique() == len(outcome.table(outcome.years[-1]))
    assert {"raw_value", "data_year", "source", "variable"} <= set(scores["indicators"].columns)
    fw = scores["framework"].to_string()
    assert readme["framework"] == f"MARC default framework {outcome.framework.digest}"
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


def test_gpkg_is_gis_ready(outcome, tmp_path):
    """What QGIS sees (through GDAL/pyogrio): the scores layer and non-spatial sources and metadata tables,
    field names without colons (≤ 63 characters), real booleans and integer years."""
    import sqlite3

    import pyogrio

    path = export.export(outcome, "gpkg", tmp_path / "marc.gpkg")
    layers = {name: geom for name, geom in pyogrio.list_layers(path)}
    assert layers["marc_scores"] == "MultiPolygon"
    assert {"marc_sources", "marc_metadata", "marc_fields"} <= set(layers) and layers["marc_sources"] is None
    info = pyogrio.read_info(path, layer="marc_scores")
    fields = dict(zip(info["fields"], info["dtypes"]))
    assert not [f for f in fields if ":" in f or len(f) > 63]
    assert "ind_forest_area_change" in fields
    assert fields["ldc"] == "bool" and fields["sids"] == "bool" and fields["conflict_affected"] == "bool"
    assert fields["year"] == "int64" and fields["rank"] == "int64"
    sql = sqlite3.connect(path).execute("select sql from sqlite_master where name = 'marc_scores'").fetchone()[0]
    assert '"ldc" BOOLEAN' in sql and '"year" INTEGER' in sql
    src = pyogrio.read_dataframe(path, layer="marc_sources")
    assert {"licence", "citation", "open_licence"} <= set(src.columns) and "gcf_open_data" in set(src["source"])
    meta = pyogrio.read_dataframe(path, layer="marc_metadata").set_index("key")["value"]
    assert meta["framework_hash"] == outcome.framework.digest and meta["edition"] == str(outcome.years[-1])
    assert meta["created"][:4].isdigit()
    mapping = pyogrio.read_dataframe(path, layer="marc_fields").set_index("original_column")["field"]
    assert mapping["ind:forest_area_change"] == "ind_forest_area_change"


def test_csv_export_has_a_datapackage(outcome, tmp_path):
    path = export.export(outcome, "csv", tmp_path / "scores.csv")
    assert not path.read_text(encoding="utf-8").startswith("#")
    package = json.loads((tmp_path / "datapackage.json").read_text())
    res = package["resources"][0]
    fields = {f["name"]: f for f in res["schema"]["fields"]}
    assert fields["readiness"]["type"] == "number" and "0-100" in fields["readiness"]["unit"]
    assert fields["coverage"]["unit"] == "share 0-1" and fields["unit"]["type"] == "string"
    assert res["spreadsheetEscaping"]["applied"] and "readiness" not in res["spreadsheetEscaping"]["columns"]
    assert any("NOT" not in s["licence"] for s in res["sources"]) and package["licenses"][0]["name"] == "MIT"


def test_png_map_is_not_blank_and_svg_html_are_complete(outcome):
    from PIL import Image, ImageStat

    png = Image.open(io.BytesIO(export.export_bytes(outcome, "png", metric="exposure"))).convert("L")
    assert png.width > 1000 and ImageStat.Stat(png).var[0] > 500
    svg = export.export_bytes(outcome, "svg").decode()
    assert svg.lstrip().startswith("<svg") and "MARC readiness" in svg and "<path" in svg
    html = export.export_bytes(outcome, "html").decode()
    assert "vega" in html and "cdn.jsdelivr" not in html and "<script src=" not in html
    assert outcome.framework.digest in html


def test_french_map_titles_and_no_internal_ids(outcome):
    svg = export.export_bytes(outcome, "svg", metric="exposure", lang="fr").decode()
    assert "Exposition aux aléas" in svg and "Citer : MARC v" in svg and "Frontières" in svg
    assert "gdis_subset_MODIFIED" not in svg and "Hazard exposure" not in svg
