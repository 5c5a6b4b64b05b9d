"""The CLI: exit codes, no tracebacks, output formats."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest
from builders import add_expert_slot, make_panel, write_framework


def marc(*args, cwd=None):
    env = {**os.environ, "COLUMNS": "200"}  # rich wraps tables to the terminal width
    return subprocess.run([sys.executable, "-m", "marc", *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env)


@pytest.fixture
def fixture_run(tmp_path):
    fw = write_framework(tmp_path / "fw", {"p": [{"id": "a"}, {"id": "b"}]}, first=2002, last=2003)
    panel = make_panel({"a": {("KEN", 2003): 30, ("NOR", 2003): 70, ("KEN", 2002): 20},
                        "b": {("KEN", 2003): 50, ("NOR", 2003): 10}})
    path = tmp_path / "panel.parquet"
    panel.to_parquet(path)
    return fw, path


def test_validate_ok_exit_0(fixture_run):
    fw, _ = fixture_run
    (fw / "custom").mkdir()
    for name in ("a", "b"):
        (fw / "custom" / f"{name}.csv").write_text("unit,year,value\nKEN,2003,30\n")
    run = marc("validate", fw)
    assert run.returncode == 0, run.stderr
    assert "OK" in run.stdout


def test_validate_custom_source_without_csv_exit_2(fixture_run):
    fw, _ = fixture_run
    (fw / "custom").mkdir()
    (fw / "custom" / "a.csv").write_text("unit,year,value\nKEN,2003,30\n")  # b.csv misspelt / absent
    run = marc("validate", fw)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "p.yaml:17:5: [custom-missing] 'custom/b' has no CSV" in run.stderr and "present: a" in run.stderr


def test_score_message_names_the_framework_index(fixture_run, tmp_path):
    fw, panel = fixture_run
    text = (fw / "index.yaml").read_text().replace("  name: Readiness\n", "  name: Flood risk\n  orientation: risk\n")
    (fw / "index.yaml").write_text(text)
    run = marc("score", "--framework", fw, "--panel", panel, "--year", 2003, "--out", tmp_path / "s.csv")
    assert run.returncode == 0, run.stderr
    assert "Flood risk (risk: higher is worse) published for 2 units" in " ".join(run.stdout.split())
    assert "MARC readiness" not in run.stdout


def test_validate_missing_folder_exit_2(tmp_path):
    run = marc("validate", tmp_path / "nope")
    assert run.returncode == 2 and "[not-found]" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize("ext", ["csv", "xlsx", "parquet"])
def test_score_writes_by_extension(fixture_run, tmp_path, ext):
    fw, panel = fixture_run
    out = tmp_path / f"scores.{ext}"
    run = marc("score", "--framework", fw, "--panel", panel, "--year", 2003, "--out", out)
    assert run.returncode == 0, run.stderr
    table = {"csv": pd.read_csv, "xlsx": pd.read_excel, "parquet": pd.read_parquet}[ext](out)
    row = table.set_index("unit").loc["KEN"]
    assert row["readiness"] == pytest.approx(40) and row["rank"] == 1 and row["p"] == pytest.approx(40)


def test_score_tidy_has_provenance(fixture_run, tmp_path):
    fw, panel = fixture_run
    out = tmp_path / "tidy.csv"
    assert marc("score", "--framework", fw, "--panel", panel, "--all-years", "--tidy", "--out", out).returncode == 0
    t = pd.read_csv(out)
    row = t[(t.unit == "KEN") & (t.year == 2003) & (t.indicator == "a")].iloc[0]
    assert row.raw_value == 30 and row.data_year == 2003 and row.source == "test"


def test_score_bad_extension_and_bad_panel(fixture_run, tmp_path):
    fw, panel = fixture_run
    run = marc("score", "--framework", fw, "--panel", panel, "--out", tmp_path / "x.txt")
    assert run.returncode == 2 and "[bad-extension]" in run.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("unit,year,variable,value,source\nKEN,2003,custom/a,lots,test\n")
    run = marc("score", "--framework", fw, "--panel", bad, "--out", tmp_path / "x.csv")
    assert run.returncode == 2 and "[non-numeric]" in run.stderr and "row 0" in run.stderr
    assert "Traceback" not in run.stderr


def test_schema_written_and_matches_models(tmp_path):
    run = marc("schema", "--out", tmp_path)
    assert run.returncode == 0, run.stderr
    schema = json.loads((tmp_path / "framework.schema.json").read_text())
    assert "pillar" in schema["properties"] and "indicators" in schema["properties"]
    ind = schema["$defs"]["Indicator"]
    assert ind["additionalProperties"] is False and "direction" in ind["required"]


def test_score_with_rank_intervals(fixture_run, tmp_path):
    fw, panel = fixture_run
    out = tmp_path / "u.csv"
    run = marc("score", "--framework", fw, "--panel", panel, "--year", 2003, "--uncertainty", 200, "--seed", 3, "--out", out)
    assert run.returncode == 0, run.stderr
    t = pd.read_csv(out).set_index("unit")
    for unit in ("KEN", "NOR"):
        low, rank, high = t.loc[unit, "rank_p05"], t.loc[unit, "rank"], t.loc[unit, "rank_p95"]
        assert low >= 1 and low <= rank <= high and high <= 2
        assert t.loc[unit, "score_p05"] <= t.loc[unit, "readiness"] <= t.loc[unit, "score_p95"]
    again = tmp_path / "u2.csv"
    marc("score", "--framework", fw, "--panel", panel, "--year", 2003, "--uncertainty", 200, "--seed", 3, "--out", again)
    pd.testing.assert_frame_equal(pd.read_csv(out), pd.read_csv(again))


def test_uncertainty_with_panel_matches_score(fixture_run, tmp_path):
    """``marc uncertainty --panel FILE`` reads the panel as ``marc score --panel`` does: same intervals."""
    fw, panel = fixture_run
    out, scored = tmp_path / "unc.csv", tmp_path / "scored.csv"
    run = marc("uncertainty", "--framework", fw, "--panel", panel, "--year", 2003, "--n", 200, "--seed", 3, "--out", out)
    assert run.returncode == 0, run.stderr
    assert "Rank intervals, edition 2003: 200 replications, seed 3" in run.stdout
    assert marc("score", "--framework", fw, "--panel", panel, "--year", 2003, "--uncertainty", 200, "--seed", 3,
                "--out", scored).returncode == 0
    u, s = pd.read_csv(out).set_index("unit"), pd.read_csv(scored).set_index("unit")
    assert sorted(u.index) == ["KEN", "NOR"]
    for col in ("rank_p05", "rank_p95", "score_p05", "score_p95", "median_rank"):
        assert u[col].to_dict() == pytest.approx(s.loc[u.index, col].to_dict())
    assert u.loc["NOR", "score"] == pytest.approx(s.loc["NOR", "readiness"])


def test_uncertainty_reports_dropped_territory_rows(fixture_run, tmp_path):
    fw, _ = fixture_run
    panel = tmp_path / "p.csv"
    make_panel({"a": {("KEN", 2003): 30, ("NOR", 2003): 70, ("PRI", 2003): 50},
                "b": {("KEN", 2003): 50, ("NOR", 2003): 10, ("PRI", 2003): 20}}).to_csv(panel, index=False)
    run = marc("uncertainty", "--framework", fw, "--panel", panel, "--n", 50)
    assert run.returncode == 0, run.stderr
    assert "warning: 2 panel row(s) of 1 unit(s) dropped" in run.stderr and "units: PRI (Puerto Rico) 2" in run.stderr
    assert "PRI" not in run.stdout


def test_uncertainty_bad_panel_exit_2(fixture_run, tmp_path):
    fw, _ = fixture_run
    bad = tmp_path / "bad.csv"
    bad.write_text("unit,year,value\nKEN,2003,1\n")
    run = marc("uncertainty", "--framework", fw, "--panel", bad)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "bad.csv" in run.stderr and "missing column(s) ['variable', 'source']" in run.stderr


def test_evidence_add_validates_saves_and_moves_the_score(tmp_path):
    root = write_framework(tmp_path / "fw", {"p": [{"id": "a"}]}, first=2003, last=2003)
    add_expert_slot(root / "p.yaml", "strategy")
    panel = tmp_path / "panel.csv"
    make_panel({"a": {("KEN", 2003): 40}}).to_csv(panel, index=False)
    bad = marc("evidence", "add", "strategy", "KEN", "--value", 7, "--url", "https://example.org/x", "--coder", "A",
               "--year", 2003, "--framework", root)
    assert bad.returncode == 2 and "[bad-value]" in bad.stderr
    assert not (root / "expert" / "strategy.csv").exists()
    ok = marc("evidence", "add", "strategy", "KEN", "--value", 2, "--url", "https://example.org/x", "--coder", "A",
              "--year", 2003, "--date", "2026-11-20", "--confidence", "high", "--framework", root)
    assert ok.returncode == 0, ok.stderr
    out = tmp_path / "s.csv"
    assert marc("score", "--framework", root, "--panel", panel, "--out", out).returncode == 0
    assert pd.read_csv(out).set_index("unit").loc["KEN", "readiness"] == pytest.approx(40)  # submitted: not scored yet
    self_ok = marc("evidence", "review", "strategy", "KEN", "--year", 2003, "--coder", "A", "--approve", "--by", "A",
                   "--framework", root)
    assert self_ok.returncode == 2 and "[self-approval]" in self_ok.stderr and "Traceback" not in self_ok.stderr
    approved = marc("evidence", "review", "strategy", "KEN", "--year", 2003, "--coder", "A", "--approve", "--by", "B",
                    "--framework", root)
    assert approved.returncode == 0, approved.stderr
    assert marc("score", "--framework", root, "--panel", panel, "--out", out).returncode == 0
    assert pd.read_csv(out).set_index("unit").loc["KEN", "readiness"] == pytest.approx(70)  # (40 + 100) / 2
    listing = marc("evidence", "list", "--framework", root)
    assert "https://example.org/x" in listing.stdout and "1 value(s)" in listing.stdout


def test_evidence_bad_input_is_located_with_exit_2(tmp_path):
    root = write_framework(tmp_path / "fw", {"p": [{"id": "a"}]}, first=2003, last=2003)
    add_expert_slot(root / "p.yaml", "strategy")
    base = ["evidence", "add", "strategy", "KEN", "--coder", "A", "--year", 2003, "--framework", root]
    cases = {
        "bad-value": base + ["--value", 5, "--url", "https://example.org/x"],
        "bad-url": base + ["--value", 1, "--url", "ftp://example.org/x"],
        "formula-text": base + ["--value", 1, "--url", "https://example.org/x", "--note", "=1+1"],
        "no-such-row": ["evidence", "review", "strategy", "NOR", "--year", 2003, "--coder", "A", "--approve", "--by", "B",
                        "--framework", root],
    }
    for code, args in cases.items():
        run = marc(*args)
        assert run.returncode == 2 and f"[{code}]" in run.stderr and "Traceback" not in run.stderr, (code, run.stderr)
        assert "strategy.csv" in run.stderr  # located: the file it concerns
    assert not (root / "expert" / "strategy.csv").exists()  # nothing was written
