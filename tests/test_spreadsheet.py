"""Spreadsheet formula injection (issue 14, class 1): text cells never become formulas, numbers untouched."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest
from builders import make_panel, write_framework

from marc.reporting import export, spreadsheet

ADVERSARIAL = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=HYPERLINK(\"http://x\")", "\r=2*3",
               '=HYPERLINK("http://evil.example","click")']


def marc(*args):
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "marc", *map(str, args)], capture_output=True, text=True, env=env)


@pytest.mark.parametrize("text", ADVERSARIAL)
def test_escape_text_quotes_every_trigger(text):
    assert spreadsheet.escape_text(text) == "'" + text
    assert spreadsheet.escape_text("Côte d’Ivoire") == "Côte d’Ivoire" and spreadsheet.escape_text(-3.5) == -3.5


def test_library_csv_escapes_text_columns_only():
    frame = pd.DataFrame({"name": ADVERSARIAL, "value": [-1.5, -2, 3, 4, 5, 6, -7], "year": range(2000, 2007)})
    text = spreadsheet.csv_bytes(frame).decode()
    back = pd.read_csv(io.StringIO(text), keep_default_na=False)
    assert all(v.startswith("'") for v in back["name"])
    assert back["value"].tolist() == [-1.5, -2, 3, 4, 5, 6, -7]  # numbers are never escaped
    assert "\n-1.5," not in text and ",-1.5," in text
    raw = pd.read_csv(io.StringIO(spreadsheet.csv_bytes(frame, raw=True).decode()), keep_default_na=False)
    assert raw["name"].tolist()[:4] == ADVERSARIAL[:4]


def test_library_xlsx_never_writes_a_formula():
    data = spreadsheet.xlsx_bytes({"s": pd.DataFrame({"name": ADVERSARIAL, "value": range(7)})})
    ws = openpyxl.load_workbook(io.BytesIO(data))["s"]
    cells = [ws.cell(row=r, column=1) for r in range(2, 9)]
    assert [c.data_type for c in cells] == ["s"] * 7 and [c.value for c in cells][0] == "=1+1"
    assert ws.cell(row=2, column=2).data_type == "n"


@pytest.fixture
def hostile(tmp_path):
    """A framework whose units and a panel whose source names are formulas; one value negative."""
    fw = write_framework(tmp_path / "fw", {"p": [{"id": f"i{k}"} for k in range(5)]}, first=2002, last=2003)
    text = (fw / "p.yaml").read_text()
    for k, bad in enumerate(ADVERSARIAL[:5]):
        text = text.replace('unit: "%"', f"unit: {json.dumps(bad)}", 1)
    (fw / "p.yaml").write_text(text)
    panel = make_panel({f"i{k}": {("KEN", 2003): 30.0 + k, ("NOR", 2003): -5.0 if k == 0 else 70.0} for k in range(5)})
    panel["source"] = ADVERSARIAL[5]
    path = tmp_path / "panel.parquet"
    panel.to_parquet(path)
    return fw, path


def test_cli_score_csv_escapes_and_declares_it(hostile, tmp_path):
    fw, panel = hostile
    out = tmp_path / "tidy.csv"
    run = marc("score", "--framework", fw, "--panel", panel, "--year", 2003, "--tidy", "--out", out)
    assert run.returncode == 0, run.stderr
    t = pd.read_csv(out, keep_default_na=False)
    units = set(t["measure_unit"])
    assert units == {"'" + u for u in ADVERSARIAL[:5]}
    assert set(t["source"]) == {"'" + ADVERSARIAL[5]}
    nor = t.loc[(t.unit == "NOR") & (t.indicator == "i0") & (t.year == 2003), "raw_value"]
    assert pd.to_numeric(nor).tolist() == [-5.0] and ",-5.0," in out.read_text()  # a number stays a number
    assert not out.read_text().startswith("#")  # no comment lines
    package = json.loads((tmp_path / "datapackage.json").read_text())
    res = {r["path"]: r for r in package["resources"]}["tidy.csv"]
    assert res["spreadsheetEscaping"]["applied"] is True and "measure_unit" in res["spreadsheetEscaping"]["columns"]
    assert "raw_value" not in res["spreadsheetEscaping"]["columns"]
    types = {f["name"]: f["type"] for f in res["schema"]["fields"]}
    assert types["raw_value"] == "number" and types["measure_unit"] == "string"


def test_cli_raw_csv_turns_escaping_off(hostile, tmp_path):
    fw, panel = hostile
    out = tmp_path / "tidy.csv"
    assert marc("score", "--framework", fw, "--panel", panel, "--year", 2003, "--tidy", "--raw-csv", "--out", out).returncode == 0
    t = pd.read_csv(out, keep_default_na=False)
    assert "=1+1" in set(t["measure_unit"])
    package = json.loads((tmp_path / "datapackage.json").read_text())
    assert package["resources"][0]["spreadsheetEscaping"]["applied"] is False


def test_cli_score_xlsx_keeps_strings(hostile, tmp_path):
    fw, panel = hostile
    out = tmp_path / "tidy.xlsx"
    assert marc("score", "--framework", fw, "--panel", panel, "--year", 2003, "--tidy", "--out", out).returncode == 0
    ws = openpyxl.load_workbook(out)["scores"]
    header = [c.value for c in ws[1]]
    col = header.index("measure_unit") + 1
    cells = [ws.cell(row=r, column=col) for r in range(2, ws.max_row + 1)]
    assert {c.data_type for c in cells} == {"s"} and "=1+1" in {c.value for c in cells}


def test_write_table_library_and_umask(tmp_path):
    frame = pd.DataFrame({"name": ["=1+1", "ok"], "v": [-1.0, 2.0]})
    old = os.umask(0o002)
    try:
        path = export.write_table(frame, tmp_path / "t.csv")
    finally:
        os.umask(old)
    assert path.read_text().splitlines()[1] == "'=1+1,-1.0"
    assert path.stat().st_mode & 0o777 == 0o664  # group-readable and writable, as the umask asks
    assert (tmp_path / "datapackage.json").stat().st_mode & 0o777 == 0o664


def test_audit_xlsx_report_never_writes_a_formula(tmp_path):
    from marc.cli.audit import _write_tables

    out = tmp_path / "audit.xlsx"
    _write_tables({"indicators": pd.DataFrame({"indicator": ["=cmd|' /C calc'!A0", "@SUM(1)"], "r": [0.5, -0.2]})}, out)
    book = openpyxl.load_workbook(out)
    cells = [c for row in book["indicators"].iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    assert [c.value for c in book["indicators"]["A"]][1:] == ["=cmd|' /C calc'!A0", "@SUM(1)"]
    assert book["indicators"]["B"][2].value == -0.2
