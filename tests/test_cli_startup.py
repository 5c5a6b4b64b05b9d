"""Start-up of the ``marc`` command: a command imports only its own command module, and ``marc score``
never imports the map, chart, document or app libraries (timings live in bench/bench_startup.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
from builders import write_framework

from marc import cli

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("geopandas", "altair", "streamlit", "shapely", "pyogrio", "exactextract", "vl_convert", "docx", "fpdf",
         "xlsxwriter", "openpyxl", "dask", "httpx")


def test_the_command_map_names_the_module_of_every_command():
    """``marc.cli.COMMANDS`` agrees with what the command modules register (the whole app is registered
    when marc.cli is imported outside the ``marc`` command)."""
    found = {}
    for info in cli.app.registered_commands:
        if info.callback is not cli._group:
            found[info.name or info.callback.__name__.replace("_", "-")] = info.callback.__module__.rsplit(".", 1)[1]
    for group in cli.app.registered_groups:
        found[group.name] = group.typer_instance.registered_commands[0].callback.__module__.rsplit(".", 1)[1]
    assert found == cli.COMMANDS
    assert set(cli.COMMANDS.values()) == set(cli.AREAS)


def _run_as_marc(args: list[str], cwd: Path) -> dict:
    """Run ``python -m marc ARGS`` in a child (as runpy runs it) and report what it imported."""
    probe = ("import json, runpy, sys\n"
             f"sys.argv = ['marc', *{args!r}]\n"
             "code = 0\n"
             "try:\n    runpy.run_module('marc', run_name='__main__', alter_sys=True)\n"
             "except SystemExit as exc:\n    code = exc.code or 0\n"
             "print(json.dumps({'code': code, 'modules': sorted(m for m in sys.modules if m.split('.')[0] in "
             f"{HEAVY!r} or m.startswith('marc.cli.'))}}))\n")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=cwd,
                         env={**__import__("os").environ, "PYTHONPATH": str(REPO)})
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_score_imports_only_its_command_module_and_no_heavy_library(tmp_path):
    root = write_framework(tmp_path / "fw", {"p": [{"id": "a"}]})
    (root / "custom").mkdir()
    (root / "custom" / "a.csv").write_text("unit,year,value\nKEN,2005,10\nFRA,2005,20\n")
    panel = tmp_path / "empty.parquet"
    pd.DataFrame({"unit": pd.Series([], dtype=object), "year": pd.Series([], dtype="int64"),
                  "variable": pd.Series([], dtype=object), "value": pd.Series([], dtype="float64"),
                  "source": pd.Series([], dtype=object)}).to_parquet(panel)
    out = tmp_path / "scores.csv"
    report = _run_as_marc(["score", "--framework", str(root), "--panel", str(panel), "--out", str(out)], tmp_path)
    assert report == {"code": 0, "modules": ["marc.cli.framework"]}
    assert sorted(pd.read_csv(out)["unit"]) == ["FRA", "KEN"]


def test_a_command_outside_the_map_or_the_help_still_sees_every_command(tmp_path):
    report = _run_as_marc(["--help"], tmp_path)
    assert report["code"] == 0 and len(report["modules"]) == len(cli.AREAS)
    report = _run_as_marc(["release", "--help"], tmp_path)  # a module with one command stays a sub-command
    assert report == {"code": 0, "modules": ["marc.cli.release"]}
    assert _run_as_marc(["no-such-command"], tmp_path)["code"] == 2
