"""The data-quality report."""

from __future__ import annotations

import pandas as pd

from marc.data.countries import Unmatched
from marc.data.panel import validate_panel
from marc.data.panel_build import PanelBuild
from marc.data.quality import data_report


def test_report_coverage_latest_year_missing_outliers_unmatched():
    countries = pd.DataFrame({"unit": [f"C{i:02d}" for i in range(10)]})
    rows = []
    for i in range(10):  # 2020: all 10 countries; 2021: only 3 (below 50%)
        rows.append((f"C{i:02d}", 2020, "x/a", float(i % 3), "src"))
    for i in range(3):
        rows.append((f"C{i:02d}", 2021, "x/a", 1.0, "src"))
    for i in range(10):  # one wild value
        rows.append((f"C{i:02d}", 2021, "y/b", 1000.0 if i == 7 else 1.0 + 0.1 * i, "other"))
    panel = validate_panel(pd.DataFrame(rows, columns=["unit", "year", "variable", "value", "source"]))
    build = PanelBuild(panel, [Unmatched("src/file.csv", "Atlantis", "4"), Unmatched("src/file.csv", "Atlantis", "9")])
    report = data_report(build, countries=countries).set_index("variable")
    a, b = report.loc["x/a"], report.loc["y/b"]
    assert a["n_units"] == 10 and a["first_year"] == 2020 and a["last_year"] == 2021
    assert a["latest_year"] == 2020  # 2021 has only 30% coverage
    assert a["coverage_2021"] == 0.3 and a["coverage_2020"] == 1.0
    assert a["n_missing_countries"] == 7 and a["missing_countries"].split() == [f"C{i:02d}" for i in range(3, 10)]
    assert a["unmatched"] == "Atlantis (x2)"
    assert b["outliers"] == "C07=1000" and b["unmatched"] == ""
    assert b["latest_year"] == 2021


def test_cli_data_report_writes_csv(tmp_path):
    from typer.testing import CliRunner

    from marc.cli import app

    folder = tmp_path / "cache" / "ucdp_prio_acd"
    folder.mkdir(parents=True)
    (folder / "UcdpPrioConflict_v23_1.csv").write_text('"year","intensity_level","gwno_loc"\n"2022","2","369"\n')
    out = tmp_path / "report.csv"
    result = CliRunner().invoke(app, ["data", "report", "--cache", str(tmp_path / "cache"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = pd.read_csv(out).set_index("variable")
    assert report.loc["ucdp/war", "n_units"] == 195 and report.loc["ucdp/war", "last_year"] == 2022
