"""Friendlier framework errors: relative paths and "did you mean" suggestions."""

from __future__ import annotations

from builders import make_panel, write_framework

from marc.core.errors import MarcError
from marc.method import suggest
from marc.method.loader import load_framework


def _error(tmp_path, source: str) -> MarcError:
    root = write_framework(tmp_path / "fw", {"p": [{"id": "a"}]})
    text = (root / "p.yaml").read_text().replace("source: custom/a", f"source: {source}")
    (root / "p.yaml").write_text(text)
    panel = make_panel({"a": {("U1", 2005): 1.0}})
    panel.loc[len(panel)] = ["U1", 2005, "wdi/EG.ELC.RNEW.ZS", 1.0, "wdi"]
    try:
        load_framework(root, panel=panel)
    except MarcError as exc:
        return exc
    raise AssertionError("no error")


def test_unknown_variable_gets_a_suggestion_and_a_relative_path(tmp_path):
    exc = _error(tmp_path, "wdi/EG.ELC.RNEW.Z")
    nice = suggest.friendlier(exc, tmp_path / "fw", variables=["wdi/EG.ELC.RNEW.ZS", "wdi/SP.POP.TOTL"])
    p = nice.problems[0]
    assert p.code == "unknown-variable" and p.file == "p.yaml" and p.line > 0
    assert "did you mean 'wdi/EG.ELC.RNEW.ZS'?" in p.message


def test_unknown_dataset_suggests_the_dataset(tmp_path):
    exc = _error(tmp_path, "wdj/EG.ELC.RNEW.ZS")
    nice = suggest.friendlier(exc, tmp_path / "fw", datasets=["wdi", "wgi", "ndgain"])
    assert "did you mean 'wdi'" in nice.problems[0].message


def test_no_close_match_no_hint(tmp_path):
    exc = _error(tmp_path, "wdi/ZZZZZZZZZZ")
    nice = suggest.friendlier(exc, None, variables=["wdi/EG.ELC.RNEW.ZS"])
    assert "did you mean" not in nice.problems[0].message
    assert nice.problems[0].file == exc.problems[0].file
