"""Adversarial inputs, class 1 at input: formula-like text in the free-text fields of expert evidence.

Each case submits one hostile value through the CLI (``marc evidence add``) and through the library
(``marc.method.review.submit``), and checks the located ``[formula-text]`` message (file, line, column of
the field), exit code 2 with no traceback, and that the evidence CSV and the country log are
unchanged (sha256 before and after).  Escaping on output is tested in tests/test_spreadsheet.py."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from builders import add_expert_slot, write_framework

from marc.core.errors import MarcError
from marc.method import review
from marc.method.evidence import EXPERT_COLUMNS
from marc.method.loader import load_framework

REPO = Path(__file__).resolve().parents[2]
CASES = [("coder", "=HYPERLINK(\"http://x\",\"y\")"), ("note", "+SUM(1,2)"), ("note", "@cmd|' /C calc'!A0"),
         ("note", "-2+3+cmd|' /C calc'!A0"), ("note", "\t=SUM(A1:A9)"), ("coder", "\r=1+1")]


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.endswith(".lock")}


@pytest.fixture
def root(tmp_path):
    root = write_framework(tmp_path / "fw", {"p": [{"id": "a"}]})
    add_expert_slot(root / "p.yaml", "slot")
    review.submit(root, load_framework(root).indicator("slot"), {
        "unit": "KEN", "year": 2003, "value": 1, "evidence_url": "https://example.org/a", "coder": "A",
        "date": "2026-11-29", "confidence": "high", "note": "a fair note"})
    return root


@pytest.mark.parametrize("field,text", CASES)
def test_formula_text_is_refused_everywhere(root, field, text):
    row = {"unit": "NOR", "year": 2003, "value": 1, "evidence_url": "https://example.org/b", "coder": "B",
           "date": "2026-11-29", "confidence": "high", "note": "fine"} | {field: text}
    before = digest(root)
    with pytest.raises(MarcError) as err:
        review.submit(root, load_framework(root).indicator("slot"), row)
    p = err.value.problems[0]
    assert (p.code, p.line, p.column) == ("formula-text", 2, EXPERT_COLUMNS.index(field) + 1)
    assert p.file.endswith("slot.csv (new row)")
    args = [sys.executable, "-m", "marc", "evidence", "add", "slot", "NOR", "--value", "1", "--url", "https://example.org/b",
            "--coder", row["coder"], "--note", row["note"], "--year", "2003", "--framework", str(root)]
    run = subprocess.run(args, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert f"slot.csv (new row):2:{EXPERT_COLUMNS.index(field) + 1}: [formula-text]" in run.stderr
    assert digest(root) == before
